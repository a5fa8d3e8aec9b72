"""`python -m playground.train FAMILY [options]`: train a model family with the shared loop.

Examples:
  python -m playground.train dcgan --dataset fashion-mnist --data-dir ../shared/datasets --epochs 20
  python -m playground.train cgan --dataset mnist --split all --export-dir checkpoints
  python -m playground.train dcgan --dataset ~/sprites --image-size 64       # a folder of your own images
  torchrun --nproc_per_node 2 -m playground.train dcgan --dataset fashion-mnist   # data-parallel
"""

from __future__ import annotations

import argparse
import dataclasses
import shlex
import sys
import typing
from pathlib import Path

from .. import models, settings
from ..data import BUILTIN_DATASETS, SPLITS, DataUnavailable
from . import RECIPES
from .captioner import CaptionerConfig
from .loop import TrainingDiverged, train

STEERING = """Watching and steering a run (what the app's Studio tab uses; see playground/train/control.py):
  --progress-file PATH   JSON lines: start, log (losses, steps/s, ETA), sample, checkpoint, paused/resumed, end
  --sample-every N       the fixed-noise grid every N steps, as RUN_DIR/samples/latest.png
  SIGTERM or Ctrl-C      stop after the current step: save the checkpoint and the export, exit 0
                         (Ctrl-C twice aborts); `--resume` then goes on from that very step
  SIGTSTP / SIGCONT      pause after the current step / go on (paused time is not counted anywhere)
  --time-limit SECONDS   stop the same way after that much training time
"""

DESCRIPTIONS = {
    "gan": "vanilla MLP GAN (Goodfellow et al. 2014)",
    "dcgan": "DCGAN (Radford et al. 2016)",
    "cgan": "class-conditional GAN with a projection discriminator",
    "infogan": "InfoGAN: categorical + continuous latent codes (Chen et al. 2016)",
    "judge": "the CNN classifier used to evaluate generators",
    "captioner": "fine-tune an image captioner on your own image/caption pairs",
    "cyclegan": "CycleGAN between two Fashion-MNIST classes (unpaired translation)",
    "autoencoder": "stacked, convolutional or denoising autoencoder, or a VAE",
    "pix2pix": "Pix2Pix: sketch (edge map) to Fashion-MNIST item",
}


def parse_model_overrides(family: str, pairs: list[str]) -> dict[str, object]:
    """['g_width=96', ...] → {'g_width': 96}, typed by the family's Config fields."""
    config_cls = CaptionerConfig if family == "captioner" else models.FAMILIES[family].config
    fields = {f.name: f for f in dataclasses.fields(config_cls)}
    hints = typing.get_type_hints(config_cls)
    values: dict[str, object] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or key not in fields:
            raise SystemExit(f"--model expects KEY=VALUE with KEY one of {', '.join(fields)}; got {pair!r}")
        if hints[key] is bool:
            if raw.lower() not in ("true", "false", "1", "0"):
                raise SystemExit(f"--model {key} expects true or false; got {raw!r}")
            values[key] = raw.lower() in ("true", "1")
        else:
            values[key] = hints[key](raw)
    return values


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m playground.train", description=__doc__, epilog=STEERING,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    families = parser.add_subparsers(dest="family", required=True, metavar="FAMILY")
    for name, recipe in RECIPES.items():
        p = families.add_parser(
            name, help=DESCRIPTIONS[name], description=f"Train the {DESCRIPTIONS[name]}.", epilog=STEERING,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )  # fmt: skip
        add_data_arguments(p)
        add_optimiser_arguments(p, recipe.defaults)
        add_run_arguments(p)
        recipe.add_arguments(p)
    return parser


