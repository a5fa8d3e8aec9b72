"""`python -m bench`: regenerate docs/benchmarks.md — the evaluation (quality), then every benchmark.

Each part rewrites only its own section of the page, so parts can also be run alone
(`python -m bench.latency`, `python -m playground.evaluate`, ...). Pass --data-dir for the evaluation's
test splits, and --skip to leave parts out.
"""

from __future__ import annotations

import argparse
import subprocess
import sys

HEAVY_SLIDER = [sys.executable, "-m", "bench.load", "--scenario", "heavy-slider"]
PARTS = {
    "evaluate": [sys.executable, "-m", "playground.evaluate"],
    "latency": [sys.executable, "-m", "bench.latency"],
    "startup": [sys.executable, "-m", "bench.startup"],
    "throughput": [sys.executable, "-m", "bench.throughput"],
    "translate": [sys.executable, "-m", "bench.translate"],
    "style": [sys.executable, "-m", "bench.style"],
    "lab": [sys.executable, "-m", "bench.lab"],
    "load": [sys.executable, "-m", "bench.load"],
    "load_heavy_slider": [*HEAVY_SLIDER, "--calls", "200"],
    "load_sliders": [sys.executable, "-m", "bench.load", "--scenario", "sliders"],
    "load_heavy_slider_page": [*HEAVY_SLIDER, "--calls", "1000", "--client", "page"],  # 200 calls: 5 s, one heavy job
    "load_sliders_page": [sys.executable, "-m", "bench.load", "--scenario", "sliders", "--client", "page"],
    "gradio_analytics": [sys.executable, "-m", "bench.analytics"],
    "public_link": [sys.executable, "-m", "bench.public_link"],
    "studio": [sys.executable, "-m", "bench.studio"],
}


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--data-dir", default=None, help="IDX folder for the evaluation (as for training)")
    parser.add_argument("--skip", nargs="*", default=[], choices=sorted(PARTS), help="parts to leave out")
    args = parser.parse_args()
    failed = []
    for name, command in PARTS.items():
        if name in args.skip:
            continue
        if name in ("evaluate", "studio") and args.data_dir:
            command = [*command, "--data-dir", args.data_dir]
        print(f"== {name}: {' '.join(command[1:])}", flush=True)
        if subprocess.run(command).returncode not in (0, 2):  # evaluate exits 2 when a bar fails: still reported
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
