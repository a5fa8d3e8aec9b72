"""Latent Explorer: InfoGAN's categorical and continuous codes as controls."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import torch
import torch.nn.functional as F
from PIL import Image

from .. import controls
from ..errors import UserError
from ..imaging import labelled_grid, strip
from .base import GeneratorPipeline

CODE_RANGE = 2.0  # the paper shows codes trained on [-1, 1] extrapolating to [-2, 2]
MAX_FRAMES = 60  # interpolation: the most frames (n) one call makes
MAX_SWEEP_COLUMNS = 15  # sweep: the most values of the swept code (n)
MAX_SWEEP_SEEDS = 12  # sweep: the most seed rows (n_seeds)


@dataclass
class LatentSettings:
    """Everything that decides the pixels; copy it as JSON, paste it back, get the same picture."""

    model: str
    seed: int
    category: int
    codes: list[float] | None = None  # None: every continuous code at 0


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
    """InfoGAN generator with a human-readable category picker (via the card's category→class figures)."""

    scale = 10  # 28 px → 280 px for the main view
    thumbnail_scale = 4  # 28 px → 112 px in grids and strips

    def thumbnail(self, image: Image.Image) -> Image.Image:
        side = image.width * self.thumbnail_scale // self.scale
        return image.resize((side, side), Image.Resampling.NEAREST)

    def category_labels(self) -> list[str]:
        return category_labels(self.card)

    # -- validation ----------------------------------------------------------------------------------
    def check_category(self, value: Any) -> int:
        """An index, a picker label ("Trouser (99 %)") or the bare class name of a named category."""
        labels = self.category_labels()
        if isinstance(value, str):
            named = [label.rsplit(" (", 1)[0] for label in labels]
            for options in (labels, named):
                if value in options:
                    return options.index(value)
        try:
            return controls.whole(value, "The category", 0, self.config.num_categories - 1)
        except UserError:
            raise UserError(
                f"Unknown category {str(value)[:40]!r}; use 0–{self.config.num_categories - 1} or one of: "
                f"{', '.join(labels)}."
            ) from None

    def check_codes(self, codes: Any) -> list[float]:
        k = self.config.num_continuous
        codes = [0.0] * k if codes is None else list(controls.items(codes, "code"))
        if len(codes) != k:
            raise UserError(f"This model has {k} continuous codes; got {len(codes)} values.")
        return [controls.bounded(c, f"Code {i + 1}", -CODE_RANGE, CODE_RANGE) for i, c in enumerate(codes)]

    def check(self, seed: Any, category: Any, codes: Any) -> LatentSettings:
        return LatentSettings(
            model=self.name, seed=controls.seed(seed), category=self.check_category(category),
            codes=self.check_codes(codes),
        )  # fmt: skip

    # -- generation ------------------------------------------------------------------------------------
    @torch.inference_mode()
    def _render(self, noise: torch.Tensor, category: torch.Tensor, codes: torch.Tensor) -> list[Image.Image]:
        """noise (B, noise_dim), category (B,) or (B, K) weights, codes (B, n_codes) → B enlarged images."""
        return self.pictures(self.generator(noise, category.to(self.device), codes.to(self.device)), self.scale)

    def picture(self, seed: Any, *, category: Any = 0, codes: Any = None) -> tuple[Image.Image, LatentSettings]:
        """One picture for a seed, a category and the continuous codes (all 0 when None)."""
        used = self.check(seed, category, codes)
        noise = self.noise([used.seed], self.config.noise_dim)
        return self._render(noise, torch.tensor([used.category]), torch.tensor([used.codes]))[0], used

    def sweep(
        self, seed: Any, *, category: Any = 0, codes: Any = None, code: Any = 0,
        rows: Literal["categories", "seeds"] = "categories", n: Any = 9, n_seeds: Any = 6,
    ) -> Image.Image:  # fmt: skip
        """The InfoGAN paper's figure: each row one category (or one of `n_seeds` seeds), each of the `n`
        columns one value of the swept `code` from −2 to 2, every other control fixed."""
        used = self.check(seed, category, codes)
        index = controls.whole(code, "The swept code", 0, self.config.num_continuous - 1)
        columns = controls.whole(n, "The number of columns", 2, MAX_SWEEP_COLUMNS)
        values = torch.linspace(-CODE_RANGE, CODE_RANGE, columns).tolist()
        row_seeds, row_categories, row_labels = self._sweep_rows(used, rows, n_seeds)
        noise = self.noise(row_seeds, self.config.noise_dim).repeat_interleave(columns, 0)
        grid_codes = torch.tensor(used.codes).repeat(len(row_seeds) * columns, 1)
        grid_codes[:, index] = torch.tensor(values).repeat(len(row_seeds))
        images = self._render(noise, torch.tensor(row_categories).repeat_interleave(columns), grid_codes)
        cells = [images[r * columns : (r + 1) * columns] for r in range(len(row_seeds))]
        return labelled_grid(
            [[self.thumbnail(im) for im in row] for row in cells],
            row_labels=row_labels,
            column_labels=[f"{v:+.1f}" for v in values],
        )

    def _sweep_rows(self, used: LatentSettings, rows: str, n_seeds: Any) -> tuple[list[int], list[int], list[str]]:
        """(seed, category, label) of each sweep row: every category at one seed, or seeds from one up."""
        labels = self.category_labels()
        if rows == "categories":
            categories = [cat for _, cat in category_choices(self.card)]
            return [used.seed] * len(categories), categories, [labels[cat] for cat in categories]
        if rows == "seeds":
            n_seeds = controls.whole(n_seeds, "The number of seeds", 1, MAX_SWEEP_SEEDS)
            seeds = [used.seed + i for i in range(n_seeds) if used.seed + i <= controls.MAX_SEED] or [used.seed]
            return seeds, [used.category] * len(seeds), [f"seed {x}" for x in seeds]
        raise UserError(f"Rows must be 'categories' or 'seeds', got {str(rows)[:20]!r}.")

    def interpolation(
        self, start: LatentSettings | dict, end: LatentSettings | dict, *, n: Any = 16,
        mode: Literal["linear", "spherical"] = "spherical",
    ) -> tuple[list[Image.Image], Image.Image]:  # fmt: skip
        """`n` frames from one setting to another (noise by lerp or slerp, codes and category linearly), and
        the frames side by side as one strip."""
        a, b = (self._settings(point) for point in (start, end))
        n = controls.whole(n, "The number of frames", 2, MAX_FRAMES)
        if mode not in ("linear", "spherical"):
            raise UserError(f"Interpolation must be 'linear' or 'spherical', got {str(mode)[:20]!r}.")
        za, zb = self.noise([a.seed, b.seed], self.config.noise_dim).cpu()
        onehots = F.one_hot(torch.tensor([a.category, b.category]), self.config.num_categories).float()
        codes = torch.tensor([a.codes, b.codes])
        ts = torch.linspace(0, 1, n)
        noise = torch.stack([slerp(za, zb, t) if mode == "spherical" else torch.lerp(za, zb, t) for t in ts.tolist()])
        blend = ts[:, None]
        images = self._render(
            noise.to(self.device),
            (1 - blend) * onehots[0] + blend * onehots[1],
            (1 - blend) * codes[0] + blend * codes[1],
        )
        return images, strip([self.thumbnail(im) for im in images])

    def _settings(self, point: LatentSettings | dict) -> LatentSettings:
        if isinstance(point, LatentSettings):
            return self.check(point.seed, point.category, point.codes)
        if not isinstance(point, dict):
            raise UserError('An interpolation end must be settings such as {"seed": 7, "category": 2}.')
        return self.check(point.get("seed"), point.get("category", 0), point.get("codes"))
