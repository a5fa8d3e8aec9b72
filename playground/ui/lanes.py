"""Lanes: light events never wait behind heavy ones.

Every event of the page runs in one of a few concurrency groups (Gradio's `concurrency_id`), each with its own
limit and its own count of CPU threads per call:
- light: slider pictures, sweeps, grids, reconstructions — small forward passes; several at once, one thread each;
- heavy: Gatys, style, CycleGAN, captioning, inversion, videos — a few at once (one per 4 cores), sharing the cores;
- lab: the Lab's live 2-D training streams, one thread each;
- downloads: fetching weights — network-bound, never queued behind anything (one download per file anyway).
Events that must answer at once (status polls, stop buttons: `concurrency_limit=None`) stay unlimited.
The server's own Python — its web event loop and the light, download and unlimited events — runs on one core
(settings.PIN_PYTHON): its threads take turns holding the GIL anyway, and handing it across cores cost half as
much CPU again per slider call. Heavy jobs and the Lab, whose torch work runs outside the GIL, keep every core.
`bench/load.py` measures what this buys.
"""

from __future__ import annotations

import functools
import inspect
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import gradio as gr

from .. import settings
from ..device import ALL_CORES, cpu_quota, use_cores, use_threads

HEAVY_EVENTS = frozenset({
    "style_gatys", "style_fast", "style_builtin_gallery", "cyclegan_translate", "caption", "caption_attention",
    "infogan_invert", "cgan_swap", "infogan_sweep_video", "infogan_interpolate_video", "studio_prepare",
})  # fmt: skip
LAB_EVENTS = frozenset({"lab_train_2d", "lab_step_2d", "lab_reset_2d", "lab_export_gif"})
DOWNLOAD_EVENTS = frozenset({"caption_weights", "style_weights", "cyclegan_weights"})


@dataclass(frozen=True)
class Lane:
    name: str
    limit: int | None  # events of the lane running at once (None: no limit)
    threads: int  # torch CPU threads for each of them
    pinned: bool = False  # on the server's Python core (python_core) rather than every core


def cores() -> int:
    """The process's cores (read at start-up: a thread's own placement does not shrink it)."""
    return len(ALL_CORES) or os.cpu_count() or 1


def lanes(n_cores: int | None = None) -> dict[str, Lane]:
    """The lanes for a machine of `n_cores` cores (sizes from bench/load.py; settings.HEAVY_* override)."""
    n_cores = n_cores or cores()
    heavy_jobs = settings.HEAVY_JOBS or max(1, n_cores // 4)
    heavy_threads = settings.HEAVY_THREADS or max(1, n_cores // heavy_jobs)
    return {
        "light": Lane("light", 4, 1, pinned=True),
        "heavy": Lane("heavy", heavy_jobs, heavy_threads),
        "lab": Lane("lab", 8, 1),
        "downloads": Lane("downloads", None, 1, pinned=True),
    }


UNLIMITED = Lane("unlimited", None, 1, pinned=True)  # events that must answer at once: no concurrency group


def python_core() -> frozenset[int] | None:
    """The one core the server's own Python runs on, or None (every core) when it is not pinned: turned off,
    one core anyway, not on Linux, or a container whose CPU quota is below the cores it sees (a Space, say):
    those cores are shared with other containers, and one picked blindly may be a busy one."""
    if not settings.PIN_PYTHON or len(ALL_CORES) < 2:
        return None
    quota = cpu_quota()
    # the last core: Linux tends to serve interrupts and boot-time work on the first
    return None if quota is not None and quota < len(ALL_CORES) else frozenset({max(ALL_CORES)})


def pin_server(demo: gr.Blocks) -> None:
    """Put the launched server's web event loop (uvicorn's thread) on the Python core."""
    thread, core = getattr(getattr(demo, "server", None), "thread", None), python_core()
    if thread is not None and thread.native_id is not None and core:
        use_cores(core, thread.native_id)


def lane_of(api_name: str | None, limit: Any) -> str | None:
    """The lane an event belongs to; None for one that must never wait (its limit was set to None)."""
    if api_name in HEAVY_EVENTS:
        return "heavy"
    if api_name in LAB_EVENTS:
        return "lab"
    if api_name in DOWNLOAD_EVENTS:
        return "downloads"
    return None if limit is None else "light"


def with_threads(fn: Callable, threads: int, cores: frozenset[int] | None = None) -> Callable:
    """`fn` running its torch work on `threads` threads, on `cores` (None: every core). A generator is resumed by
    whichever worker thread is free, so both are set again before every step of it."""

    def place() -> None:  # cores first: OpenMP threads a torch call starts inherit its thread's cores
        use_cores(cores)
        use_threads(threads)

    if inspect.isgeneratorfunction(fn):

        @functools.wraps(fn)
        def stream(*args: Any, **kwargs: Any) -> Iterator:
            place()
            inner = fn(*args, **kwargs)
            try:
                while True:
                    place()
                    try:
                        update = next(inner)
                    except StopIteration:
                        return
                    yield update
            finally:
                inner.close()

        return stream

    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        place()
        return fn(*args, **kwargs)

    return call


def runs_on_a_worker(block_fn: Any) -> bool:
    """False for a front-end-only (js) event, Gradio's own cancel and async functions: no torch work of theirs
    runs on a worker thread."""
    fn = block_fn.fn
    return not (fn is None or block_fn.is_cancel_function or inspect.iscoroutinefunction(fn)
                or inspect.isasyncgenfunction(fn))  # fmt: skip


def assign_lanes(demo: gr.Blocks, n_cores: int | None = None) -> dict[str, list[str]]:
    """Put every event of `demo` in its lane (call once the page is built, before it is served): by api_name,
    and a private event (an example, a `.then`, the page load) in the lane of the endpoint whose function it
    calls. Returns lane → event names, for the tests."""
    table, members, wrapped, pinned = lanes(n_cores), {}, {}, python_core()

    def wrap(fn: Callable, lane: Lane) -> Callable:  # one wrapper per function: events sharing it still do
        key = (fn, lane.threads, lane.pinned)
        if key not in wrapped:
            wrapped[key] = with_threads(fn, lane.threads, pinned if lane.pinned else None)
        return wrapped[key]

    # the functions of the heavy, lab and download endpoints, so their private twins join those lanes
    named = {block_fn.fn: lane_of(block_fn.api_name, "default") for block_fn in demo.fns.values()
             if block_fn.api_name in HEAVY_EVENTS | LAB_EVENTS | DOWNLOAD_EVENTS}  # fmt: skip
    for block_fn in demo.fns.values():
        fn = block_fn.fn
        if not runs_on_a_worker(block_fn):
            continue
        twin = named.get(fn) if block_fn.concurrency_limit is not None else None
        lane = table.get(twin or lane_of(block_fn.api_name, block_fn.concurrency_limit) or "")
        if lane is None:  # answers at once (a poll, a stop button): unlimited, one thread
            block_fn.fn = wrap(fn, UNLIMITED)
            continue
        block_fn.concurrency_id, block_fn.concurrency_limit = lane.name, lane.limit
        block_fn.fn = wrap(fn, lane)
        members.setdefault(lane.name, []).append(block_fn.api_name or block_fn.name)
    return members
