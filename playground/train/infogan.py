"""Step function for InfoGAN: the adversarial game plus the mutual-information term on both players."""

from __future__ import annotations

import argparse

import torch

from ..device import seeded_generator
from ..gradients import frozen, update
from ..losses import consistency_loss, discriminator_loss, generator_loss, info_loss, mutual_information_loss
from ..models.infogan import sample_codes
from .augment import random_affine
from .gan import GANRecipe, add_ema_argument


class InfoGANRecipe(GANRecipe):
    family = "infogan"

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        add_ema_argument(parser)
        parser.add_argument("--info-weight", type=float, default=1.0, help="λ on the mutual-information term")
        parser.add_argument(
            "--continuous-weight", type=float, default=0.1,
            help="weight of the continuous codes' term relative to the categorical one (the paper's 0.1)",
        )  # fmt: skip
        parser.add_argument(
            "--real-info-weight", type=float, default=0.0,
            help="weight of a mutual-information term on real images for Q's categories (0 = plain InfoGAN); "
            "with it, Q must also give a slightly warped image the same category (IMSAT's self-augmentation)",
        )  # fmt: skip

    def step(self, modules, optimizers, images, labels, rng):
        G, D = modules["generator"], modules["discriminator"]
        n = images.shape[0]
        noise, category, continuous = sample_codes(n, self.config, rng, images.device)
        fake = G(noise, category, continuous)
        lam, w = self.args.info_weight, self.args.continuous_weight

        # D and Q share the body: one pass over real + fake (+ warped real); Q is trained on the fake part.
        batch = [images, fake.detach()]
        if self.args.real_info_weight:
            batch.append(random_affine(images, rng, degrees=8, shift=0.06, scale=0.08))
        adv, cat_logits, cont_pred = D(torch.cat(batch))
        cat_loss, cont_loss = info_loss(
            cat_logits[n : 2 * n], cont_pred[n : 2 * n], category, continuous, continuous_weight=w
        )
        loss_d = discriminator_loss(adv[:n], adv[n : 2 * n]) + lam * (cat_loss + cont_loss)
        if self.args.real_info_weight:
            # Unsupervised clustering of the real images (Hu et al.'s IMSAT): confident, balanced categories
            # that a small warp does not change, so they follow what the image shows rather than how it is drawn.
            real_logits, warped_logits = cat_logits[:n], cat_logits[2 * n :]
            regulariser = mutual_information_loss(real_logits) + consistency_loss(real_logits, warped_logits)
            loss_d = loss_d + self.args.real_info_weight * regulariser
        update(optimizers["discriminator"], loss_d)

        with frozen(D) as critic:
            adv_fake, cat_logits, cont_pred = critic(fake)
            cat_g, cont_g = info_loss(cat_logits, cont_pred, category, continuous, continuous_weight=w)
            loss_g = generator_loss(adv_fake) + lam * (cat_g + cont_g)
        update(optimizers["generator"], loss_g)
        return {
            "loss_d": loss_d.detach(), "loss_g": loss_g.detach(),
            "info_cat": cat_loss.detach(), "info_cont": cont_loss.detach(),
        }  # fmt: skip

    @torch.no_grad()
    def samples(self, modules):
        # Row = category, 10 noise draws per row, continuous codes at 0.
        c = self.config
        noise = torch.randn(10, c.noise_dim, generator=seeded_generator(0, self.device), device=self.device)
        category = torch.arange(c.num_categories, device=self.device).repeat_interleave(10)
        continuous = torch.zeros(10 * c.num_categories, c.num_continuous, device=self.device)
        return self.sampling_generator(modules)(noise.repeat(c.num_categories, 1), category, continuous)

    def card_extras(self):
        return {"class_names": list(self.data.class_names)}
