"""Autoencoders for 28×28 images: a stacked (MLP) autoencoder, a convolutional one, and a convolutional VAE.
A denoising autoencoder is either of the first two trained on corrupted inputs (the architecture is the same).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

KINDS = ("stacked", "conv", "vae")


@dataclass(kw_only=True)
class AEConfig:
    kind: str = "conv"  # stacked | conv | vae
    latent_dim: int = 16
    hidden: int = 512  # stacked: first hidden layer (the second is half of it)
    width: int = 32  # conv / vae: channels of the first convolution
    channels: int = 1
    image_size: int = 28


def _conv_encoder(c: AEConfig) -> nn.Sequential:
    w = c.width
    return nn.Sequential(
        nn.Conv2d(c.channels, w, 4, 2, 1), nn.LeakyReLU(0.2),  # (w, 14, 14)
        nn.Conv2d(w, 2 * w, 4, 2, 1), nn.BatchNorm2d(2 * w), nn.LeakyReLU(0.2),  # (2w, 7, 7)
        nn.Flatten(),
    )  # fmt: skip


def _conv_decoder(c: AEConfig, latent: int) -> nn.Sequential:
    w = c.width
    return nn.Sequential(
        nn.Linear(latent, 2 * w * 7 * 7), nn.ReLU(),
        nn.Unflatten(1, (2 * w, 7, 7)),
        nn.ConvTranspose2d(2 * w, w, 4, 2, 1), nn.BatchNorm2d(w), nn.ReLU(),  # (w, 14, 14)
        nn.ConvTranspose2d(w, c.channels, 4, 2, 1),  # (C, 28, 28) logits
    )  # fmt: skip


class Autoencoder(nn.Module):
    """encode: image in [-1, 1] → code (B, latent_dim); decode: code → image in [-1, 1];
    forward (for training): image → pixel logits, and for the VAE the posterior it sampled from."""

    def __init__(self, config: AEConfig) -> None:
        super().__init__()
        if config.kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {config.kind!r}")
        if config.image_size != 28:
            raise ValueError("the autoencoders are built for 28×28 images")
        self.config = config
        c, pixels = config, config.channels * config.image_size**2
        if c.kind == "stacked":
            h = c.hidden
            self.encoder = nn.Sequential(
                nn.Flatten(), nn.Linear(pixels, h), nn.ReLU(), nn.Linear(h, h // 2), nn.ReLU(), nn.Linear(h // 2, c.latent_dim)
            )  # fmt: skip
            self.decoder = nn.Sequential(
                nn.Linear(c.latent_dim, h // 2), nn.ReLU(), nn.Linear(h // 2, h), nn.ReLU(), nn.Linear(h, pixels),
                nn.Unflatten(1, (c.channels, c.image_size, c.image_size)),
            )  # fmt: skip
        else:
            features = 2 * c.width * 7 * 7
            out = 2 * c.latent_dim if c.kind == "vae" else c.latent_dim  # the VAE predicts a mean and a log-variance
            self.encoder = nn.Sequential(_conv_encoder(c), nn.Linear(features, out))
            self.decoder = _conv_decoder(c, c.latent_dim)

    def encode(self, image: torch.Tensor) -> torch.Tensor:
        """The code: for the VAE, the posterior mean."""
        return self.posterior(image)[0] if self.config.kind == "vae" else self.encoder(image)

    def posterior(self, image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """VAE only: (mean, log-variance), each (B, latent_dim)."""
        return self.encoder(image).chunk(2, dim=1)

    def decode_logits(self, code: torch.Tensor) -> torch.Tensor:
        return self.decoder(code)  # (B, C, H, W): Bernoulli logits of the pixels scaled to [0, 1]

    def decode(self, code: torch.Tensor) -> torch.Tensor:
        return self.decode_logits(code).sigmoid() * 2 - 1  # (B, C, H, W) in [-1, 1]

    def reconstruct(self, image: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(image))

    def forward(
        self, image: torch.Tensor, eps: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor | None]:
        """(pixel logits (B, C, H, W), posterior mean, log-variance); the VAE decodes mean + σ·eps."""
        if self.config.kind != "vae":
            return self.decode_logits(self.encoder(image)), None, None
        mean, logvar = self.posterior(image)
        code = mean if eps is None else mean + (0.5 * logvar).exp() * eps
        return self.decode_logits(code), mean, logvar


def to_unit(images: torch.Tensor) -> torch.Tensor:
    return (images + 1) / 2  # [-1, 1] → [0, 1]


def corrupt(images: torch.Tensor, sigma: float, rng: torch.Generator | None = None) -> torch.Tensor:
    """Additive Gaussian noise of std `sigma` on the [0, 1] scale, clipped back to the pixel range."""
    noise = torch.randn(images.shape, generator=rng, device=images.device) * (2 * sigma)
    return (images + noise).clamp(-1, 1)


def psnr(estimate: torch.Tensor, clean: torch.Tensor) -> float:
    """Peak signal-to-noise ratio in dB, pixels on [0, 1]."""
    mse = F.mse_loss(to_unit(estimate), to_unit(clean)).item()
    return 10 * math.log10(1 / max(mse, 1e-12))


def vae_terms(model: nn.Module, images: torch.Tensor, eps: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per image (B,): the reconstruction's negative log-likelihood (Bernoulli pixels, nats) at z = μ + σ·eps,
    and KL(q(z|x) ‖ N(0, I)). Their sum is the negative ELBO."""
    logits, mean, logvar = model(images, eps)
    nll = F.binary_cross_entropy_with_logits(logits, to_unit(images), reduction="none").flatten(1).sum(1)
    kl = -0.5 * (1 + logvar - mean**2 - logvar.exp()).sum(1)
    return nll, kl
