"""Where one slider call's server time goes: py-spy samples the threads holding Python's GIL while one
gradio_client user calls `/infogan_generate` back to back. The GIL share per call bounds what a single server
process can answer per second, however many cores it has. py-spy's samples miss part of it: on 2 cores they read
≈ 11 ms per call where the threads' CPU time says ≈ 19 ms (docs/benchmarks.md, "Many users on the sliders"), so
read the shares, and the bound printed as an upper one.

    pip install py-spy && python -m bench.gil [--seconds 22]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
from collections import Counter
from pathlib import Path

from playground import settings

from .server import loopback_client, running_app

RATE = 200  # py-spy samples per second
SHOWN = {  # frames worth naming: (label, the frame's function as py-spy prints it)
    "our model and pipeline": "LatentExplorer.generate",
    "Gradio's per-event analytics summary": "Queue.compute_analytics_summary",
    "Gradio's file caching of outputs": "async_move_files_to_cache",
    "Starlette/FastAPI request handling": "Router.__call__",
}


def gil_samples(raw: Path) -> tuple[int, Counter]:
    """Total samples, and samples per function name (inclusive) from py-spy's raw (collapsed-stack) output."""
    total, inclusive = 0, Counter()
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        total += int(count)
        for name in {frame.split(" (")[0] for frame in stack.split(";")}:
            inclusive[name] += int(count)
    return total, inclusive


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=22.0, help="how long the user keeps calling")
    args = parser.parse_args()
    if not shutil.which("py-spy"):
        print("error: this benchmark needs py-spy (pip install py-spy)")
        return 1
    with tempfile.TemporaryDirectory() as tmp, running_app(settings.CHECKPOINT_DIR, Path(tmp)) as (url, server, _):
        client = loopback_client(url)

        def call(i: int) -> None:
            client.predict("infogan-fashion-mnist", i, i % 10, -2 + (i % 9) / 2, 0.5, api_name="/infogan_generate")

        for i in range(5):  # warm-up: models loaded, first pictures written
            call(i)
        raw = Path(tmp) / "gil.txt"
        spy = subprocess.Popen(
            ["py-spy", "record", "-p", str(server.pid), "-o", str(raw), "-f", "raw", "-r", str(RATE),
             "-d", str(int(args.seconds) + 3), "--gil"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        time.sleep(1.0)  # py-spy attached
        started, calls = time.perf_counter(), 0
        while time.perf_counter() - started < args.seconds:
            call(calls)
            calls += 1
        elapsed = time.perf_counter() - started
        spy.wait()
        total, inclusive = gil_samples(raw)
    per_second = calls / elapsed
    gil_ms = 1000 * total / RATE / calls  # all GIL time recorded (background threads too), per call
    print(f"{calls} calls in {elapsed:.1f} s: {per_second:.1f} calls/s; py-spy saw the server hold the GIL "
          f"≥ {gil_ms:.0f} ms per call → at most {1000 / gil_ms:.0f} calls/s for one process "
          f"({1000 / gil_ms / per_second:.1f}× this user)")  # fmt: skip
    for label, frame in SHOWN.items():
        print(f"  {label}: {inclusive[frame] / max(total, 1):.0%} of the GIL time")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
