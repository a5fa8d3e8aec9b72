"""`python -m playground.fetch WHAT NAME`: download third-party weights once, so the app can run offline.

python -m playground.fetch caption vit-gpt2     # or blip, swin-gpt2, or any Hub id
python -m playground.fetch list
"""

from __future__ import annotations

import argparse
import sys

from .downloads import DownloadError


def fetch_caption(name: str) -> str:
    from .pipelines.caption import load_components, resolve

    spec = resolve(name)
    load_components(spec, local_only=False)  # fills the Hugging Face cache (~/.cache/huggingface)
    return f"{spec.label}: ready in the Hugging Face cache"


def fetch_cyclegan(name: str) -> str:
    from .pipelines.translate import OFFICIAL, fetch_official

    pair = OFFICIAL.get(name)
    files = [f for f in (pair.a_to_b, pair.b_to_a) if f] if pair else [name]
    known = {f for p in OFFICIAL.values() for f in (p.a_to_b, p.b_to_a) if f}
    unknown = [f for f in files if f not in known]
    if unknown:
        raise ValueError(
            f"no published CycleGAN generator called {unknown[0]!r}; see `python -m playground.fetch list`"
        )
    paths = [fetch_official(f, quiet=False) for f in files]
    return "\n".join(f"{p.name}: ready in {p.parent}" for p in paths)


def fetch_vgg19(_name: str | None = None) -> str:
    from .pipelines.style import fetch_vgg19 as fetch

    return f"VGG19 ImageNet weights: ready in {fetch().parent}"


def list_available() -> str:
    from .pipelines.caption import REGISTRY
    from .pipelines.translate import OFFICIAL

    lines = ["caption models:"] + [f"  {key:22s} {spec.label}" for key, spec in REGISTRY.items()]
    lines += ["vgg19: torchvision's ImageNet VGG19, for the Gatys style transfer engine"]
    lines += ["cyclegan pairs (or a single generator file name):"]
    lines += [
        f"  {key:22s} {p.label_a} ↔ {p.label_b}" + ("" if p.b_to_a else " (one way)") for key, p in OFFICIAL.items()
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m playground.fetch", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    what = parser.add_subparsers(dest="what", required=True, metavar="WHAT")
    cap = what.add_parser("caption", help="a captioning model (transformers), by registry name or Hub id")
    cap.add_argument("name", help="vit-gpt2, blip, swin-gpt2 or a Hub id such as nlpconnect/vit-gpt2-image-captioning")
    cyc = what.add_parser("cyclegan", help="a published CycleGAN generator pair (reference implementation)")
    cyc.add_argument("name", help="horse2zebra, photo2monet, style_vangogh, ... (see `list`)")
    what.add_parser("vgg19", help="VGG19 ImageNet weights for Gatys style transfer (torchvision's download)")
    what.add_parser("list", help="what can be fetched")
    args = parser.parse_args(argv)
    fetchers = {"caption": fetch_caption, "cyclegan": fetch_cyclegan, "vgg19": fetch_vgg19}
    try:
        message = fetchers[args.what](getattr(args, "name", None)) if args.what in fetchers else list_available()
    except (OSError, ValueError, DownloadError) as exc:
        print(f"error: could not fetch {getattr(args, 'name', None) or args.what}: {exc}", file=sys.stderr)
        return 1
    print(message)
    return 0


if __name__ == "__main__":
    sys.exit(main())
