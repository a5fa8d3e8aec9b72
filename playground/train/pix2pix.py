"""Step function for Pix2Pix, sketch → fashion: Fashion-MNIST items padded to 32 px, conditioned on their
own Sobel edge maps; adversarial (BCE on logits, PatchGAN) + λ·L1 to the real item.

  python -m playground.train pix2pix --dataset fashion-mnist --epochs 10
"""

from __future__ import annotations

import argparse
from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from .. import models
from ..data import ImageData
from ..gradients import frozen, unwrap, update
from ..losses import discriminator_loss, generator_loss
from ..models.pix2pix import edge_map, pad_to
from .recipe import Recipe


class Pix2PixRecipe(Recipe):
    family = "pix2pix"
    defaults: ClassVar[dict[str, Any]] = {"epochs": 10, "batch_size": 64, "lr": 2e-4, "lr_decay": "linear"}

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--l1-weight", type=float, default=100.0, help="λ on the L1 distance to the real item")

    @classmethod
    def config_from_data(cls, data: ImageData, args: argparse.Namespace) -> dict[str, Any]:
        return {"in_channels": data.channels, "out_channels": data.channels, "image_size": 32}

    def build(self) -> dict[str, nn.Module]:
        return {role: models.build("pix2pix", role, self.config) for role in ("generator", "discriminator")}

    def step(self, modules, optimizers, images, labels, rng):
        G, D = modules["generator"], modules["discriminator"]
        real = pad_to(images, self.config.image_size)  # (B, 1, 32, 32)
        condition = edge_map(real)
        fake = G(condition)
        n = real.shape[0]

        logits = D(torch.cat([condition, condition]), torch.cat([real, fake.detach()]))
        loss_d = discriminator_loss(logits[:n], logits[n:])
        update(optimizers["discriminator"], loss_d)

        with frozen(D) as critic:
            adversarial = generator_loss(critic(condition, fake))
        l1 = F.l1_loss(fake, real)
        loss_g = adversarial + self.args.l1_weight * l1
        update(optimizers["generator"], loss_g)
        return {"loss_d": loss_d.detach(), "loss_g": adversarial.detach(), "l1": l1.detach()}

    @torch.no_grad()
    def samples(self, modules):
        """Rows of ten: edge maps, the generator's items, the real items."""
        picks = torch.linspace(0, len(self.data) - 1, 10).long().tolist()
        real = pad_to(torch.stack([self.data.dataset[i][0] for i in picks]), 32).to(self.device)
        condition = edge_map(real)
        G = unwrap(modules["generator"])
        return torch.cat([condition, G(condition), real])

    def card_extras(self):
        return {"class_names": list(self.data.class_names), "condition": "sobel edges, threshold 0.35"}
