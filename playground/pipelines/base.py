"""What every generator pipeline shares: loading from a model card, seeded noise, pictures out."""

from __future__ import annotations

from pathlib import Path

import torch
from PIL import Image

from .. import checkpoints
from ..imaging import enlarge, to_pil
from .batching import CombinedForward


def seeded_normal(seed: int, dim: int) -> torch.Tensor:
    """(dim,) standard-normal noise drawn on the CPU from `seed` alone: the same on every device and in
    every batch it joins, so a seed always names the same latent."""
    return torch.randn(dim, generator=torch.Generator().manual_seed(seed))


class GeneratorPipeline:
    """A trained generator, resident on `device`, with its model card."""

    def __init__(self, stem: Path, device: torch.device) -> None:
        self.stem, self.device = Path(stem), device
        self.generator, self.card = checkpoints.load_model(self.stem, "generator", device)
        self.generator.requires_grad_(False)  # inference only: an inversion's gradients reach its inputs alone
        self.config = self.generator.config
        # inference passes: concurrent callers (many visitors on one model) share one batch
        self.generate = CombinedForward(self.generator)

    @property
    def name(self) -> str:
        return self.stem.name

    @property
    def class_names(self) -> list[str]:
        return list(self.card.get("class_names", []))

    def shipped_judge(self) -> torch.nn.Module | None:
        """The judge classifier shipped for this model's dataset, if there is one."""
        judge_stem = self.stem.with_name(f"judge-{self.card.get('dataset')}")
        if not checkpoints.paths(judge_stem)[0].exists():
            return None
        return checkpoints.load_model(judge_stem, "classifier", self.device)[0].requires_grad_(False)

    def noise(self, seeds: list[int], dim: int) -> torch.Tensor:
        return torch.stack([seeded_normal(s, dim) for s in seeds]).to(self.device)  # (B, dim)

    @staticmethod
    def pictures(batch: torch.Tensor, scale: int) -> list[Image.Image]:
        return [enlarge(to_pil(image), scale) for image in batch]
