"""Start-up time: from `python app.py` to the first served page, median of several cold starts.

python -m bench.startup [--runs 5] [--preload]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time

from bench.server import REPO, free_port, wait_for
from playground.report import machine, publish, section
from playground.report import parser as parser_for


def one_start(preload: bool) -> float:
    port = free_port()
    command = [sys.executable, "app.py", "--port", str(port), "--device", "cpu"] + (["--preload"] if preload else [])
    with tempfile.TemporaryDirectory() as cache:
        started = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env={**os.environ, "PLAYGROUND_CACHE": cache},
        )  # fmt: skip
        try:
            wait_for(f"http://127.0.0.1:{port}/", process, timeout=120)
            return time.perf_counter() - started
        finally:
            process.terminate()
            process.wait(timeout=30)


def main() -> int:
    parser = parser_for(__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    rows = []
    for preload in (False, True):
        times = [one_start(preload) for _ in range(args.runs)]
        rows.append(f"| `python app.py{' --preload' if preload else ''}` | {statistics.median(times):.1f} | "
                    f"{min(times):.1f} | {max(times):.1f} |")  # fmt: skip
    title = "Start-up (`python -m bench.startup`)"
    intro = f"Seconds from launching the process to the first served page, {args.runs} cold starts each; {machine()}."
    text = section(title, intro, ["command", "median s", "min s", "max s"], rows)
    publish("startup", text, write=not args.no_write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
