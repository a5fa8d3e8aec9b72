"""ZeroGPU, the way Hugging Face Spaces document it: `@spaces.GPU` on the functions that run models.

On a ZeroGPU Space (`SPACES_ZERO_GPU=true`) the process holds no GPU between requests: the models are moved to
CUDA at start-up (the `spaces` package packs them), and a GPU is attached only while a function wrapped by
`spaces.GPU` runs — in a forked worker, so its arguments and results are pickled across (pictures as PNG
paths, text, numbers: never a CUDA tensor). Everywhere else `gpu` is the identity, and `spaces` is never
imported.
"""

from __future__ import annotations

import functools
import inspect
import os
import types
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import gradio as gr

ZERO_GPU_ENV = "SPACES_ZERO_GPU"  # set to "true" by Spaces on ZeroGPU hardware (read the same way by gradio)


def on_zero_gpu() -> bool:
    return os.environ.get(ZERO_GPU_ENV, "").strip().lower() in ("1", "t", "true")


def setup() -> bool:
    """Import `spaces` before anything touches CUDA (it patches torch so models can move to CUDA at start-up).
    Returns whether ZeroGPU is active."""
    if not on_zero_gpu():
        return False
    try:
        import spaces  # noqa: F401
    except ImportError:
        return False
    return True


def gpu(fn: Callable, *, duration: int | None = None) -> Callable:
    """`spaces.GPU(fn)` on a ZeroGPU Space (`duration`: the longest one call may hold the GPU, in seconds),
    else `fn` itself."""
    if not on_zero_gpu():
        return fn
    try:
        import spaces
    except ImportError:
        return fn
    on_gpu = spaces.GPU(fn, duration=duration)
    # functools.wraps keeps fn's signature: Gradio reads it at call time to pass event data and progress
    if inspect.isgeneratorfunction(fn):

        @functools.wraps(fn)
        def stream(*args: Any, **kwargs: Any) -> Any:
            yield from on_gpu(*map(detached, args), **kwargs)

        return stream

    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        return on_gpu(*map(detached, args), **kwargs)

    return call


def detached(value: Any) -> Any:
    """Event data (a click's coordinates...) as a plain namespace without its `target` component: the target
    holds the whole app, and EventData itself cannot be unpickled, so neither could cross into the GPU worker."""
    import gradio as gr

    if isinstance(value, gr.EventData):
        return types.SimpleNamespace(**{**vars(value), "target": None})
    return value


def wrap_events(blocks: gr.Blocks, names: Iterable[str], durations: dict[str, int] | None = None) -> list[str]:
    """Run on the GPU every event whose function is one of `names`' — by api_name, or by the handler's own
    name for private events — including the private events (page load, examples, `.then`) that call the same
    function. Returns the names matched; an unknown name is an error, so a renamed endpoint cannot silently
    fall back to the CPU."""
    names, durations = set(names), durations or {}
    by_name = {}
    for block_fn in blocks.fns.values():
        if block_fn.fn is None:
            continue
        key = block_fn.api_name if block_fn.api_name in names else getattr(block_fn.fn, "__name__", None)
        if key in names:
            by_name.setdefault(block_fn.fn, key)
    missing = names - set(by_name.values())
    if missing:
        raise ValueError(f"no event runs {', '.join(sorted(missing))}")
    wrapped: dict[Any, Callable] = {fn: gpu(fn, duration=durations.get(key)) for fn, key in by_name.items()}
    for block_fn in blocks.fns.values():
        if block_fn.fn in wrapped:
            block_fn.fn = wrapped[block_fn.fn]
    return sorted(set(by_name.values()))
