"""`python -m playground.fetch WHAT NAME`: download third-party weights once, so the app can run offline.

python -m playground.fetch caption vit-gpt2     # or blip, swin-gpt2, or any Hub id
python -m playground.fetch list
"""

from __future__ import annotations

import argparse
import sys


def fetch_caption(name: str) -> str:
    from .pipelines.caption import load_components, resolve

    spec = resolve(name)
    load_components(spec, local_only=False)  # fills the Hugging Face cache (~/.cache/huggingface)
    return f"{spec.label}: ready in the Hugging Face cache"


def list_available() -> str:
    from .pipelines.caption import REGISTRY

    lines = ["caption models:"] + [f"  {key:10s} {spec.label}" for key, spec in REGISTRY.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m playground.fetch", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    what = parser.add_subparsers(dest="what", required=True, metavar="WHAT")
    cap = what.add_parser("caption", help="a captioning model (transformers), by registry name or Hub id")
    cap.add_argument("name", help="vit-gpt2, blip, swin-gpt2 or a Hub id such as nlpconnect/vit-gpt2-image-captioning")
    what.add_parser("list", help="what can be fetched")
    args = parser.parse_args(argv)
    try:
        message = fetch_caption(args.name) if args.what == "caption" else list_available()
    except (OSError, ValueError) as exc:
        print(f"error: could not fetch {getattr(args, 'name', '')}: {exc}", file=sys.stderr)
        return 1
    print(message)
    return 0


if __name__ == "__main__":
    sys.exit(main())
