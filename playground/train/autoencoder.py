"""Step functions for the autoencoders (stacked, convolutional, denoising) and the VAE.

python -m playground.train autoencoder --kind conv --dataset fashion-mnist
python -m playground.train autoencoder --kind stacked --noise 0.5      # a denoising autoencoder
python -m playground.train autoencoder --kind vae --model latent_dim=2   # a VAE with a 2-D latent map
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from .. import checkpoints, models
from ..data import ImageData, load_builtin
from ..gradients import unwrap, update
from ..models.autoencoders import corrupt, to_unit, vae_terms
from .recipe import Recipe

MAP_POINTS = 2000  # test codes shipped for the latent map
EXAMPLES = 100  # test images shipped to reconstruct


class AutoencoderRecipe(Recipe):
    """Reconstruction (binary cross-entropy on pixels in [0, 1]), optionally from a noisy input, plus the KL term
    for the VAE; the card ships test codes for the Lab's k-means latent map and test pictures to reconstruct."""

    family = "autoencoder"
    shipped_roles = ("autoencoder",)
    defaults: ClassVar[dict[str, Any]] = {"epochs": 10, "batch_size": 128, "lr": 1e-3, "lr_decay": "cosine"}

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--kind", choices=models.autoencoders.KINDS, default="conv")
        parser.add_argument("--noise", type=float, default=0.0, help="denoising: remove Gaussian noise of this std")
        parser.add_argument("--beta", type=float, default=1.0, help="VAE: weight of the KL term")

    @classmethod
    def config_from_data(cls, data: ImageData, args: argparse.Namespace) -> dict[str, Any]:
        return {"channels": data.channels, "image_size": data.image_size, "kind": args.kind}

    def build(self) -> dict[str, nn.Module]:
        return {"autoencoder": models.build("autoencoder", "autoencoder", self.config)}

    def optimizers(self, modules):
        return {"autoencoder": torch.optim.Adam(modules["autoencoder"].parameters(), lr=self.args.lr)}

    def step(self, modules, optimizers, images, labels, rng):
        model = modules["autoencoder"]
        if self.config.kind == "vae":
            eps = torch.randn(images.shape[0], self.config.latent_dim, generator=rng, device=images.device)
            nll, kl = vae_terms(model, images, eps)  # through the DDP wrapper when there is one
            loss = (nll + self.args.beta * kl).mean()
            out = {"loss": loss.detach(), "recon": nll.mean().detach(), "kl": kl.mean().detach()}
        else:
            inputs = corrupt(images, self.args.noise, rng) if self.args.noise > 0 else images
            logits, _, _ = model(inputs)
            loss = F.binary_cross_entropy_with_logits(logits, to_unit(images))
            out = {"loss": loss.detach()}
        update(optimizers["autoencoder"], loss)
        return out

    def _test(self) -> tuple[torch.Tensor, torch.Tensor]:
        if not hasattr(self, "_test_split"):
            self._test_split = load_builtin(self.data.name, "test", self.args.data_dir).dataset.tensors  # type: ignore[attr-defined]
        return self._test_split

    @torch.no_grad()
    def evaluate(self, modules):
        """Reconstruction MSE on the test split; the VAE's ELBO; PSNR before and after denoising."""
        from ..evaluate.metrics import autoencoder_metrics

        return autoencoder_metrics(unwrap(modules["autoencoder"]), self._test()[0], sigma=self.args.noise or 0.5)

    @torch.no_grad()
    def samples(self, modules):
        """Rows of ten: test images, then their reconstructions (from noisy inputs for a denoiser)."""
        model = unwrap(modules["autoencoder"])
        images = self._test()[0][:50].to(self.device)
        inputs = (
            corrupt(images, self.args.noise, torch.Generator(device=self.device).manual_seed(0))
            if self.args.noise
            else images
        )
        if self.args.noise:
            return torch.cat([torch.cat([images[i : i + 10], inputs[i : i + 10], model.reconstruct(inputs[i : i + 10])])
                              for i in (0, 10)])  # fmt: skip
        return torch.cat([images[:20], model.reconstruct(images[:20])])

    def card_extras(self):
        return {"class_names": list(self.data.class_names), "noise": self.args.noise, "kind": self.config.kind}

    @torch.no_grad()
    def export(self, modules: dict[str, nn.Module], stem: Path, card: dict[str, Any]) -> None:
        """Ship the model with what the Lab shows offline: example test images and test codes for the map."""
        model = unwrap(modules["autoencoder"]).eval()
        images, labels = self._test()
        generator = torch.Generator().manual_seed(0)
        pick = torch.randperm(len(images), generator=generator)[:MAP_POINTS]
        codes = torch.cat([model.encode(chunk.to(self.device)).cpu() for chunk in images[pick].split(1000)])
        data = {"examples": images[:EXAMPLES], "example_labels": labels[:EXAMPLES], "map_codes": codes,
                "map_labels": labels[pick]}  # fmt: skip
        checkpoints.save(stem, {"autoencoder": model}, card, data=data)
