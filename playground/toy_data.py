"""2-D point distributions for the Lab's live GAN, and user points from CSV text or a drawing."""

from __future__ import annotations

import csv
import io
import math

import numpy as np
import torch

from .errors import UserError

DISTRIBUTIONS = ("gaussian", "ring", "moons", "spiral", "custom")
MAX_POINTS = 50_000


def shifted_gaussian(n: int, rng: torch.Generator) -> torch.Tensor:
    """Dive into Deep Learning's "fit a Gaussian" example: N(0, I) @ A + b."""
    a = torch.tensor([[1.0, 2.0], [-0.1, 0.5]])
    b = torch.tensor([1.0, 2.0])
    return torch.randn(n, 2, generator=rng) @ a + b


def ring(n: int, rng: torch.Generator, modes: int = 8, radius: float = 2.0, std: float = 0.08) -> torch.Tensor:
    angles = torch.randint(modes, (n,), generator=rng).float() * (2 * math.pi / modes)
    centres = torch.stack([angles.cos(), angles.sin()], 1) * radius
    return centres + std * torch.randn(n, 2, generator=rng)


def moons(n: int, rng: torch.Generator, noise: float = 0.06) -> torch.Tensor:
    t = torch.rand(n, generator=rng) * math.pi
    upper = torch.rand(n, generator=rng) < 0.5
    x = torch.where(upper, t.cos(), 1 - t.cos())
    y = torch.where(upper, t.sin(), 0.5 - t.sin())
    return torch.stack([x - 0.5, y - 0.25], 1) * 1.5 + noise * torch.randn(n, 2, generator=rng)


def spiral(n: int, rng: torch.Generator, turns: float = 1.75, noise: float = 0.05) -> torch.Tensor:
    t = torch.rand(n, generator=rng).sqrt() * turns * 2 * math.pi
    r = t / (turns * 2 * math.pi) * 2.2
    return torch.stack([r * t.cos(), r * t.sin()], 1) + noise * torch.randn(n, 2, generator=rng)


class PointSet:
    """Sample with replacement from user points, with a little jitter so they form a density."""

    def __init__(self, points: np.ndarray) -> None:
        if len(points) < 2:
            raise UserError("Give at least 2 points.")
        self.points = torch.as_tensor(points, dtype=torch.float32)
        span = (self.points.max(0).values - self.points.min(0).values).max().clamp_min(1e-3)
        self.jitter = 0.01 * float(span)

    def __call__(self, n: int, rng: torch.Generator) -> torch.Tensor:
        picks = torch.randint(len(self.points), (n,), generator=rng)
        return self.points[picks] + self.jitter * torch.randn(n, 2, generator=rng)


BUILTIN = {"gaussian": shifted_gaussian, "ring": ring, "moons": moons, "spiral": spiral}


def points_from_csv(text: str) -> np.ndarray:
    """Two numeric columns (x, y), comma/semicolon/tab separated, an optional header row."""
    try:
        dialect = csv.Sniffer().sniff(text[:2048], delimiters=",;\t ")
    except csv.Error:
        dialect = csv.excel
    rows = []
    for i, row in enumerate(csv.reader(io.StringIO(text), dialect)):
        cells = [c.strip() for c in row if c.strip()]
        if not cells:
            continue
        try:
            x, y = float(cells[0]), float(cells[1])
        except (ValueError, IndexError):
            if i == 0:
                continue  # a header
            raise UserError(f"Row {i + 1} of the CSV is not two numbers: {','.join(cells)[:40]!r}.") from None
        if not (math.isfinite(x) and math.isfinite(y)):
            raise UserError(f"Row {i + 1} of the CSV has a value that is not finite.")
        rows.append((x, y))
        if len(rows) > MAX_POINTS:
            raise UserError(f"The CSV has more than {MAX_POINTS:,} points.")
    if len(rows) < 2:
        raise UserError("The CSV needs at least 2 rows of x,y numbers.")
    return np.asarray(rows, dtype=np.float32)


def points_from_drawing(image: np.ndarray, max_points: int = 5000) -> np.ndarray:
    """Ink of a sketch (H, W[, C]) → points in [-2, 2]², y up. Ink = opaque and darker than the page."""
    array = np.asarray(image)
    if array.ndim == 3 and array.shape[2] == 4:
        ink = (array[..., 3] > 0) & (array[..., :3].mean(2) < 200)
    elif array.ndim == 3:
        ink = array[..., :3].mean(2) < 128
    else:
        ink = array < 128
    ys, xs = np.nonzero(ink)
    if len(xs) < 2:
        raise UserError("Draw some points (or strokes) first.")
    h, w = ink.shape
    points = np.stack([xs / max(w - 1, 1) * 4 - 2, (1 - ys / max(h - 1, 1)) * 4 - 2], 1).astype(np.float32)
    if len(points) > max_points:
        points = points[np.random.default_rng(0).choice(len(points), max_points, replace=False)]
    return points


def energy_distance(x: torch.Tensor, y: torch.Tensor) -> float:
    """2 E|X−Y| − E|X−X'| − E|Y−Y'|: zero exactly when the two distributions agree."""
    return float(2 * torch.cdist(x, y).mean() - torch.cdist(x, x).mean() - torch.cdist(y, y).mean())
