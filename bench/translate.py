"""CycleGAN translation latency with the published generators' size (ngf 64, 9 residual blocks).

    python -m bench.translate [--repeats 7]

The weights are random (their values do not change the speed), so this runs offline. It times the whole
`Translator.translate` call — padding, the A→B pass, the cycle back, pictures out — at 256×256 and 512×512.
"""

from __future__ import annotations

import statistics
import sys
import time

import torch
from PIL import Image

from playground.models.cyclegan import CycleGANConfig, ResnetGenerator
from playground.pipelines.translate import Translator
from playground.report import machine, publish, section
from playground.report import parser as parser_for


def main() -> int:
    parser = parser_for(__doc__)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    torch.manual_seed(0)
    a_to_b, b_to_a = (ResnetGenerator(CycleGANConfig()).to(device).eval() for _ in range(2))
    translator = Translator("bench", "A", "B", a_to_b, b_to_a, device)
    rows = []
    for side in (256, 512):
        image = Image.new("RGB", (side, side), (120, 160, 90))
        for with_cycle in (False, True):
            forward_only = Translator("bench", "A", "B", a_to_b, None, device) if not with_cycle else translator
            forward_only.translation(image)  # warm-up
            times = []
            for _ in range(args.repeats):
                start = time.perf_counter()
                forward_only.translation(image)
                times.append(time.perf_counter() - start)
            what = "A→B and the cycle back" if with_cycle else "A→B only"
            rows.append(f"| {side}×{side} | {what} | {statistics.median(times):.2f} s |")
    intro = (
        f"A published-size generator (ngf 64, 9 blocks, 11.4 M parameters), random weights; median of {args.repeats}; "
        f"device `{device.type}`, {machine()}."
    )
    text = section("CycleGAN translation (`python -m bench.translate`)", intro, ["input", "passes", "median"], rows)
    publish("translate", text, write=not args.no_write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
