"""`python -m playground.fetch WHAT NAME`: download third-party weights once, so the app can run offline. The
same downloads as the app's buttons (playground/weights.py): Hugging Face's cache and client for captioners
and VGG19 (HF_HOME, HF_ENDPOINT apply), verified URL downloads for the published CycleGANs.

python -m playground.fetch caption vit-gpt2     # or blip, swin-gpt2, or any Hub id
python -m playground.fetch cyclegan horse2zebra
python -m playground.fetch vgg19
python -m playground.fetch list                 # everything, its size, and whether it is here
"""

from __future__ import annotations

import argparse
import sys

from tqdm import tqdm

from . import weights
from .downloads import DownloadError


def fetch(key: str) -> str:
    entry = weights.get(key)
    if entry.present():
        return f"{entry.label}: already here"
    bars: list[tqdm] = []  # opened by the first byte, so a refusal prints no empty bar

    def report(done: int, total: int | None) -> None:
        if not bars:
            bars.append(tqdm(unit="B", unit_scale=True, desc=entry.label, total=total))
        bars[0].total = total
        bars[0].update(done - bars[0].n)

    try:
        weights.fetch(key, report)
    finally:
        for bar in bars:
            bar.close()
    return f"{entry.label}: ready"


def list_available() -> str:
    lines = []
    for key in weights.registry_keys():
        entry = weights.get(key)
        state = "ready" if entry.present() else f"not here, {entry.size_text}"
        lines.append(f"  {entry.command.removeprefix('python -m playground.fetch '):34s} {entry.label} ({state})")
    return "\n".join(["python -m playground.fetch ...", *lines])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m playground.fetch", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    what = parser.add_subparsers(dest="what", required=True, metavar="WHAT")
    cap = what.add_parser("caption", help="a captioning model (transformers), by registry name or Hub id")
    cap.add_argument("name", help="vit-gpt2, blip, swin-gpt2 or a Hub id such as nlpconnect/vit-gpt2-image-captioning")
    cyc = what.add_parser("cyclegan", help="a published CycleGAN generator pair (reference implementation)")
    cyc.add_argument("name", help="horse2zebra, photo2monet, style_vangogh, ... (see `list`)")
    what.add_parser("vgg19", help="VGG19 ImageNet weights for Gatys style transfer (the Hub, else torchvision's URL)")
    what.add_parser("list", help="what can be fetched, how big it is, and whether it is here")
    args = parser.parse_args(argv)
    if args.what == "list":
        print(list_available())
        return 0
    key = args.what if args.what == "vgg19" else f"{args.what}:{args.name}"
    try:
        print(fetch(key))
    except (ValueError, DownloadError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
