"""Downloads from the page: what our download path costs on top of the network, measured on loopback against
the local stand-in for the Hub (bench/hub_standin.py) — the Hub client's path (captioners, VGG19), the URL
path (published CycleGANs, VGG19's fallback), how fast a failure becomes a sentence, and two callers at once.

python -m bench.downloads [--mb 200] [--no-write]
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from bench.hub_standin import StandIn
from playground.report import machine, publish, section
from playground.report import parser as parser_for


def timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    try:
        result = fn()
    except Exception as exc:  # a failure is a result here: its time and its sentence
        result = exc
    return time.perf_counter() - start, result


def main() -> int:
    parser = parser_for(__doc__)
    parser.add_argument("--mb", type=int, default=200, help="size of the file downloaded (default 200 MB)")
    args = parser.parse_args()

    from playground import weights
    from playground.downloads import sha256_of
    from playground.pipelines import style, translate

    body = os.urandom(args.mb * 1_000_000)
    server = StandIn(
        {style.VGG19_HUB_REPO: {"config.json": b"{}", style.VGG19_HUB_FILE: body}},
        files={"/style_vangogh.pth": body},
    )  # fmt: skip
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.update({"HF_ENDPOINT": server.url, "HF_HOME": f"{tmp}/hf", "TORCH_HOME": f"{tmp}/torch"})
        for name in ("HF_HUB_CACHE", "HF_HUB_OFFLINE", "PLAYGROUND_OFFLINE"):
            os.environ.pop(name, None)
        translate.OFFICIAL_DIR = Path(tmp) / "cyclegan"

        translate.OFFICIAL_URL = server.url + "/{name}.pth"

        def fetched(key: str) -> float:
            seconds, result = timed(lambda: weights.fetch(key))
            if isinstance(result, Exception):
                raise SystemExit(f"{key} failed: {result}")
            return seconds

        seconds, _ = timed(lambda: urllib.request.urlopen(f"{server.url}/style_vangogh.pth").read())
        rows.append(f"| baseline: the same file by a plain GET (urllib), nothing written | {seconds:.2f} s "
                    f"| {args.mb / seconds:,.0f} MB/s (the stand-in's own speed) |")  # fmt: skip
        seconds = fetched("vgg19")
        hashing, _ = timed(lambda: sha256_of(style.vgg19_hub_path()))
        rows.append(f"| Hub client (`timm/vgg19.tv_in1k`'s path), fetched, verified, in the HF cache | {seconds:.2f} s "
                    f"| {args.mb / seconds:,.0f} MB/s (of which the sha256 check: {hashing:.2f} s) |")  # fmt: skip
        seconds = fetched("cyclegan:style_vangogh")
        rows.append(f"| URL download (published CycleGAN path), fetched and hashed | {seconds:.2f} s "
                    f"| {args.mb / seconds:,.0f} MB/s |")  # fmt: skip

        os.environ["HF_HOME"] = f"{tmp}/hf2"
        server.cut.add(style.VGG19_HUB_FILE)
        server.die_on_cut = True
        style.VGG19_WEIGHTS_URL = "http://127.0.0.1:9/vgg19.pth"  # the fallback refused too
        seconds, error = timed(lambda: weights.fetch("vgg19"))
        rows.append(f"| server killed mid-file → the sentence | {seconds:.2f} s | {str(error)[:90]}… |")
        server.restart()

        os.environ["HF_ENDPOINT"] = "http://127.0.0.1:9"  # connection refused: no network
        seconds, error = timed(lambda: weights.fetch("vgg19"))
        rows.append(f"| no network → the sentence | {seconds:.2f} s | {str(error)[:90]}… |")

        os.environ.update({"HF_ENDPOINT": server.url, "HF_HOME": f"{tmp}/hf3"})
        before = server.gets[f"{style.VGG19_HUB_REPO}/{style.VGG19_HUB_FILE}"]
        threads = [threading.Thread(target=weights.fetch, args=("vgg19",)) for _ in range(2)]
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        seconds = time.perf_counter() - start
        gets = server.gets[f"{style.VGG19_HUB_REPO}/{style.VGG19_HUB_FILE}"] - before
        rows.append(f"| two callers at once (Hub path) | {seconds:.2f} s | {gets} download of the file |")
    server.stop()
    title = "Downloads from the page (`python -m bench.downloads`)"
    intro = (
        f"A {args.mb} MB file from the local stand-in for the Hub on loopback, into an empty cache: our cost on top "
        f"of the network (hashing, writing, the client's bookkeeping), and how fast a failure turns into one "
        f"sentence; {machine()}."
    )
    publish("downloads", section(title, intro, ["case", "time", "result"], rows), write=not args.no_write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
