"""The Lab's live 2-D GAN: a generator learns a point cloud while you watch (GAN Lab's idea, D2L's example).

A `Toy2DTrainer` owns the two small MLPs and their optimisers; `run(steps)` trains, `snapshot()` records
what a picture needs (fake points, the discriminator's surface, the losses), and lab_plot draws it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import torch

from .. import controls
from ..errors import UserError
from ..gradients import frozen, update
from ..losses import (
    discriminator_loss,
    generator_loss,
    gradient_penalty,
    lsgan_loss,
    wasserstein_critic_loss,
    wasserstein_generator_loss,
)  # fmt: skip
from ..models.toy import ToyDiscriminator, ToyGANConfig, ToyGenerator, seeded
from ..toy_data import BUILTIN, DISTRIBUTIONS, PointSet, energy_distance

Loss = Literal["non-saturating", "lsgan", "wgan-gp"]
LOSSES = ("non-saturating", "lsgan", "wgan-gp")
GRID = 72  # the decision surface is sampled on GRID × GRID points
PREVIEW_POINTS = 512
GP_WEIGHT = 10.0  # WGAN-GP's λ (Gulrajani et al.)
MAX_HISTORY = 5_000  # loss records kept (one per burst): a long session's memory stays bounded


@dataclass(frozen=True)
class LabSettings:
    distribution: str = "gaussian"
    hidden: int = 64
    layers: int = 2
    lr_g: float = 1e-3
    lr_d: float = 1e-3
    d_steps: int = 1  # discriminator steps per generator step
    loss: Loss = "non-saturating"
    batch: int = 256
    seed: int = 0

    def checked(self) -> LabSettings:
        controls.choice(self.distribution, "distribution", DISTRIBUTIONS)
        controls.choice(self.loss, "loss", LOSSES)
        return replace(
            self,
            hidden=controls.whole(self.hidden, "Hidden units", 4, 256),
            layers=controls.whole(self.layers, "Hidden layers", 1, 4),
            lr_g=controls.bounded(self.lr_g, "The generator learning rate", 1e-6, 0.1),
            lr_d=controls.bounded(self.lr_d, "The discriminator learning rate", 1e-6, 0.1),
            d_steps=controls.whole(self.d_steps, "D steps per G step", 1, 5),
            batch=controls.whole(self.batch, "The batch size", 8, 4096),
            seed=controls.seed(self.seed),
        )

    def structure(self) -> tuple:
        """What cannot change mid-run without starting over (learning rates and D:G steps can)."""
        return (self.distribution, self.hidden, self.layers, self.loss, self.batch, self.seed)


@dataclass
class Snapshot:
    step: int
    fake: np.ndarray  # (PREVIEW_POINTS, 2)
    surface: np.ndarray  # (GRID, GRID) in [0, 1]: how "real" D thinks each place is


class Toy2DTrainer:
    def __init__(self, settings: LabSettings, points: np.ndarray | None = None) -> None:
        self.settings = settings.checked()
        s = self.settings
        if s.distribution == "custom":
            if points is None:
                raise UserError("Upload a CSV of x,y points or draw some first (distribution 'custom').")
            self.sample_real = PointSet(points)
        else:
            self.sample_real = BUILTIN[s.distribution]
        # Every random number of this run comes from its own generator: runs of two visitors never interfere.
        self.rng = torch.Generator().manual_seed(s.seed)
        config = ToyGANConfig(hidden=s.hidden, layers=s.layers)
        with torch.device("meta"):  # built without touching the global generator, then seeded from self.rng
            generator, discriminator = ToyGenerator(config), ToyDiscriminator(config)
        self.generator, self.discriminator = seeded(generator, self.rng), seeded(discriminator, self.rng)
        betas = (0.5, 0.9) if s.loss == "wgan-gp" else (0.5, 0.999)
        self.opt_g = torch.optim.Adam(self.generator.parameters(), lr=s.lr_g, betas=betas)
        self.opt_d = torch.optim.Adam(self.discriminator.parameters(), lr=s.lr_d, betas=betas)
        self.steps = 0
        self.history: list[dict[str, float]] = []
        # A fixed look at the data: the real sample shown, the noise of the fake points shown, the plot window.
        self.real_preview = self.sample_real(PREVIEW_POINTS, self.rng)
        self.z_preview = torch.randn(PREVIEW_POINTS, config.latent_dim, generator=self.rng)
        low, high = self.real_preview.quantile(0.01, 0), self.real_preview.quantile(0.99, 0)
        centre, half = (low + high) / 2, ((high - low).max() / 2 * 1.6).clamp_min(0.5)
        self.window = (centre - half, centre + half)  # ((2,), (2,)) lower-left and upper-right corners
        self.snapshots: list[Snapshot] = []
        self.pausing = False  # set by pause(): the running stream stops at the next step, showing it

    def pause(self) -> None:
        """Stop the stream that is running at its next step; the picture it yields last is where it stopped."""
        self.pausing = True

    def update_live(self, settings: LabSettings) -> None:
        """Apply learning rates and D:G steps without restarting."""
        settings = settings.checked()
        for group in self.opt_g.param_groups:
            group["lr"] = settings.lr_g
        for group in self.opt_d.param_groups:
            group["lr"] = settings.lr_d
        self.settings = settings

    # -- training: the losses and the freezing helper of the training recipes (playground.losses, .gradients)
    def _d_loss(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        d_real, d_fake = self.discriminator(real), self.discriminator(fake)
        if self.settings.loss == "lsgan":
            return 0.5 * (lsgan_loss(d_real, True) + lsgan_loss(d_fake, False))
        if self.settings.loss == "wgan-gp":
            penalty = gradient_penalty(self.discriminator, real, fake, self.rng)
            return wasserstein_critic_loss(d_real, d_fake) + GP_WEIGHT * penalty
        return discriminator_loss(d_real, d_fake)

    def _g_loss(self, fake: torch.Tensor) -> torch.Tensor:
        with frozen(self.discriminator) as critic:
            d_fake = critic(fake)
            if self.settings.loss == "lsgan":
                return 0.5 * lsgan_loss(d_fake, True)
            if self.settings.loss == "wgan-gp":
                return wasserstein_generator_loss(d_fake)
            return generator_loss(d_fake)  # non-saturating −log D(G(z))

    def _step(self) -> tuple[torch.Tensor, torch.Tensor]:
        """One generator step after `d_steps` discriminator steps; returns (loss_d, loss_g)."""
        s = self.settings
        for _ in range(s.d_steps):
            real = self.sample_real(s.batch, self.rng)
            with torch.no_grad():
                fake = self.generator(torch.randn(s.batch, 2, generator=self.rng))
            loss_d = self._d_loss(real, fake)
            update(self.opt_d, loss_d)
        loss_g = self._g_loss(self.generator(torch.randn(s.batch, 2, generator=self.rng)))
        update(self.opt_g, loss_g)
        self.steps += 1
        return loss_d, loss_g

    def _record(self, loss_d: torch.Tensor, loss_g: torch.Tensor) -> None:
        self.history.append({"step": self.steps, "loss_d": loss_d.item(), "loss_g": loss_g.item()})
        del self.history[:-MAX_HISTORY]

    def run(self, steps: int) -> None:
        steps = controls.whole(steps, "Steps", 1, 100_000)
        for _ in range(steps):
            losses = self._step()
        self._record(*losses)

    def stream(self, steps: int, *, every: int = 10, tick_s: float | None = None) -> Iterator[Snapshot | None]:
        """Train `steps` more generator steps, yielding a snapshot every `every` of them (and at the end).

        With `tick_s`, a burst also yields None whenever `tick_s` seconds passed since the last yield: a
        consumer that stops iterating (a UI stream whose visitor left) then stops the work within one step.
        """
        every = controls.whole(every, "Steps per picture", 1, 100_000)
        end = self.steps + controls.whole(steps, "Steps", 1, 10_000_000)
        last, self.pausing = time.monotonic(), False
        while self.steps < end and not self.pausing:
            n = min(every, end - self.steps)
            for i in range(n):
                losses = self._step()
                if self.pausing:
                    break
                if tick_s is not None and i < n - 1 and time.monotonic() - last >= tick_s:
                    yield None
                    last = time.monotonic()
            self._record(*losses)
            yield self.snapshot()
            last = time.monotonic()
        self.pausing = False

    # -- looking -----------------------------------------------------------------------------------------
    @torch.no_grad()
    def fake_points(self) -> torch.Tensor:
        return self.generator(self.z_preview)

    @torch.no_grad()
    def distance(self) -> float:
        """Energy distance between the shown real sample and the shown fake points."""
        return energy_distance(self.real_preview, self.fake_points())

    @torch.no_grad()
    def snapshot(self, keep: int = 240) -> Snapshot:
        lo, hi = self.window
        xs = torch.linspace(float(lo[0]), float(hi[0]), GRID)
        ys = torch.linspace(float(lo[1]), float(hi[1]), GRID)
        grid = torch.stack(torch.meshgrid(xs, ys, indexing="xy"), -1).view(-1, 2)  # row = y, column = x
        scores = self.discriminator(grid).view(GRID, GRID)
        if self.settings.loss == "wgan-gp":  # critic scores have no scale: show them relative to each other
            surface = (scores - scores.min()) / (scores.max() - scores.min()).clamp_min(1e-6)
        elif self.settings.loss == "lsgan":
            surface = scores.clamp(0, 1)
        else:
            surface = scores.sigmoid()
        snap = Snapshot(self.steps, self.fake_points().numpy(), surface.numpy())
        self.snapshots = [*self.snapshots[-(keep - 1) :], snap]
        if self.history:
            self.history[-1]["energy"] = self.distance()
        return snap
