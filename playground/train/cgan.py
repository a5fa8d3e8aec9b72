"""Step function for the label-conditioned GAN."""

from __future__ import annotations

import torch

from ..device import seeded_generator
from .gan import GANRecipe
from .losses import discriminator_loss, generator_loss
from .recipe import frozen, unwrap


class CGANRecipe(GANRecipe):
    family = "cgan"

    @classmethod
    def config_from_data(cls, data):
        return {**super().config_from_data(data), "num_classes": len(data.class_names)}

    def step(self, modules, optimizers, images, labels, rng):
        G, D = modules["generator"], modules["discriminator"]
        n = images.shape[0]
        z = torch.randn(n, self.config.latent_dim, generator=rng, device=images.device)
        fake_labels = torch.randint(self.config.num_classes, (n,), generator=rng, device=images.device)
        fake = G(z, fake_labels)

        logits = D(torch.cat([images, fake.detach()]), torch.cat([labels, fake_labels]))
        loss_d = discriminator_loss(logits[:n], logits[n:])
        optimizers["discriminator"].zero_grad(set_to_none=True)
        loss_d.backward()
        optimizers["discriminator"].step()

        with frozen(D) as critic:
            loss_g = generator_loss(critic(fake, fake_labels))
        optimizers["generator"].zero_grad(set_to_none=True)
        loss_g.backward()
        optimizers["generator"].step()
        return {"loss_d": loss_d.detach(), "loss_g": loss_g.detach()}

    @torch.no_grad()
    def samples(self, modules):
        # Row = class, 10 seeds per row.
        k = self.config.num_classes
        z = torch.randn(10, self.config.latent_dim, generator=seeded_generator(0, self.device), device=self.device)
        labels = torch.arange(k, device=self.device).repeat_interleave(10)
        return unwrap(modules["generator"])(z.repeat(k, 1), labels)

    def card_extras(self):
        return {"class_names": list(self.data.class_names)}
