"""Step functions for the unconditional families: the MLP GAN and DCGAN."""

from __future__ import annotations

import argparse
import copy

import torch
import torch.nn.functional as F
from torch import nn

from .. import checkpoints
from ..device import seeded_generator
from ..gradients import frozen, unwrap, update
from ..losses import discriminator_loss, generator_loss
from .recipe import Recipe

EMA_ROLE = "generator_ema"  # the generator's exponential moving average, when --ema is set


def add_ema_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--ema", type=float, default=0.0, metavar="DECAY",
        help="keep an exponential moving average of the generator's weights (e.g. 0.999) and ship it instead: "
        "averaging over the last ~1/(1-DECAY) steps smooths out the speckle of the latest updates",
    )  # fmt: skip


class GANRecipe(Recipe):
    """The families with one generator and one discriminator (GAN, DCGAN; CGAN and InfoGAN build on it)."""

    family = "gan"

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        add_ema_argument(parser)
        parser.add_argument(
            "--feature-matching", type=float, default=0.0, metavar="WEIGHT",
            help="add Salimans et al.'s feature matching to G's loss: the squared distance between the mean "
            "discriminator features of real and fake batches (needs a discriminator with `features`)",
        )  # fmt: skip
        parser.add_argument(
            "--real-label", type=float, default=1.0,
            help="one-sided label smoothing: D's target for real pictures (0.9 in Salimans et al.)",
        )  # fmt: skip

    def build(self) -> dict[str, nn.Module]:
        from .. import models

        modules = {role: models.build(self.family, role, self.config) for role in ("generator", "discriminator")}
        # CGAN and InfoGAN inherit build() but not these flags
        if getattr(self.args, "feature_matching", 0.0) and not hasattr(modules["discriminator"], "features"):
            raise SystemExit(f"--feature-matching needs a discriminator with `features`; {self.family}'s has none.")
        if getattr(self.args, "ema", 0.0):
            modules[EMA_ROLE] = copy.deepcopy(modules["generator"]).requires_grad_(False)
        return modules

    def optimizers(self, modules):
        return super().optimizers({role: m for role, m in modules.items() if role != EMA_ROLE})  # not trained

    @torch.no_grad()
    def after_step(self, modules):
        if EMA_ROLE not in modules:
            return
        average, current = modules[EMA_ROLE], unwrap(modules["generator"])
        for a, p in zip(average.parameters(), current.parameters(), strict=True):
            a.lerp_(p, 1.0 - self.args.ema)
        for a, b in zip(average.buffers(), current.buffers(), strict=True):
            a.copy_(b)  # BatchNorm statistics: the latest

    def sampling_generator(self, modules: dict[str, nn.Module]) -> nn.Module:
        """The generator that samples and ships: the moving average when there is one."""
        return modules[EMA_ROLE] if EMA_ROLE in modules else unwrap(modules["generator"])

    def export(self, modules, stem, card):
        checkpoints.save(stem, {"generator": self.sampling_generator(modules)}, card)

    def step(self, modules, optimizers, images, labels, rng):
        G, D = modules["generator"], modules["discriminator"]
        n = images.shape[0]
        z = torch.randn(n, self.config.latent_dim, generator=rng, device=images.device)
        fake = G(z)  # (B, C, H, W)

        # Discriminator: real and fake in one forward pass (one backward, as DDP likes it).
        logits = D(torch.cat([images, fake.detach()]))
        loss_d = discriminator_loss(logits[:n], logits[n:], real_target=self.args.real_label)
        update(optimizers["discriminator"], loss_d)

        # Generator: non-saturating loss through a frozen discriminator, plus feature matching.
        losses = {"loss_d": loss_d.detach()}
        with frozen(D) as critic:
            loss_g = generator_loss(critic(fake))
            losses["loss_g"] = loss_g.detach()
            if self.args.feature_matching:
                with torch.no_grad():
                    real_features = critic.features(images).mean(0)  # (F,)
                matching = F.mse_loss(critic.features(fake).mean(0), real_features)
                loss_g = loss_g + self.args.feature_matching * matching
                losses["feature_matching"] = matching.detach()
        update(optimizers["generator"], loss_g)
        return losses

    @torch.no_grad()
    def samples(self, modules):
        G = self.sampling_generator(modules)
        z = torch.randn(100, self.config.latent_dim, generator=seeded_generator(0, self.device), device=self.device)
        return G(z)


class DCGANRecipe(GANRecipe):
    family = "dcgan"
