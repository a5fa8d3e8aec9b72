"""Latent Explorer: InfoGAN's categorical and continuous codes as controls."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

import torch
import torch.nn.functional as F
from PIL import Image

from .. import controls
from ..imaging import labelled_grid, strip
from .base import GeneratorPipeline

CODE_RANGE = 2.0  # the paper shows codes trained on [-1, 1] extrapolating to [-2, 2]
MAX_FRAMES = 60
MAX_SWEEP_STEPS = 15
MAX_SWEEP_SEEDS = 12


@dataclass
class LatentSettings:
    """Everything that decides the pixels; copy it as JSON, paste it back, get the same picture."""

    model: str
    seed: int
    category: int
    codes: list[float] | None = None  # None: every continuous code at 0

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def slerp(a: torch.Tensor, b: torch.Tensor, t: float) -> torch.Tensor:
    """Spherical interpolation between two noise vectors (stays on the Gaussian's typical shell)."""
    omega = torch.arccos((F.normalize(a, dim=-1) * F.normalize(b, dim=-1)).sum(-1).clamp(-1, 1))
    if omega.abs() < 1e-6:
        return torch.lerp(a, b, t)
    return (torch.sin((1 - t) * omega) * a + torch.sin(t * omega) * b) / torch.sin(omega)


NAMED_AT = 0.5  # a category is named after a class only when the judge calls at least this share of it so


def category_labels(card: dict[str, Any]) -> list[str]:
    """Label of each category index, from the evaluation: the class the judge sees most in its samples and how
    often ("Dress (61 %)"), or "unnamed" where no class has NAMED_AT of them; without those figures, the
    one-to-one category→class map; without that, "category k"."""
    names, majority, agreement = card.get("class_names"), card.get("category_majority"), card.get("category_agreement")
    if names and majority and agreement:
        return [
            f"{names[c]} ({share * 100:.0f} %)"
            if share >= NAMED_AT
            else f"unnamed {k} ({names[c]}? {share * 100:.0f} %)"
            for k, (c, share) in enumerate(zip(majority, agreement, strict=True))
        ]
    mapping = card.get("category_to_class")
    if mapping and names:
        return [names[c] for c in mapping]
    return [f"category {k}" for k in range(card["config"]["num_categories"])]


def category_choices(card: dict[str, Any]) -> list[tuple[str, int]]:
    """(label, category) pairs in the dataset's class order (named ones first), for a picker. Works from the
    card alone, so the UI can be built before any weights are loaded."""
    labels = category_labels(card)
    order = card.get("category_majority") or card.get("category_to_class") or list(range(len(labels)))
    unnamed = [label.startswith("unnamed") for label in labels]
    return sorted(((labels[k], k) for k in range(len(labels))), key=lambda pair: (unnamed[pair[1]], order[pair[1]]))


class LatentPipeline(GeneratorPipeline):
    """InfoGAN generator with a human-readable category picker (via the card's category→class map)."""

    scale = 10  # 28 px → 280 px for the main view
    thumbnail_scale = 4  # 28 px → 112 px in grids and strips

    def thumbnail(self, image: Image.Image) -> Image.Image:
        side = image.width * self.thumbnail_scale // self.scale
        return image.resize((side, side), Image.Resampling.NEAREST)

    def category_labels(self) -> list[str]:
        return category_labels(self.card)

    # -- validation ----------------------------------------------------------------------------------
    def check_category(self, value: Any) -> int:
        labels = self.category_labels()
        if isinstance(value, str) and value in labels:
            return labels.index(value)
        try:
            return controls.whole(value, "The category", 0, self.config.num_categories - 1)
        except ValueError:
            raise ValueError(
                f"Unknown category {str(value)[:40]!r}; use 0–{self.config.num_categories - 1} or one of: "
                f"{', '.join(labels)}."
            ) from None

    def check_codes(self, codes: Any) -> list[float]:
        n = self.config.num_continuous
        codes = [0.0] * n if codes is None else list(codes)
        if len(codes) != n:
            raise ValueError(f"This model has {n} continuous codes; got {len(codes)} values.")
        return [controls.bounded(c, f"Code {i + 1}", -CODE_RANGE, CODE_RANGE) for i, c in enumerate(codes)]

    # -- generation ------------------------------------------------------------------------------------
    @torch.inference_mode()
    def render(self, noise: torch.Tensor, category: torch.Tensor, codes: torch.Tensor) -> list[Image.Image]:
        """noise (B, noise_dim), category (B,) or (B, K) weights, codes (B, n_codes) → B enlarged images."""
        return self.pictures(self.generator(noise, category.to(self.device), codes.to(self.device)), self.scale)

    def generate(self, seed: Any, category: Any, codes: Any = None) -> tuple[Image.Image, LatentSettings]:
        s, k, c = controls.seed(seed), self.check_category(category), self.check_codes(codes)
        image = self.render(self.noise([s], self.config.noise_dim), torch.tensor([k]), torch.tensor([c]))[0]
        return image, LatentSettings(model=self.name, seed=s, category=k, codes=c)

    def sweep(
        self, seed: Any, category: Any, codes: Any = None, *, code_index: Any = 0,
        rows: Literal["categories", "seeds"] = "categories", steps: Any = 9, num_seeds: Any = 6,
    ) -> Image.Image:  # fmt: skip
        """The InfoGAN paper's figure: each row one category (or one seed), each column one value of the
        swept code from −2 to 2, every other control fixed."""
        s, k, c = controls.seed(seed), self.check_category(category), self.check_codes(codes)
        index = controls.whole(code_index, "The swept code", 0, self.config.num_continuous - 1)
        n_steps = controls.whole(steps, "The number of columns", 2, MAX_SWEEP_STEPS)
        values = torch.linspace(-CODE_RANGE, CODE_RANGE, n_steps).tolist()
        labels = self.category_labels()
        if rows == "categories":
            row_categories = [cat for _, cat in category_choices(self.card)]
            row_seeds = [s] * len(row_categories)
            row_labels = [labels[cat] for cat in row_categories]
        elif rows == "seeds":
            n = controls.whole(num_seeds, "The number of seeds", 1, MAX_SWEEP_SEEDS)
            row_seeds = [s + i for i in range(n) if s + i <= controls.MAX_SEED] or [s]
            row_categories = [k] * len(row_seeds)
            row_labels = [f"seed {x}" for x in row_seeds]
        else:
            raise ValueError(f"Rows must be 'categories' or 'seeds', got {rows!r}.")
        noise = self.noise(row_seeds, self.config.noise_dim).repeat_interleave(n_steps, 0)
        cats = torch.tensor(row_categories).repeat_interleave(n_steps)
        grid_codes = torch.tensor(c).repeat(len(row_seeds) * n_steps, 1)
        grid_codes[:, index] = torch.tensor(values).repeat(len(row_seeds))
        images = self.render(noise, cats, grid_codes)
        cells = [images[r * n_steps : (r + 1) * n_steps] for r in range(len(row_seeds))]
        return labelled_grid(
            [[self.thumbnail(im) for im in row] for row in cells],
            row_labels=row_labels,
            column_labels=[f"{v:+.1f}" for v in values],
        )

    def interpolate(
        self, start: LatentSettings | dict, end: LatentSettings | dict, *, frames: Any = 16,
        mode: Literal["linear", "spherical"] = "spherical",
    ) -> tuple[list[Image.Image], Image.Image]:  # fmt: skip
        """Frames from one setting to another: noise by lerp or slerp, codes and category linearly."""
        a = start if isinstance(start, LatentSettings) else LatentSettings(model=self.name, **start)
        b = end if isinstance(end, LatentSettings) else LatentSettings(model=self.name, **end)
        n = controls.whole(frames, "The number of frames", 2, MAX_FRAMES)
        if mode not in ("linear", "spherical"):
            raise ValueError(f"Interpolation must be 'linear' or 'spherical', got {mode!r}.")
        seeds = [controls.seed(a.seed), controls.seed(b.seed)]
        cats = [self.check_category(a.category), self.check_category(b.category)]
        codes = torch.tensor([self.check_codes(a.codes), self.check_codes(b.codes)])
        za, zb = self.noise(seeds, self.config.noise_dim).cpu()
        onehots = F.one_hot(torch.tensor(cats), self.config.num_categories).float()
        ts = torch.linspace(0, 1, n)
        noise = torch.stack([slerp(za, zb, t) if mode == "spherical" else torch.lerp(za, zb, t) for t in ts.tolist()])
        blend = ts[:, None]
        images = self.render(
            noise.to(self.device),
            (1 - blend) * onehots[0] + blend * onehots[1],
            (1 - blend) * codes[0] + blend * codes[1],
        )
        return images, strip([self.thumbnail(im) for im in images])
