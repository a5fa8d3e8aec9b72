"""Slider latency through gradio_client, against the framework's own floor, measured in one run.

    python -m bench.latency [--calls 150]

Starts the real interface (build_demo over the shipped checkpoints) in a subprocess with two extra
benchmark-only events — `/noop` (returns a number) and `/noop_image` (returns a fixed image of the same
size as a generated one) — and calls them interleaved with the real endpoints, in a shuffled order each
round, so drift on a noisy machine hits every endpoint alike. Medians and ratios go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable

from bench.server import REPO, free_port, wait_for
from playground.report import machine, publish
from playground.report import parser as parser_for


def serve(port: int) -> None:
    import gradio as gr
    import torch
    from PIL import Image

    from playground import settings
    from playground.pipelines.store import Store
    from playground.ui.app import build_demo
    from playground.ui.common import as_files

    torch.set_num_threads(2)
    store = Store(settings.CHECKPOINT_DIR, torch.device("cpu"))
    store.preload()
    demo = build_demo(store)
    constant = Image.new("L", (280, 280), 128)
    with demo:  # benchmark-only events, never part of the shipped app
        hidden_button, number, picture = gr.Button(visible=False), gr.Number(visible=False), gr.Image(visible=False)
        hidden_button.click(lambda: 0, None, number, api_name="noop")
        hidden_button.click(lambda: as_files(constant), None, picture, api_name="noop_image")  # as the app hands off
    demo.queue(default_concurrency_limit=4).launch(server_port=port, prevent_thread_lock=False, quiet=True)


def measure(url: str, calls: int, warmup: int) -> dict[str, dict[str, float]]:
    from gradio_client import Client

    results: dict[str, dict[str, float]] = {}
    for mode, client in (("downloads", Client(url, verbose=False)),
                         ("no downloads", Client(url, verbose=False, download_files=False))):  # fmt: skip

        def slider(i: int, c=client) -> None:  # a drag: code 1 moves a little each call
            c.predict("infogan-fashion-mnist", 42, 3, -2 + 4 * (i % 81) / 80, 0.5, api_name="/infogan_generate")

        cases: dict[str, Callable[[int], object]] = {
            "/noop": lambda i, c=client: c.predict(api_name="/noop"),
            "/noop_image": lambda i, c=client: c.predict(api_name="/noop_image"),
            "/infogan_generate": slider,
            "/cgan_generate": lambda i, c=client: c.predict(
                "cgan-fashion-mnist", ["Sneaker", "Bag", "Dress", "Trouser"], 8, i, api_name="/cgan_generate"
            ),
        }
        timings: dict[str, list[float]] = defaultdict(list)
        order = list(cases)
        for i in range(warmup + calls):
            random.shuffle(order)
            for name in order:
                start = time.perf_counter()
                cases[name](i)
                if i >= warmup:
                    timings[name].append((time.perf_counter() - start) * 1000)
        results[mode] = {name: statistics.median(timings[name]) for name in cases}
    return results


def markdown(results: dict[str, dict[str, float]], calls: int) -> str:

    lines = [
        "## Slider latency through gradio_client (`python -m bench.latency`)",
        "",
        f"Median of {calls} calls per endpoint, interleaved in shuffled rounds on loopback; {machine()}. "
        "`/noop` is an event that returns a number (the framework's floor); `/noop_image` returns a fixed "
        '280×280 image, so it pays the same file hand-off as a generated picture. "downloads" is gradio_client\'s '
        'default (it fetches each output file over a fresh HTTP connection); "no downloads" is '
        "`download_files=False`, the server round trip a browser pays before fetching the image on its open "
        "connection.",
        "",
        "| client mode | endpoint | median ms | × `/noop` | × `/noop_image` |",
        "|---|---|---|---|---|",
    ]
    for mode, medians in results.items():
        for name, ms in medians.items():
            lines.append(
                f"| {mode} | `{name}` | {ms:.1f} | {ms / medians['/noop']:.2f} | {ms / medians['/noop_image']:.2f} |"
            )
    return "\n".join(lines)


def main() -> int:
    parser = parser_for(__doc__)
    parser.add_argument("--calls", type=int, default=150, help="measured calls per endpoint and client mode")
    parser.add_argument("--warmup", type=int, default=15)
    parser.add_argument("--serve", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve is not None:
        serve(args.serve)
        return 0
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "bench.latency", "--serve", str(port)], cwd=REPO)
    try:
        url = wait_for(f"http://127.0.0.1:{port}/", server, timeout=120)
        results = measure(url, args.calls, args.warmup)
    finally:
        server.terminate()
        server.wait(timeout=30)
    text = markdown(results, args.calls)

    publish("latency", text, write=not args.no_write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
