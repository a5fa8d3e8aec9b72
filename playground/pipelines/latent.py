"""Latent Explorer: InfoGAN's categorical and continuous codes as controls."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any, Literal

import torch
import torch.nn.functional as F
from PIL import Image

from .. import controls
from ..errors import UserError
from ..imaging import difference, enlarge, labelled_grid, strip, to_item, to_pil
from ..models.autoencoders import psnr
from ..models.infogan import sample_codes
from . import inversion
from .base import GeneratorPipeline, seeded_normal

LATENT_VIEW_SCALE = 10  # 28 px → 280 px, as the main picture
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
    latent: list[float] | None = None  # the noise itself (an inverted picture's), instead of the seed's


LATENT_RANGE = 8.0  # a noise value beyond this is nowhere near the Gaussian the generator was trained on


def check_latent(latent: Any, dim: int) -> list[float] | None:
    """A noise vector given instead of a seed: `dim` finite numbers within ±LATENT_RANGE, or None."""
    if latent is None:
        return None
    values = controls.items(latent, "latent value", limit=dim)
    if len(values) != dim:
        raise UserError(f"A latent for this model has {dim} numbers; got {len(values)}.")
    return [controls.bounded(v, "A latent value", -LATENT_RANGE, LATENT_RANGE) for v in values]


def slerp(a: torch.Tensor, b: torch.Tensor, t: float) -> torch.Tensor:
    """Spherical interpolation between two noise vectors (stays on the Gaussian's typical shell)."""
    omega = torch.arccos((F.normalize(a, dim=-1) * F.normalize(b, dim=-1)).sum(-1).clamp(-1, 1))
    if omega.abs() < 1e-6:
        return torch.lerp(a, b, t)
    return (torch.sin((1 - t) * omega) * a + torch.sin(t * omega) * b) / torch.sin(omega)


NAMED_AT = 0.5  # a category is named after a class only when the judge calls at least this share of it so


@dataclass
class Inverted:
    """One step of an inversion: the best candidate so far, the target it chases, and its settings."""

    step: inversion.InversionStep
    target: torch.Tensor  # (1, 1, 28, 28) the picture as the generator sees it
    settings: LatentSettings
    judged: tuple[str, str] = ("", "")  # what the judge calls the picture and the reconstruction

    def pictures(self, scale: int = LATENT_VIEW_SCALE) -> tuple[Image.Image, Image.Image, Image.Image]:
        """(the picture as the generator sees it, the reconstruction, where they differ), enlarged."""
        return tuple(
            enlarge(picture, scale)
            for picture in (
                to_pil(self.target[0]),
                to_pil(self.step.picture[0]),
                difference(self.target[0], self.step.picture[0]),
            )
        )  # type: ignore[return-value]

    def psnr(self) -> float:
        return psnr(self.step.picture, self.target)


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

    def check(self, seed: Any, category: Any, codes: Any, latent: Any = None) -> LatentSettings:
        return LatentSettings(
            model=self.name, seed=controls.seed(seed), category=self.check_category(category),
            codes=self.check_codes(codes), latent=check_latent(latent, self.config.noise_dim),
        )  # fmt: skip

    def _noise(self, used: list[LatentSettings]) -> torch.Tensor:
        """(B, noise_dim): each setting's own noise, or its seed's."""
        rows = [torch.tensor(u.latent) if u.latent is not None else seeded_normal(u.seed, self.config.noise_dim)
                for u in used]  # fmt: skip
        return torch.stack(rows).to(self.device)

    # -- generation ------------------------------------------------------------------------------------
    @torch.inference_mode()
    def _render(self, noise: torch.Tensor, category: torch.Tensor, codes: torch.Tensor) -> list[Image.Image]:
        """noise (B, noise_dim), category (B,) or (B, K) weights, codes (B, n_codes) → B enlarged images."""
        return self.pictures(self.generate(noise, category.to(self.device), codes.to(self.device)), self.scale)

    def picture(
        self, seed: Any, *, category: Any = 0, codes: Any = None, latent: Any = None
    ) -> tuple[Image.Image, LatentSettings]:
        """One picture for a seed (or a given `latent` noise), a category and the continuous codes (0 when None)."""
        used = self.check(seed, category, codes, latent)
        return self._render(self._noise([used]), torch.tensor([used.category]), torch.tensor([used.codes]))[0], used

    def sweep(
        self, seed: Any, *, category: Any = 0, codes: Any = None, code: Any = 0,
        rows: Literal["categories", "seeds"] = "categories", n: Any = 9, n_seeds: Any = 6, latent: Any = None,
    ) -> Image.Image:  # fmt: skip
        """The InfoGAN paper's figure: each row one category (or one of `n_seeds` seeds), each of the `n`
        columns one value of the swept `code` from −2 to 2, every other control fixed (rows of categories
        share the seed's noise, or the given `latent`)."""
        cells, row_labels, values = self._sweep_cells(seed, category, codes, code, rows, n, n_seeds, latent)
        return labelled_grid(cells, row_labels=row_labels, column_labels=[f"{v:+.1f}" for v in values])

    def sweep_frames(
        self, seed: Any, *, category: Any = 0, codes: Any = None, code: Any = 0,
        rows: Literal["categories", "seeds"] = "categories", n: Any = 9, n_seeds: Any = 6, latent: Any = None,
    ) -> list[Image.Image]:  # fmt: skip
        """The same sweep as an animation: one frame per value of the swept code, every row in it."""
        cells, row_labels, values = self._sweep_cells(seed, category, codes, code, rows, n, n_seeds, latent)
        return [
            labelled_grid(
                [[row[c]] for row in cells], row_labels=row_labels, column_labels=[f"code {int(code) + 1} {v:+.1f}"]
            )
            for c, v in enumerate(values)
        ]

    def _sweep_cells(
        self, seed: Any, category: Any, codes: Any, code: Any, rows: str, n: Any, n_seeds: Any, latent: Any
    ) -> tuple[list[list[Image.Image]], list[str], list[float]]:
        """The sweep's thumbnails (rows × columns), the row labels and the swept values."""
        used = self.check(seed, category, codes, latent)
        index = controls.whole(code, "The swept code", 0, self.config.num_continuous - 1)
        columns = controls.whole(n, "The number of columns", 2, MAX_SWEEP_COLUMNS)
        values = torch.linspace(-CODE_RANGE, CODE_RANGE, columns).tolist()
        row_seeds, row_categories, row_labels = self._sweep_rows(used, rows, n_seeds)
        keep = used.latent if rows == "categories" else None
        noise = self._noise([replace(used, seed=s, latent=keep) for s in row_seeds]).repeat_interleave(columns, 0)
        grid_codes = torch.tensor(used.codes).repeat(len(row_seeds) * columns, 1)
        grid_codes[:, index] = torch.tensor(values).repeat(len(row_seeds))
        images = self._render(noise, torch.tensor(row_categories).repeat_interleave(columns), grid_codes)
        thumbs = [self.thumbnail(im) for im in images]
        return [thumbs[r * columns : (r + 1) * columns] for r in range(len(row_seeds))], row_labels, values

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
        za, zb = self._noise([a, b]).cpu()
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
            return self.check(point.seed, point.category, point.codes, point.latent)
        if not isinstance(point, dict):
            raise UserError('An interpolation end must be settings such as {"seed": 7, "category": 2}.')
        return self.check(point.get("seed"), point.get("category", 0), point.get("codes"), point.get("latent"))

    # -- your own picture --------------------------------------------------------------------------------------
    @property
    def judge(self) -> torch.nn.Module | None:
        if not hasattr(self, "_judge"):
            self._judge = self.shipped_judge()
        return self._judge

    def _render_latent(self, latent: inversion.Latent) -> torch.Tensor:
        codes = latent["codes"].clamp(-CODE_RANGE, CODE_RANGE)
        return self.generator(latent["noise"], latent["category"], codes)  # (B, 1, 28, 28)

    def inversion(
        self, image: Image.Image, *, seed: Any = 0, steps: Any = inversion.DEFAULT_STEPS, every: int = 10
    ) -> Iterator[Inverted]:
        """Find a picture in the generator's space: the best candidates of a pool drawn from `seed` (every
        category, codes in [-1, 1]), then `steps` Adam steps on their noise and codes; yields the best so far
        every `every` steps and at the last. Its settings carry the noise as `latent`, so every control edits the result."""
        target = to_item(image).to(self.device)  # (1, 1, 28, 28)
        rng = torch.Generator().manual_seed(controls.seed(seed))
        noise, category, codes = sample_codes(inversion.POOL, self.config, rng, "cpu")
        pool = {"noise": noise.to(self.device), "category": category.to(self.device), "codes": codes.to(self.device)}
        features = self.judge.features if self.judge is not None else None
        objective = inversion.Objective(target, features)
        start = inversion.best_of(pool, self._render_latent, objective)
        for step in inversion.optimise(
            start, self._render_latent, objective, steps=steps, trainable=("noise", "codes"), every=every
        ):
            used = self.check(
                seed, int(step.latent["category"]), step.latent["codes"].clamp(-CODE_RANGE, CODE_RANGE)[0].tolist(),
                [round(v, 4) for v in step.latent["noise"][0].tolist()],
            )  # fmt: skip
            yield Inverted(step, target, used, (self.judged(target), self.judged(step.picture)))

    @torch.no_grad()
    def judged(self, picture: torch.Tensor) -> str:
        """The class the shipped judge sees in a (1, C, H, W) picture ("" without a judge)."""
        return self.class_names[int(self.judge(picture).argmax(1))] if self.judge is not None else ""
