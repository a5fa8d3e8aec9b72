"""Conditional GAN (Mirza & Osindero): the label enters the generator as a learned embedding and the
discriminator as a projection (Miyato & Koyama 2018), which conditions far more reliably than
concatenating a one-hot map to the image. Optionally the discriminator also classifies (Odena et al.'s
AC-GAN), which pushes every sample firmly into its class."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from .blocks import ConvEncoder, ConvGenerator, sn_linear


@dataclass(kw_only=True)
class CGANConfig:
    latent_dim: int = 64
    num_classes: int = 10
    label_dim: int = 32
    channels: int = 1
    image_size: int = 28
    g_width: int = 64
    d_width: int = 64
    aux_classifier: bool = False  # D also predicts the class (AC-GAN's auxiliary classifier)


class CGANGenerator(nn.Module):
    def __init__(self, config: CGANConfig) -> None:
        super().__init__()
        self.config = config
        self.label_embedding = nn.Embedding(config.num_classes, config.label_dim)
        self.net = ConvGenerator(
            input_dim=config.latent_dim + config.label_dim, channels=config.channels,
            image_size=config.image_size, width=config.g_width,
        )  # fmt: skip

    def forward(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        # z: (B, latent_dim), labels: (B,) int64 → (B, C, H, W)
        return self.net(torch.cat([z, self.label_embedding(labels)], dim=1))


class CGANDiscriminator(nn.Module):
    def __init__(self, config: CGANConfig) -> None:
        super().__init__()
        self.encoder = ConvEncoder(channels=config.channels, image_size=config.image_size, width=config.d_width)
        self.head = sn_linear(self.encoder.feature_dim, 1)
        self.projection = spectral_norm(nn.Embedding(config.num_classes, self.encoder.feature_dim))
        self.classifier = nn.Linear(self.encoder.feature_dim, config.num_classes) if config.aux_classifier else None

    def forward(self, image: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        h = self.encoder(image)  # (B, F)
        logits = self.head(h).squeeze(1) + (self.projection(labels) * h).sum(dim=1)  # (B,) real/fake
        classes = self.classifier(h) if self.classifier is not None else None  # (B, K) or None
        return logits, classes
