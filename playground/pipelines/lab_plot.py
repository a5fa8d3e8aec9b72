"""Pictures of the 2-D GAN: decision surface + real/fake points, and the loss curves. Drawn with numpy and
PIL (no plotting library) so a frame costs a few milliseconds and training can stream ~10+ frames/s."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from ..imaging import font
from .lab import Snapshot, Toy2DTrainer

SIDE = 360
FAKE_COLOUR, REAL_COLOUR = (150, 40, 190), (20, 110, 60)
# Surface colours: 0 = "looks fake" (lavender), 0.5 = undecided (white), 1 = "looks real" (mint).
LOW, MID, HIGH = np.array([205, 180, 235]), np.array([250, 250, 250]), np.array([170, 225, 190])
CURVES = {
    "loss_d": ((40, 90, 200), "D loss"),
    "loss_g": ((230, 120, 20), "G loss"),
    "energy": ((0, 0, 0), "energy distance"),
}


def surface_image(surface: np.ndarray) -> Image.Image:
    v = surface[::-1, :, None]  # row 0 of the picture is the top (largest y)
    rgb = np.where(v < 0.5, LOW + (MID - LOW) * (v / 0.5), MID + (HIGH - MID) * ((v - 0.5) / 0.5))
    return Image.fromarray(rgb.astype(np.uint8), "RGB").resize((SIDE, SIDE), Image.Resampling.BILINEAR)


def to_pixels(points: np.ndarray, window: tuple) -> np.ndarray:
    lo, hi = (np.asarray(w, dtype=np.float32) for w in window)
    unit = (points - lo) / (hi - lo)
    return np.stack([unit[:, 0] * SIDE, (1 - unit[:, 1]) * SIDE], 1)


def scatter_panel(trainer: Toy2DTrainer, snap: Snapshot) -> Image.Image:
    panel = surface_image(snap.surface)
    draw = ImageDraw.Draw(panel)
    window = tuple(w.numpy() for w in trainer.window)
    for points, colour in ((trainer.real_preview.numpy(), REAL_COLOUR), (snap.fake, FAKE_COLOUR)):
        for x, y in to_pixels(points, window):
            if 0 <= x < SIDE and 0 <= y < SIDE:
                draw.ellipse((x - 2, y - 2, x + 2, y + 2), fill=colour)
    draw.text((6, 4), f"step {snap.step}", fill=(0, 0, 0), font=font(14))
    for i, (label, colour) in enumerate((("real", REAL_COLOUR), ("fake", FAKE_COLOUR))):
        x = 8 + 64 * i
        draw.ellipse((x, SIDE - 15, x + 8, SIDE - 7), fill=colour)
        draw.text((x + 12, SIDE - 20), label, fill=colour, font=font(13))
    return panel


def curves_panel(history: list[dict[str, float]], upto: int | None = None) -> Image.Image:
    panel = Image.new("RGB", (SIDE, SIDE), (255, 255, 255))
    draw = ImageDraw.Draw(panel)
    rows = [h for h in history if upto is None or h["step"] <= upto]
    left, top, right, bottom = 10, 30, SIDE - 10, SIDE - 30
    draw.rectangle((left, top, right, bottom), outline=(200, 200, 200))
    for i, (key, (colour, label)) in enumerate(CURVES.items()):
        draw.text((left + 4 + i * 95, 8), label, fill=colour, font=font(12))
        series = [(h["step"], h[key]) for h in rows if key in h]
        if len(series) < 2:
            continue
        steps, values = np.array(series).T
        lo, hi = float(values.min()), float(values.max())
        xs = left + (steps - steps[0]) / max(steps[-1] - steps[0], 1) * (right - left)
        ys = bottom - (values - lo) / max(hi - lo, 1e-9) * (bottom - top)  # each curve on its own scale
        draw.line(list(zip(xs.tolist(), ys.tolist(), strict=True)), fill=colour, width=2)
    if rows:
        last = rows[-1]
        text = f"step {last['step']}: D {last['loss_d']:.3f}  G {last['loss_g']:.3f}"
        if "energy" in last:
            text += f"  energy {last['energy']:.3f}"
        draw.text((left, bottom + 8), text, fill=(40, 40, 40), font=font(12))
    return panel


def frame(trainer: Toy2DTrainer, snap: Snapshot | None = None) -> Image.Image:
    """Scatter + decision surface on the left, loss curves (each on its own scale) on the right."""
    snap = snap or trainer.snapshots[-1]
    picture = Image.new("RGB", (2 * SIDE + 8, SIDE), (255, 255, 255))
    picture.paste(scatter_panel(trainer, snap), (0, 0))
    picture.paste(curves_panel(trainer.history, snap.step), (SIDE + 8, 0))
    return picture


def film(trainer: Toy2DTrainer, n: int = 60) -> list[Image.Image]:
    """Frames of the run so far for an animation: at most `n`, evenly spaced, the last one included."""
    snaps = trainer.snapshots
    n = min(n, len(snaps))
    picks = sorted({round(i * (len(snaps) - 1) / max(n - 1, 1)) for i in range(n)})
    return [frame(trainer, snaps[i]) for i in picks]