def add_data_arguments(p: argparse.ArgumentParser) -> None:
    """What to train on."""
    p.add_argument(
        "--dataset", default="fashion-mnist",
        help=f"{' or '.join(BUILTIN_DATASETS)}, or a folder of your own images (one sub-folder per class)",
    )  # fmt: skip
    p.add_argument("--split", choices=SPLITS, default="train", help="'all' trains on train + test (small datasets)")
    p.add_argument(
        "--data-dir", type=Path, default=None,
        help=f"folder with the IDX(.gz) files (else ${settings.DATA_ENV}, /usr/share/datasets, then a download)",
    )  # fmt: skip
    p.add_argument("--image-size", type=int, default=64, choices=(28, 32, 64), help="side for image-folder datasets")
    p.add_argument(
        "--channels", type=int, default=3, choices=(1, 3), help="image-folder datasets in colour (3) or grey (1)"
    )
    p.add_argument("--workers", type=int, default=0, help="data-loading worker processes")


def add_optimiser_arguments(p: argparse.ArgumentParser, defaults: dict) -> None:
    """How long and how fast to learn (the defaults are the family's)."""
    p.add_argument("--epochs", type=int, default=defaults["epochs"])
    p.add_argument("--batch-size", type=int, default=defaults["batch_size"], help="per process")
    p.add_argument("--lr", type=float, default=defaults["lr"])
    p.add_argument("--lr-g", type=float, default=None, help="generator learning rate (default --lr)")
    p.add_argument("--lr-d", type=float, default=None, help="discriminator learning rate (default --lr)")
    p.add_argument("--beta1", type=float, default=0.5, help="Adam β1 (0.5 as in DCGAN)")
    p.add_argument("--lr-decay", choices=("none", "linear", "cosine"), default=defaults["lr_decay"])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--model", action="append", default=[], metavar="KEY=VALUE", help="override a Config field")
    p.add_argument("--steps-per-epoch", type=int, default=0, help="cap steps per epoch (quick tries, tests)")


def add_run_arguments(p: argparse.ArgumentParser) -> None:
    """Where the run lives, where it runs, and how it is watched and stopped."""
    p.add_argument("--name", default=None, help="run and checkpoint name (default FAMILY-DATASET)")
    p.add_argument("--run-dir", type=Path, default=None, help=f"default {settings.RUNS_DIR.name}/NAME")
    p.add_argument(
        "--export-dir", type=Path, default=None, help="where the shipped weights + card go (default the run dir)"
    )
    p.add_argument("--resume", action="store_true", help="continue from the run dir's last checkpoint")
    p.add_argument(
        "--init-from", type=Path, default=None, metavar="STEM",
        help="start from another run's weights (e.g. runs/NAME/last) with fresh optimizers: a second stage",
    )  # fmt: skip
    p.add_argument("--device", default="auto", choices=settings.DEVICE_CHOICES)
    p.add_argument("--log-every", type=int, default=50, help="steps between logged loss averages")
    p.add_argument(
        "--progress-file",
        type=Path,
        default=None,
        metavar="PATH",
        help="append the run's progress there as JSON lines (see below)",
    )
    p.add_argument(
        "--sample-every",
        type=int,
        default=0,
        metavar="N",
        help="write the fixed-noise sample grid every N steps to RUN_DIR/samples/latest.png (0 = at checkpoints)",
    )
    p.add_argument(
        "--time-limit",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="stop after this much training time, saving (0 = no limit)",
    )
    p.add_argument(
        "--stop-with-parent",
        action="store_true",
        help="stop (saving) when the process that started this one exits (for runs started by a server)",
    )


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser().parse_args(argv)
    args.command = f"python -m playground.train {shlex.join(argv)}"  # what the card says reproduces it
    args.model = parse_model_overrides(args.family, args.model)
    if args.family == "captioner":
        dataset_tag = Path(args.images).name if args.images else "pairs"
    elif args.family == "cyclegan":
        dataset_tag = args.pair
    else:
        dataset_tag = args.dataset if args.dataset in BUILTIN_DATASETS else Path(args.dataset).name
    if args.family == "autoencoder":  # ae-stacked, ae-denoising, ae-conv, vae
        variant = "vae" if args.kind == "vae" else f"ae-{'denoising' if args.noise > 0 else args.kind}"
        args.name = args.name or f"{variant}-{dataset_tag}"
    args.name = args.name or f"{args.family}-{dataset_tag}"
    args.run_dir = args.run_dir or settings.RUNS_DIR / args.name
    try:
        train(RECIPES[args.family], args)
    except (DataUnavailable, TrainingDiverged, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
