"""Conditional: CGAN samples of the classes a person picks, with the judge's opinion of each row."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from PIL import Image

from .. import controls
from ..errors import UserError
from ..imaging import enlarge, labelled_grid, to_item, to_pil
from . import inversion
from .base import GeneratorPipeline
from .latent import check_latent

MAX_PER_CLASS = 16  # n: grid columns


@dataclass
class ConditionalSettings:
    model: str
    seed: int
    labels: list[str]  # class names, one grid row each
    n: int  # samples per class (grid columns)
    latent: list[float] | None = None  # one noise (an inverted picture's) for the single column, instead of seeds


@dataclass
class ClassSwap:
    """A picture found in one class's noise and drawn as every class: the grid, the reconstruction, what the
    judge makes of each row, and the settings that redraw it."""

    grid: Image.Image
    target: torch.Tensor  # (1, 1, 28, 28) the picture as the generator sees it
    reconstruction: torch.Tensor  # (1, 1, 28, 28)
    label: str  # the class it was found in
    agreement: dict[str, float]  # per class: the judge's probability that the render is that class
    step: inversion.InversionStep
    settings: ConditionalSettings

    def pictures(self, scale: int = 10) -> tuple[Image.Image, Image.Image]:
        """(the picture as the generator sees it, the reconstruction), enlarged."""
        return enlarge(to_pil(self.target[0]), scale), enlarge(to_pil(self.reconstruction[0]), scale)


class ConditionalPipeline(GeneratorPipeline):
    scale = 4  # 28 px → 112 px cells

    def __init__(self, stem: Path, device: torch.device) -> None:
        super().__init__(stem, device)
        self.judge = self.shipped_judge()

    @torch.inference_mode()
    def grid(
        self, seed: Any, *, labels: Any, n: Any = 8, latent: Any = None
    ) -> tuple[Image.Image, str, ConditionalSettings]:
        """One row per class in `labels`, `n` samples each; column j uses the noise of seed + j in every row,
        so rows differ only by class (with a `latent`, one column of that noise). Returns the grid, the judge's
        verdict per row and the settings."""
        names = self.class_names
        picked = controls.choices(labels, "class", names)
        columns = controls.whole(n, "Samples per class", 1, MAX_PER_CLASS)
        s = controls.seed(seed)
        latent = check_latent(latent, self.config.latent_dim)
        columns = 1 if latent is not None else columns
        controls.budget(len(picked) * columns, "pictures")
        seeds = [min(s + j, controls.MAX_SEED) for j in range(columns)]
        label_ids = torch.tensor([names.index(c) for c in picked], device=self.device).repeat_interleave(columns)
        one = torch.tensor([latent], device=self.device) if latent is not None else None
        noise = (one if one is not None else self.noise(seeds, self.config.latent_dim)).repeat(len(picked), 1)
        batch = self.generate(noise, label_ids)  # (len(picked) * columns, C, H, W)
        images = self.pictures(batch, self.scale)
        cells = [images[r * columns : (r + 1) * columns] for r in range(len(picked))]
        heads = ["your picture"] if latent is not None else [f"seed {x}" for x in seeds]
        grid = labelled_grid(cells, row_labels=picked, column_labels=heads)
        used = ConditionalSettings(self.name, s, picked, columns, latent)
        return grid, self.explain(batch, label_ids, picked, columns), used

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

    # -- your own picture --------------------------------------------------------------------------------------
    def _render_latent(self, latent: inversion.Latent) -> torch.Tensor:
        return self.generator(latent["noise"], latent["label"])  # (B, 1, 28, 28)

    def inversion(
        self, image: Image.Image, *, label: Any = None, seed: Any = 0, steps: Any = inversion.DEFAULT_STEPS,
        every: int = 10,
    ) -> Iterator[ClassSwap]:  # fmt: skip
        """Find a picture in the noise of its class (`label`, or the judge's guess when None): the best of a
        pool drawn from `seed`, then `steps` Adam steps on the noise. Every `every` steps and at the last, the
        best so far drawn as every class, with the judge's agreement per class."""
        names = self.class_names
        target = to_item(image).to(self.device)  # (1, 1, 28, 28)
        features = self.judge.features if self.judge is not None else None
        if label is None or label == "":
            if self.judge is None:
                raise UserError("Pick the picture's class: no judge classifier is shipped to guess it.")
            with torch.no_grad():
                label = names[int(self.judge(target).argmax(1))]
        label = controls.choice(label, "class", names)
        rng = torch.Generator().manual_seed(controls.seed(seed))
        pool = {
            "noise": torch.randn(inversion.POOL, self.config.latent_dim, generator=rng).to(self.device),
            "label": torch.full((inversion.POOL,), names.index(label), device=self.device),
        }
        objective = inversion.Objective(target, features)
        start = inversion.best_of(pool, self._render_latent, objective)
        for step in inversion.optimise(
            start, self._render_latent, objective, steps=steps, trainable=("noise",), every=every
        ):
            noise = [round(v, 4) for v in step.latent["noise"][0].tolist()]
            grid, _, used = self.grid(seed, labels=names, n=1, latent=noise)
            yield ClassSwap(grid, target, step.picture, label, self.agreement(noise), step, used)

    @torch.inference_mode()
    def agreement(self, noise: list[float]) -> dict[str, float]:
        """The judge's probability, per class, that this noise drawn as that class is that class."""
        if self.judge is None:
            return {}
        batch = self.generator(torch.tensor([noise] * len(self.class_names), device=self.device),
                               torch.arange(len(self.class_names), device=self.device))  # fmt: skip
        probs = self.judge(batch).softmax(1).diagonal()
        return {name: round(float(p), 4) for name, p in zip(self.class_names, probs, strict=True)}
