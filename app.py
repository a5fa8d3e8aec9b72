"""GAN Playground: `python app.py` serves the interface (see --help)."""

from __future__ import annotations

import argparse
import sys
from functools import partial

from playground import serve, settings


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Serve the GAN Playground (a Gradio app).")
    parser.add_argument(
        "--host", help="interface to listen on (default: $GRADIO_SERVER_NAME, else 0.0.0.0 on a Hugging Face Space, "
        "else 127.0.0.1; 0.0.0.0 means every interface)",
    )  # fmt: skip
    parser.add_argument(
        "--port", type=int, help="port to listen on (default: $GRADIO_SERVER_PORT, else 7860)"
    )  # fmt: skip
    parser.add_argument("--share", action="store_true", help="also open a temporary public gradio.live link")
    parser.add_argument(
        "--device", default="auto", choices=settings.DEVICE_CHOICES,
        help="where the models live: auto picks CUDA, then Apple MPS, then the CPU",
    )  # fmt: skip
    parser.add_argument(
        "--preload", action="store_true",
        help="load every model at start instead of on first use (always on a ZeroGPU Space)",
    )  # fmt: skip
    parser.add_argument(
        "--caption-model", action="append", default=[], metavar="PATH_OR_ID",
        help="an extra captioner for the Captioning tab: a folder saved with save_pretrained, or a Hub id",
    )  # fmt: skip
    parser.add_argument(
        "--auth", metavar="USER:PASSWORD",
        help=f"ask for this login before anything is shown or served, API included (default: ${serve.AUTH_ENV}, "
        "e.g. a Space secret; unset means open to anyone who can reach the app)",
    )  # fmt: skip
    parser.add_argument(
        "--mcp", action="store_true", default=serve.env_flag(serve.MCP_ENV),
        help=f"also serve the main actions as MCP tools at /gradio_api/mcp/ (or set {serve.MCP_ENV}=1)",
    )  # fmt: skip
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:  # before Gradio is imported: it reads GRADIO_SERVER_PORT at import time
        host, port, auth = serve.resolve_host(args.host), serve.resolve_port(args.port), serve.resolve_auth(args.auth)
        serve.check_mcp_with_auth(args.mcp, auth)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    serve.apply_gradio_defaults()
    from playground import gpu

    zero_gpu = gpu.setup()  # before anything touches CUDA
    from playground.device import pick_device
    from playground.disk import keep_pruning
    from playground.memory import keep_trimming
    from playground.pipelines.store import Store
    from playground.ui.app import CSS, JS, build_demo
    from playground.ui.common import kept_files
    from playground.ui.lanes import pin_server

    try:
        device = pick_device(args.device)
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    store = Store(settings.CHECKPOINT_DIR, device)
    if args.preload or zero_gpu:  # ZeroGPU: models reach CUDA at start-up, never inside a GPU call
        store.preload(heavy=zero_gpu)
    demo = build_demo(store, args.caption_model)
    keep_trimming()  # resident memory stays flat under load (see playground/memory.py)
    # outputs and uploads stay under their age and size caps (see playground/disk.py)
    keep_pruning(partial(kept_files, demo))
    try:
        demo.queue(default_concurrency_limit=4, max_size=settings.QUEUE_MAX_SIZE).launch(
            server_name=host, server_port=port, share=args.share, auth=auth, mcp_server=args.mcp, css=CSS, js=JS,
            allowed_paths=[str(settings.CACHE_DIR / "outputs"), str(settings.CHECKPOINT_DIR), str(settings.ASSETS_DIR)],
            max_file_size=settings.MAX_UPLOAD_BYTES, footer_links=["api", "gradio"], quiet=True,
            prevent_thread_lock=True,
        )  # fmt: skip
    except OSError as exc:  # Gradio's advice here names its own launch() arguments, not our flags
        if "Cannot find empty port" not in str(exc):
            raise
        print(serve.port_taken_message(host, port), file=sys.stderr)
        return 2
    pin_server(demo)  # its web event loop on the core of the server's Python (see playground/ui/lanes.py)
    print(
        serve.startup_line(host, port, str(device), auth=auth is not None, mcp=demo.mcp_server, share=args.share),
        flush=True,
    )
    if demo.mcp_error:
        print(demo.mcp_error, file=sys.stderr)
    demo.block_thread()
    return 0


if __name__ == "__main__":
    sys.exit(main())
