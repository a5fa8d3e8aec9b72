"""Step functions for the unconditional families: the MLP GAN and DCGAN."""

from __future__ import annotations

import torch
from torch import nn

from ..device import seeded_generator
from ..gradients import frozen, unwrap, update
from ..losses import discriminator_loss, generator_loss
from .recipe import Recipe


class GANRecipe(Recipe):
    family = "gan"

    def build(self) -> dict[str, nn.Module]:
        from .. import models

        return {role: models.build(self.family, role, self.config) for role in ("generator", "discriminator")}

    def step(self, modules, optimizers, images, labels, rng):
        G, D = modules["generator"], modules["discriminator"]
        n = images.shape[0]
        z = torch.randn(n, self.config.latent_dim, generator=rng, device=images.device)
        fake = G(z)  # (B, C, H, W)

        # Discriminator: real and fake in one forward pass (one backward, as DDP likes it).
        logits = D(torch.cat([images, fake.detach()]))
        loss_d = discriminator_loss(logits[:n], logits[n:])
        update(optimizers["discriminator"], loss_d)

        # Generator: non-saturating loss through a frozen discriminator.
        with frozen(D) as critic:
            loss_g = generator_loss(critic(fake))
        update(optimizers["generator"], loss_g)
        return {"loss_d": loss_d.detach(), "loss_g": loss_g.detach()}

    @torch.no_grad()
    def samples(self, modules):
        G = unwrap(modules["generator"])
        z = torch.randn(100, self.config.latent_dim, generator=seeded_generator(0, self.device), device=self.device)
        return G(z)


class DCGANRecipe(GANRecipe):
    family = "dcgan"
