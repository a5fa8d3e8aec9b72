"""Style transfer speed: our Gatys engine against a straightforward reference, and the fast engine.

    python -m bench.style [--part speed|scales|all] [--iterations 10] [--budget 100]

Part "speed": seconds per L-BFGS step, ours against the reference below, and the fast engine.
Part "scales": coarse-to-fine against single-scale at 512², the same total step budget: wall time and the
final style and content losses at 512².

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
from pathlib import Path

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


EXAMPLES = Path(__file__).resolve().parents[1] / "assets" / "examples"


def scales_part(budget: int, size: int = 512) -> str:
    """Single-scale and coarse-to-fine (3 scales) Gatys on a real photo and painting, the same step budget."""
    if style.vgg19_present():
        features, weights = style.load_vgg19_features(), "VGG19's ImageNet weights"
    else:  # this machine cannot download them: the losses are those of a seeded random VGG19
        torch.manual_seed(0)
        features, weights = style.vgg19_features(), "a seeded randomly initialised VGG19 (no ImageNet weights here)"
    engine = style.Gatys(features.eval(), torch.device("cpu"))
    photo = Image.open(EXAMPLES / "house.png")  # 320×240: enlarged so the full scale really is `size` wide
    content = photo.resize((size, size * photo.height // photo.width), Image.Resampling.LANCZOS)
    painting = Image.open(EXAMPLES / "swirls.png")
    runs = {}
    for scales in (1, 3):
        settings = style.GatysSettings(steps=budget, size=size, scales=scales)
        start = time.perf_counter()
        last = list(engine.stylized(content, styles=[(painting, 1.0)], settings=settings, every=budget))[-1]
        runs[scales] = (time.perf_counter() - start, last.losses, settings.checked().schedule())
    (single_s, single, _), (c2f_s, c2f, schedule) = runs[1], runs[3]
    ratios = {k: c2f[k] / single[k] for k in ("style", "content")}
    ok = c2f_s <= 0.5 * single_s and all(r <= 1.1 for r in ratios.values())
    steps = " → ".join(f"{n} steps at {side} px" for side, n in schedule)
    rows = [
        f"| single-scale | {budget} steps at {size} px | {single_s:.0f} s | {single['style']:.3g} | {single['content']:.3g} |",
        f"| coarse-to-fine | {steps} | {c2f_s:.0f} s | {c2f['style']:.3g} | {c2f['content']:.3g} |",
        f"| ratio | | {c2f_s / single_s:.2f}× (bar ≤ 0.5×) | {ratios['style']:.2f}× (bar ≤ 1.1×) | "
        f"{ratios['content']:.2f}× (bar ≤ 1.1×) |",
    ]
    intro = (
        f"CPU, {machine()}. Gatys (L-BFGS) on `assets/examples/house.png` enlarged to {content.width}×{content.height} "
        f"in the style of `swirls.png`, "
        f"a budget of {budget} steps either way, run one after the other; losses are the final ones at {size} px, "
        f"with {weights}. **{'pass' if ok else 'FAIL'}.**"
    )
    title = "Gatys coarse-to-fine (`python -m bench.style --part scales`)"
    return section(title, intro, ["schedule", "steps", "wall time", "style loss", "content loss"], rows)


def main() -> int:
    parser = parser_for(__doc__)
    parser.add_argument("--part", choices=["speed", "scales", "all"], default="all")
    parser.add_argument("--iterations", type=int, default=10, help="speed: L-BFGS steps timed per run")
    parser.add_argument("--rounds", type=int, default=3, help="speed: alternating runs of each implementation")
    parser.add_argument("--budget", type=int, default=100, help="scales: total L-BFGS steps of each schedule")
    args = parser.parse_args()
    if args.part in ("scales", "all"):
        publish("style_scales", scales_part(args.budget), write=not args.no_write)
    if args.part in ("speed", "all"):
        publish("style", speed_part(args.iterations, args.rounds), write=not args.no_write)
    return 0


def speed_part(iterations: int, rounds: int) -> str:
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
        for _ in range(rounds):
            ref_times.append(reference_seconds_per_step(
                features, style.to_tensor(content), style.to_tensor(painting), iterations))  # fmt: skip
            our_times.append(ours_seconds_per_step(engine, content, painting, size, iterations))
        ref, ours = statistics.median(ref_times), statistics.median(our_times)
        rows.append(f"| Gatys, {size}×{size} | {ref:.3f} s/step | {ours:.3f} s/step | {ref / ours:.2f}× |")
    fast = [f"| fast engine, {side}×{side} | – | {fast_engine_latency(side):.3f} s | – |" for side in (512, 1024)]
    title = "Style transfer (`python -m bench.style`)"
    intro = (
        f"CPU, {machine()}. Median of {rounds} alternating runs of {iterations} L-BFGS steps each; "
        "the reference keeps all of VGG19, freezes nothing and recomputes the style Grams at every step (the way "
        "tutorials write it); ours truncates after conv5_1, freezes VGG19 and computes the Grams once. Same layers, "
        "weights and image sizes. The fast engine's figure is one 512 or 1024 px stylisation with an uploaded "
        "style picture (median of 5)."
    )
    return section(title, intro, ["case", "reference", "ours", "speed-up"], [*rows, *fast])


if __name__ == "__main__":
    sys.exit(main())
