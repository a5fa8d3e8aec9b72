"""Batch augmentation on the device: a different random affine warp for every image."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def random_affine(
    images: torch.Tensor, rng: torch.Generator, *, degrees: float, shift: float, scale: float
) -> torch.Tensor:
    """Per-sample random rotation (±degrees), translation (±shift of the side) and zoom (1 ± scale)."""
    n = images.shape[0]

    def uniform(lo: float, hi: float) -> torch.Tensor:
        return torch.rand(n, generator=rng, device=images.device) * (hi - lo) + lo

    angle = uniform(-degrees, degrees) * math.pi / 180
    zoom = uniform(1 - scale, 1 + scale)
    cos, sin = torch.cos(angle) / zoom, torch.sin(angle) / zoom
    theta = torch.stack(
        [
            torch.stack([cos, -sin, uniform(-2 * shift, 2 * shift)], 1),
            torch.stack([sin, cos, uniform(-2 * shift, 2 * shift)], 1),
        ],
        1,
    )  # (B, 2, 3); grid coordinates span [-1, 1], so a shift of s·side is 2s
    grid = F.affine_grid(theta, list(images.shape), align_corners=False)
    # Background is -1 (black) in the tanh range: shift the zero padding accordingly.
    return F.grid_sample(images + 1, grid, align_corners=False, padding_mode="zeros") - 1
