"""Step function for the label-conditioned GAN."""

from __future__ import annotations

import argparse

import torch
import torch.nn.functional as F

from ..device import seeded_generator
from ..gradients import frozen, update
from ..losses import discriminator_loss, generator_loss
from .gan import GANRecipe, add_ema_argument


class CGANRecipe(GANRecipe):
    family = "cgan"

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        add_ema_argument(parser)
        parser.add_argument(
            "--aux-weight", type=float, default=0.0,
            help="weight of AC-GAN's auxiliary classification loss (0 = projection discriminator only)",
        )  # fmt: skip

    @classmethod
    def config_from_data(cls, data, args):
        return {
            **super().config_from_data(data, args), "num_classes": len(data.class_names),
            "aux_classifier": args.aux_weight > 0,
        }  # fmt: skip

    def step(self, modules, optimizers, images, labels, rng):
        G, D = modules["generator"], modules["discriminator"]
        n, aux = images.shape[0], self.args.aux_weight
        z = torch.randn(n, self.config.latent_dim, generator=rng, device=images.device)
        fake_labels = torch.randint(self.config.num_classes, (n,), generator=rng, device=images.device)
        fake = G(z, fake_labels)

        logits, classes = D(torch.cat([images, fake.detach()]), torch.cat([labels, fake_labels]))
        loss_d = discriminator_loss(logits[:n], logits[n:])
        if aux:  # the classifier learns from real images only, so it cannot be fooled into agreeing
            loss_d = loss_d + aux * F.cross_entropy(classes[:n], labels)
        update(optimizers["discriminator"], loss_d)

        with frozen(D) as critic:
            fake_logits, fake_classes = critic(fake, fake_labels)
            loss_g = generator_loss(fake_logits)
            if aux:
                loss_g = loss_g + aux * F.cross_entropy(fake_classes, fake_labels)
        update(optimizers["generator"], loss_g)
        return {"loss_d": loss_d.detach(), "loss_g": loss_g.detach()}

    @torch.no_grad()
    def samples(self, modules):
        # Row = class, 10 seeds per row.
        k = self.config.num_classes
        z = torch.randn(10, self.config.latent_dim, generator=seeded_generator(0, self.device), device=self.device)
        labels = torch.arange(k, device=self.device).repeat_interleave(10)
        return self.sampling_generator(modules)(z.repeat(k, 1), labels)

    def card_extras(self):
        return {"class_names": list(self.data.class_names)}
