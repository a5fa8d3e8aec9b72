"""Style transfer speed: our Gatys engine against a straightforward reference, and the fast engine.

    python -m bench.style [--iterations 10]

The reference is the algorithm as tutorials write it: the full VGG19 feature stack, nothing frozen, and the
style image pushed through the network again at every step to recompute its Grams. Ours keeps only the
layers it reads (up to conv5_1), freezes them, and computes the style Grams once. Both run L-BFGS at equal
settings (same layers, weights, sizes) on randomly initialised VGG19 weights — speed does not depend on
their values. Rounds alternate between the two so that a noisy machine hits both alike.
"""

from __future__ import annotations

import statistics
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from playground.pipelines import style
from playground.report import machine, publish, section
from playground.report import parser as parser_for


def reference_seconds_per_step(
    features: torch.nn.Module, content: torch.Tensor, painting: torch.Tensor, steps: int
) -> float:
    """Gatys as a straightforward implementation writes it."""
    vgg = features  # all 37 layers, parameters still requiring gradients
    mean = torch.tensor(style.IMAGENET_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(style.IMAGENET_STD).view(1, 3, 1, 1)
    taps = {style.VGG19_LAYERS[name]: name for name in (*style.STYLE_LAYERS, *style.CONTENT_LAYERS)}

    def activations(x: torch.Tensor) -> dict[str, torch.Tensor]:
        out, x = {}, (x - mean) / std
        for i, layer in enumerate(vgg):
            x = layer(x)
            if i in taps:
                out[taps[i]] = x
        return out

    image = content.clone().requires_grad_(True)
    optimizer = torch.optim.LBFGS([image], lr=1.0, max_iter=1, history_size=50)

    def closure() -> torch.Tensor:
        optimizer.zero_grad()
        mine, target_c, target_s = activations(image), activations(content), activations(painting)  # every step
        loss = sum(F.mse_loss(mine[k], target_c[k].detach()) for k in style.CONTENT_LAYERS)
        loss = loss + 1e6 * sum(
            F.mse_loss(style.gram(mine[k]), style.gram(target_s[k]).detach()) for k in style.STYLE_LAYERS
        ) / len(style.STYLE_LAYERS)
        loss.backward()
        return loss

    optimizer.step(closure)  # warm-up
    start = time.perf_counter()
    for _ in range(steps):
        optimizer.step(closure)
    return (time.perf_counter() - start) / steps


def ours_seconds_per_step(
    engine: style.Gatys, content: Image.Image, painting: Image.Image, size: int, steps: int
) -> float:
    settings = style.GatysSettings(steps=steps + 1, size=size, tv_weight=0.0)
    updates = list(engine.stylized(content, styles=[(painting, 1.0)], settings=settings, every=1))
    # from the end of the first step (which includes the one-off work: style Grams, content targets) to the last
    return (updates[-1].seconds - updates[0].seconds) / steps


def fast_engine_latency(side: int, repeats: int = 5) -> float:
    from playground.pipelines.fast_style import FastStyle

    engine = FastStyle(torch.device("cpu"))
    rng = np.random.default_rng(0)
    content = Image.fromarray(rng.integers(0, 255, (side, side, 3), dtype=np.uint8))
    painting = Image.fromarray(rng.integers(0, 255, (256, 256, 3), dtype=np.uint8))
    engine.stylized(content, style=painting)  # warm-up: sessions load
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        engine.stylized(content, style=painting)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = parser_for(__doc__)
    parser.add_argument("--iterations", type=int, default=10, help="L-BFGS steps timed per run")
    parser.add_argument("--rounds", type=int, default=3, help="alternating runs of each implementation")
    args = parser.parse_args()

    torch.manual_seed(0)
    features = style.vgg19_features().eval()
    engine = style.Gatys(style.vgg19_features().eval(), torch.device("cpu"))
    engine.features.load_state_dict(features.state_dict())
    rng = np.random.default_rng(0)
    rows = []
    for size in (256, 512):
        content = Image.fromarray(rng.integers(0, 255, (size, size, 3), dtype=np.uint8))
        painting = Image.fromarray(rng.integers(0, 255, (size, size, 3), dtype=np.uint8))
        ref_times, our_times = [], []
        for _ in range(args.rounds):
            ref_times.append(reference_seconds_per_step(
                features, style.to_tensor(content), style.to_tensor(painting), args.iterations))  # fmt: skip
            our_times.append(ours_seconds_per_step(engine, content, painting, size, args.iterations))
        ref, ours = statistics.median(ref_times), statistics.median(our_times)
        rows.append(f"| Gatys, {size}×{size} | {ref:.3f} s/step | {ours:.3f} s/step | {ref / ours:.2f}× |")
    fast = [f"| fast engine, {side}×{side} | – | {fast_engine_latency(side):.3f} s | – |" for side in (512, 1024)]
    title = "Style transfer (`python -m bench.style`)"
    intro = (
        f"CPU, {machine()}. Median of {args.rounds} alternating runs of {args.iterations} L-BFGS steps each; "
        "the reference keeps all of VGG19, freezes nothing and recomputes the style Grams at every step (the way "
        "tutorials write it); ours truncates after conv5_1, freezes VGG19 and computes the Grams once. Same layers, "
        "weights and image sizes. The fast engine's figure is one 512 or 1024 px stylisation with an uploaded "
        "style picture (median of 5)."
    )
    text = section(title, intro, ["case", "reference", "ours", "speed-up"], [*rows, *fast])
    publish("style", text, write=not args.no_write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
