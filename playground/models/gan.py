"""Unconditional GANs: the vanilla MLP GAN of Goodfellow et al. and DCGAN of Radford et al."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .blocks import ConvEncoder, ConvGenerator, MinibatchDiscrimination, sn_linear


@dataclass(kw_only=True)
class MLPGANConfig:
    latent_dim: int = 64
    channels: int = 1
    image_size: int = 28
    hidden: int = 512
    minibatch_kernels: int = 32  # the discriminator's minibatch-discrimination kernels; 0 turns it off


class MLPGenerator(nn.Module):
    def __init__(self, config: MLPGANConfig) -> None:
        super().__init__()
        self.config = config
        out = config.channels * config.image_size**2
        h = config.hidden
        self.net = nn.Sequential(
            nn.Linear(config.latent_dim, h // 2), nn.LeakyReLU(0.2),
            nn.Linear(h // 2, h), nn.LeakyReLU(0.2),
            nn.Linear(h, 2 * h), nn.LeakyReLU(0.2),
            nn.Linear(2 * h, out), nn.Tanh(),
        )  # fmt: skip

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        c = self.config
        # z: (B, latent_dim) → (B, C, H, W)
        return self.net(z).view(-1, c.channels, c.image_size, c.image_size)


class MLPDiscriminator(nn.Module):
    def __init__(self, config: MLPGANConfig) -> None:
        super().__init__()
        h = config.hidden
        self.features = nn.Sequential(
            nn.Flatten(),
            sn_linear(config.channels * config.image_size**2, h), nn.LeakyReLU(0.2),
            sn_linear(h, h // 2), nn.LeakyReLU(0.2),
        )  # fmt: skip
        k = config.minibatch_kernels
        self.minibatch = MinibatchDiscrimination(h // 2, k) if k else nn.Identity()
        self.head = sn_linear(h // 2 + k, 1)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.head(self.minibatch(self.features(image))).squeeze(1)  # (B,) logits


@dataclass(kw_only=True)
class DCGANConfig:
    latent_dim: int = 64
    channels: int = 1
    image_size: int = 28
    g_width: int = 64
    d_width: int = 64


class DCGANGenerator(nn.Module):
    def __init__(self, config: DCGANConfig) -> None:
        super().__init__()
        self.config = config
        self.net = ConvGenerator(
            input_dim=config.latent_dim, channels=config.channels,
            image_size=config.image_size, width=config.g_width,
        )  # fmt: skip

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)  # (B, latent_dim) → (B, C, H, W)


class DCGANDiscriminator(nn.Module):
    def __init__(self, config: DCGANConfig) -> None:
        super().__init__()
        self.encoder = ConvEncoder(channels=config.channels, image_size=config.image_size, width=config.d_width)
        self.head = sn_linear(self.encoder.feature_dim, 1)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.head(self.encoder(image)).squeeze(1)  # (B,) logits
