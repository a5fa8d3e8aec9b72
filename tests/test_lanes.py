"""Lanes: each event in its concurrency group with its CPU threads and cores (playground/ui/lanes.py)."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import pytest
import torch

from playground import device, settings
from playground.device import ALL_CORES
from playground.pipelines.store import Store
from playground.ui import lanes


def test_heavy_endpoints_and_their_private_twins_share_one_lane_apart_from_the_sliders(tiny_checkpoints):
    from playground.ui.app import build_demo

    demo = build_demo(Store(tiny_checkpoints, torch.device("cpu")))
    table = lanes.lanes()
    by_api = {f.api_name: f for f in demo.fns.values() if f.api_name}
    for name in lanes.HEAVY_EVENTS:
        assert (by_api[name].concurrency_id, by_api[name].concurrency_limit) == ("heavy", table["heavy"].limit), name
    for name in ("infogan_generate", "infogan_sweep", "cgan_generate", "ae_reconstruct", "pix2pix_render"):
        assert (by_api[name].concurrency_id, by_api[name].concurrency_limit) == ("light", table["light"].limit), name
    for name in lanes.LAB_EVENTS:
        assert by_api[name].concurrency_id == "lab", name
    assert (
        by_api["caption_weights"].concurrency_id == "downloads" and by_api["caption_weights"].concurrency_limit is None
    )
    assert by_api["studio_status"].concurrency_limit is None  # a poll never waits
    # an example row or a `.then` calling the translation is heavy too, and events sharing a function still do
    translate = by_api["cyclegan_translate"].fn
    twins = [f for f in demo.fns.values() if f.fn is translate]
    assert len(twins) >= 2 and all(f.concurrency_id == "heavy" for f in twins)
    assert translate.__name__ == "cyclegan_translate"  # the name the API docs and MCP tools use survives


def test_a_machine_of_n_cores_gets_one_heavy_job_per_four_cores_sharing_them():
    assert (lanes.lanes(2)["heavy"].limit, lanes.lanes(2)["heavy"].threads) == (1, 2)
    assert (lanes.lanes(16)["heavy"].limit, lanes.lanes(16)["heavy"].threads) == (4, 4)
    assert lanes.lanes(16)["light"].threads == 1


def test_threads_are_set_for_each_call_and_each_step_of_a_stream_whatever_thread_runs_it():
    seen = []

    def work(tag: str) -> int:
        seen.append((tag, torch.get_num_threads()))
        return torch.get_num_threads()

    def stream():
        for step in range(3):
            yield work(f"step {step}")

    one, three = lanes.with_threads(work, 1), lanes.with_threads(stream, 3)
    main = torch.get_num_threads()
    with ThreadPoolExecutor(2) as pool:
        assert pool.submit(one, "call").result() == 1
        steps = three()
        # each step resumed on another worker, one of which just ran a one-thread call
        assert [pool.submit(next, steps).result() for _ in range(3)] == [3, 3, 3]
        assert pool.submit(one, "after").result() == 1
    assert torch.get_num_threads() == main  # the count is the calling thread's own


@pytest.mark.skipif(len(ALL_CORES) < 2, reason="placing threads on cores needs Linux and two cores or more")
def test_light_work_runs_on_the_python_core_and_heavy_work_on_every_core_whatever_thread_ran_before(
    monkeypatch, tmp_path
):
    monkeypatch.setattr(settings, "PIN_PYTHON", True)
    monkeypatch.setattr(device, "CPU_MAX", tmp_path / "no-cgroup")  # whatever quota the machine running this has
    core = lanes.python_core()
    assert core is not None and len(core) == 1 and core <= ALL_CORES

    def cores() -> set[int]:
        return os.sched_getaffinity(0)  # the calling thread's

    light, heavy = lanes.with_threads(cores, 1, core), lanes.with_threads(cores, 2)
    with ThreadPoolExecutor(1) as pool:  # one worker runs them all in turn, as Gradio's workers do
        assert [pool.submit(f).result() for f in (light, heavy, light, heavy)] == [core, ALL_CORES, core, ALL_CORES]
    monkeypatch.setattr(settings, "PIN_PYTHON", False)
    assert lanes.python_core() is None


@pytest.mark.skipif(len(ALL_CORES) < 2, reason="placing threads on cores needs Linux and two cores or more")
def test_a_container_with_a_cpu_quota_below_its_cores_leaves_the_python_unpinned(monkeypatch, tmp_path):
    monkeypatch.setattr(settings, "PIN_PYTHON", True)
    cpu_max = tmp_path / "cpu.max"
    monkeypatch.setattr(device, "CPU_MAX", cpu_max)
    assert device.cpu_quota() is None and lanes.python_core() is not None  # no cgroup file: this machine's cores
    cpu_max.write_text("max 100000\n")
    assert device.cpu_quota() is None and lanes.python_core() is not None  # no quota
    cpu_max.write_text(f"{100000 * (len(ALL_CORES) - 1)} 100000\n")  # a share of cores it does not own
    assert device.cpu_quota() == len(ALL_CORES) - 1 and lanes.python_core() is None


def test_the_server_event_loop_runs_on_the_python_core(monkeypatch):
    """pin_server places uvicorn's thread of a launched app (the thread Gradio keeps as demo.server.thread)."""
    import gradio as gr

    monkeypatch.setattr(settings, "PIN_PYTHON", True)
    with gr.Blocks() as demo:
        gr.Markdown()
    demo.launch(prevent_thread_lock=True, quiet=True)
    try:
        lanes.pin_server(demo)
        expected = lanes.python_core() or ALL_CORES
        assert os.sched_getaffinity(demo.server.thread.native_id) == expected
    finally:
        demo.close()


def test_closing_a_stream_closes_the_work_inside_it():
    closed = []

    def stream():
        try:
            yield from range(10)
        finally:
            closed.append(True)

    steps = lanes.with_threads(stream, 1)()
    assert next(steps) == 0
    steps.close()  # what Gradio does when a visitor stops or leaves
    assert closed == [True]


def test_gradio_recomputes_its_event_summary_every_100_events_unless_the_host_says_otherwise(monkeypatch):
    import gradio as gr

    from playground import serve

    def every() -> int:  # what the queue Gradio builds for a page reads from the environment
        with gr.Blocks() as demo:
            gr.Markdown()
        return demo.queue()._queue.ANAYLTICS_CACHE_FREQUENCY  # sic: Gradio's spelling

    monkeypatch.delenv("GRADIO_ANALYTICS_CACHE_FREQUENCY", raising=False)
    assert every() == 1  # Gradio's default: after every event
    serve.apply_gradio_defaults()
    assert every() == 100
    monkeypatch.setenv("GRADIO_ANALYTICS_CACHE_FREQUENCY", "7")
    serve.apply_gradio_defaults()
    assert every() == 7
