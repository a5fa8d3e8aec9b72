"""`python -m playground.evaluate`: the command line (its help is the package's docstring)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .. import checkpoints, data, evaluate, settings
from ..device import pick_device
from ..report import update_section
from .cards import evaluations_on_file, update_card
from .judging import evaluate_all
from .report import report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m playground.evaluate", description=evaluate.__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--samples", type=int, default=10_000, help="generated samples per model")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--checkpoints", type=Path, default=settings.CHECKPOINT_DIR)
    parser.add_argument("--data-dir", type=Path, default=None, help="IDX folder (as for training)")
    parser.add_argument("--only", nargs="*", default=None, metavar="NAME", help="evaluate just these generators")
    parser.add_argument("--device", default="auto", choices=settings.DEVICE_CHOICES)
    parser.add_argument("--no-write", action="store_true", help="do not touch the model cards or docs/benchmarks.md")
    parser.add_argument("--benchmarks", type=Path, default=settings.REPO_ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args(argv)
    device = pick_device(args.device)
    try:
        results = evaluate_all(args.checkpoints, args.data_dir, args.samples, args.seed, device, args.only)
    except (checkpoints.CheckpointError, data.DataUnavailable) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if not args.no_write:
        for name, r in results.items():
            update_card(args.checkpoints / name, {k: v for k, v in r.items() if k != "dataset"})
        update_section(
            "evaluation", report(evaluations_on_file(args.checkpoints), args.samples, device), args.benchmarks
        )
    print(json.dumps(results, indent=2) if args.json else report(results, args.samples, device))
    return 0 if all(all(r["bars"].values()) for r in results.values()) else 2


if __name__ == "__main__":
    sys.exit(main())
