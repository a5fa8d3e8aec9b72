"""Conditional: CGAN samples of the classes a person picks, with the judge's opinion of each row."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from PIL import Image

from .. import controls
from ..imaging import labelled_grid
from .base import GeneratorPipeline

MAX_PER_CLASS = 16  # n: grid columns


@dataclass
class ConditionalSettings:
    model: str
    seed: int
    labels: list[str]  # class names, one grid row each
    n: int  # samples per class (grid columns)


class ConditionalPipeline(GeneratorPipeline):
    scale = 4  # 28 px → 112 px cells

    def __init__(self, stem: Path, device: torch.device) -> None:
        super().__init__(stem, device)
        self.judge = self.shipped_judge()

    @torch.inference_mode()
    def grid(self, seed: Any, *, labels: Any, n: Any = 8) -> tuple[Image.Image, str, ConditionalSettings]:
        """One row per class in `labels`, `n` samples each; column j uses the noise of seed + j in every row,
        so rows differ only by class. Returns the grid, the judge's verdict per row and the settings."""
        names = self.class_names
        picked = controls.choices(labels, "class", names)
        columns = controls.whole(n, "Samples per class", 1, MAX_PER_CLASS)
        s = controls.seed(seed)
        controls.budget(len(picked) * columns, "pictures")
        seeds = [min(s + j, controls.MAX_SEED) for j in range(columns)]
        label_ids = torch.tensor([names.index(c) for c in picked], device=self.device).repeat_interleave(columns)
        noise = self.noise(seeds, self.config.latent_dim).repeat(len(picked), 1)
        batch = self.generator(noise, label_ids)  # (len(picked) * columns, C, H, W)
        images = self.pictures(batch, self.scale)
        cells = [images[r * columns : (r + 1) * columns] for r in range(len(picked))]
        grid = labelled_grid(cells, row_labels=picked, column_labels=[f"seed {x}" for x in seeds])
        return grid, self.explain(batch, label_ids, picked, columns), ConditionalSettings(self.name, s, picked, columns)

    def explain(self, batch: torch.Tensor, label_ids: torch.Tensor, picked: list[str], n: int) -> str:
        """Per row: how often the judge classifier agrees with the requested class, and how sure it is."""
        if self.judge is None:
            return "No judge classifier is shipped for this dataset, so there is no second opinion."
        probs = self.judge(batch).softmax(1)  # (B, K)
        agree = probs.argmax(1) == label_ids
        confidence = probs.gather(1, label_ids[:, None]).squeeze(1)
        lines = []
        for r, name in enumerate(picked):
            rows = slice(r * n, (r + 1) * n)
            runner_up = self.class_names[int(probs[rows].mean(0).topk(2).indices[1])]
            lines.append(
                f"- **{name}**: the judge agrees on {int(agree[rows].sum())}/{n} "
                f"(mean confidence {confidence[rows].mean():.2f}; next guess {runner_up})"
            )
        return "\n".join(lines)
