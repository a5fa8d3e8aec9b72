"""GAN Playground: `python app.py` serves the interface (see --help)."""

from __future__ import annotations

import argparse
import sys
from functools import partial

from playground import settings


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Serve the GAN Playground (a Gradio app).")
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (0.0.0.0 for every interface)")
    parser.add_argument("--port", type=int, default=7860, help="port to listen on (default 7860)")
    parser.add_argument("--share", action="store_true", help="also open a temporary public gradio.live link")
    parser.add_argument(
        "--device", default="auto", choices=("auto", "cpu", "cuda", "mps"),
        help="where the models live: auto picks CUDA, then Apple MPS, then the CPU",
    )  # fmt: skip
    parser.add_argument("--preload", action="store_true", help="load every model at start instead of on first use")
    parser.add_argument(
        "--caption-model", action="append", default=[], metavar="PATH_OR_ID",
        help="an extra captioner for the Captioning tab: a folder saved with save_pretrained, or a Hub id",
    )  # fmt: skip
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from playground.device import pick_device
    from playground.disk import keep_pruning
    from playground.memory import keep_trimming
    from playground.pipelines.store import Store
    from playground.ui.app import CSS, build_demo
    from playground.ui.common import kept_files

    try:
        device = pick_device(args.device)
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    store = Store(settings.CHECKPOINT_DIR, device)
    if args.preload:
        store.preload()
    demo = build_demo(store, args.caption_model)
    keep_trimming()  # resident memory stays flat under load (see playground/memory.py)
    # outputs and uploads stay under their age and size caps (see playground/disk.py)
    keep_pruning(partial(kept_files, demo))
    demo.queue(default_concurrency_limit=4).launch(
        server_name=args.host, server_port=args.port, share=args.share, css=CSS,
        allowed_paths=[str(settings.CACHE_DIR / "outputs"), str(settings.CHECKPOINT_DIR), str(settings.ASSETS_DIR)],
        max_file_size=settings.MAX_UPLOAD_BYTES, footer_links=["api", "gradio"],
    )  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
