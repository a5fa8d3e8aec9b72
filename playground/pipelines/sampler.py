"""Unconditional generators (the MLP GAN and DCGAN): a grid of samples for a seed."""

from __future__ import annotations

from typing import Any

import torch
from PIL import Image

from .. import controls
from ..imaging import labelled_grid
from .base import GeneratorPipeline

MAX_SAMPLES = 64


class SamplerPipeline(GeneratorPipeline):
    scale = 3  # 28 px → 84 px cells

    @torch.inference_mode()
    def grid(self, seed: Any, *, n: Any = 36, columns: int = 6) -> Image.Image:
        """n samples; sample i uses the noise of seed + i, so two models given one seed see the same noises."""
        s = controls.seed(seed)
        n = controls.whole(n, "The number of samples", 1, MAX_SAMPLES)
        seeds = [min(s + i, controls.MAX_SEED) for i in range(n)]
        images = self.pictures(self.generator(self.noise(seeds, self.config.latent_dim)), self.scale)
        rows = [images[i : i + columns] for i in range(0, n, columns)]
        return labelled_grid(rows, gap=2)
