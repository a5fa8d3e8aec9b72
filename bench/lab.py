"""The Lab's live 2-D GAN: pictures per second streamed to a gradio_client, default settings.

python -m bench.lab [--seconds 10]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from bench.server import REPO, running_app
from playground.report import machine, publish, section
from playground.report import parser as parser_for

DEFAULTS = ("gaussian", 64, 2, 1e-3, 1e-3, 1, "non-saturating", 0, None, None, 10)  # the tab's defaults


def main() -> int:
    parser = parser_for(__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    from gradio_client import Client

    with tempfile.TemporaryDirectory() as cache, running_app(REPO / "checkpoints", Path(cache)) as (url, _, _):
        # download_files=False: count pictures as the server streams them; a browser fetches each one on its
        # open connection, while gradio_client would open a fresh one per picture and time that instead.
        client = Client(url, verbose=False, download_files=False)
        client.predict(*DEFAULTS, api_name="/lab_step_2d")  # warm-up
        job = client.submit(*DEFAULTS, api_name="/lab_train_2d")
        while not job.outputs():
            time.sleep(0.05)
        first = len(job.outputs())
        time.sleep(args.seconds)
        frames = len(job.outputs()) - first
        job.cancel()
    rate = frames / args.seconds
    intro = (
        f"Pictures streamed per second (gradio_client, `download_files=False`) with the tab's defaults (64 hidden "
        f"units, 2 layers, 10 generator steps per picture): **{rate:.1f} per second** over {args.seconds:.0f} s "
        f"({rate * 10:.0f} training steps/s); {machine()}."
    )
    text = section("Lab: live 2-D GAN (`python -m bench.lab`)", intro)
    publish("lab", text, write=not args.no_write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
