"""Generator throughput: images per second for every shipped generator, batch 1 and batch 64.

python -m bench.throughput [--seconds 3]
"""

from __future__ import annotations

import json
import sys
import time

import torch

from playground import checkpoints, settings
from playground.evaluate import GENERATOR_FAMILIES, generate
from playground.report import machine, publish, section
from playground.report import parser as parser_for


def images_per_second(card: dict, generator: torch.nn.Module, batch: int, seconds: float, device) -> float:
    generate(card, generator, batch, 0, device, batch=batch)  # warm-up
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        generate(card, generator, batch, done, device, batch=batch)
        done += batch
    if device.type == "cuda":
        torch.cuda.synchronize()
    return done / (time.perf_counter() - start)


def main() -> int:
    parser = parser_for(__doc__)
    parser.add_argument("--seconds", type=float, default=3.0, help="timing window per model and batch size")
    args = parser.parse_args()

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    rows = []
    for path in sorted(settings.CHECKPOINT_DIR.glob("*.json")):
        card = json.loads(path.read_text())
        if card.get("family") not in GENERATOR_FAMILIES:
            continue
        generator, card = checkpoints.load_model(path.with_suffix(""), "generator", device)
        with torch.inference_mode():
            one = images_per_second(card, generator, 1, args.seconds, device)
            many = images_per_second(card, generator, 64, args.seconds, device)
        rows.append(f"| {path.stem} | {one:,.0f} | {many:,.0f} |")
    title = "Generator throughput (`python -m bench.throughput`)"
    intro = f"Images per second (latent sampling + generator, no PNG encoding), device `{device.type}`, {machine()}."
    text = section(title, intro, ["generator", "batch 1", "batch 64"], rows)
    publish("throughput", text, write=not args.no_write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
