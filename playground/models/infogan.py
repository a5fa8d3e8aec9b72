"""InfoGAN (Chen et al. 2016): the generator input is split into incompressible noise z, a categorical
code c and continuous codes u; an auxiliary head Q on the discriminator body recovers (c, u) from the
image, and maximising that mutual-information lower bound makes the codes meaningful."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .blocks import ConvEncoder, ConvGenerator, sn_linear


@dataclass(kw_only=True)
class InfoGANConfig:
    noise_dim: int = 62
    num_categories: int = 10
    num_continuous: int = 2
    channels: int = 1
    image_size: int = 28
    g_width: int = 64
    d_width: int = 64
    g_hidden: int = 0  # a fully connected layer before the convolutions, as in the paper (0 = none)
    d_hidden: int = 0  # a fully connected layer shared by the adversarial and Q heads (0 = none)

    @property
    def code_dim(self) -> int:
        return self.noise_dim + self.num_categories + self.num_continuous


def assemble_code(
    noise: torch.Tensor, category: torch.Tensor, continuous: torch.Tensor, num_categories: int
) -> torch.Tensor:
    """(B, noise_dim), category, (B, num_continuous) → (B, code_dim) generator input.

    `category` is either (B,) int64 indices or (B, K) weights over the categories (a blend of two one-hot
    codes, as when interpolating from one category to another)."""
    if category.dim() == 1:
        category = F.one_hot(category, num_categories)
    return torch.cat([noise, category.to(noise.dtype), continuous], dim=1)


def sample_codes(
    n: int, config: InfoGANConfig, rng: torch.Generator, device: torch.device | str
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The prior: noise ~ N(0, 1), category ~ uniform over K, continuous codes ~ U(-1, 1), as in the paper."""
    noise = torch.randn(n, config.noise_dim, generator=rng, device=device)
    category = torch.randint(config.num_categories, (n,), generator=rng, device=device)
    continuous = torch.rand(n, config.num_continuous, generator=rng, device=device) * 2 - 1
    return noise, category, continuous


class InfoGANGenerator(nn.Module):
    def __init__(self, config: InfoGANConfig) -> None:
        super().__init__()
        self.config = config
        self.net = ConvGenerator(
            input_dim=config.code_dim, channels=config.channels,
            image_size=config.image_size, width=config.g_width, hidden=config.g_hidden,
        )  # fmt: skip

    def forward(self, noise: torch.Tensor, category: torch.Tensor, continuous: torch.Tensor) -> torch.Tensor:
        return self.net(assemble_code(noise, category, continuous, self.config.num_categories))


class InfoGANDiscriminator(nn.Module):
    """Shared body with two heads: real/fake logit and Q's (category logits, continuous means)."""

    def __init__(self, config: InfoGANConfig) -> None:
        super().__init__()
        self.config = config
        self.encoder = ConvEncoder(channels=config.channels, image_size=config.image_size, width=config.d_width)
        features = self.encoder.feature_dim
        self.shared = nn.Identity()
        if config.d_hidden:
            self.shared = nn.Sequential(sn_linear(features, config.d_hidden), nn.LeakyReLU(0.2))
            features = config.d_hidden
        self.head = sn_linear(features, 1)
        self.q_head = nn.Sequential(
            nn.Linear(features, 128), nn.LeakyReLU(0.2),
            nn.Linear(128, config.num_categories + config.num_continuous),
        )  # fmt: skip

    def forward(self, image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        h = self.shared(self.encoder(image))
        q = self.q_head(h)
        k = self.config.num_categories
        # (B,) adversarial logits, (B, K) category logits, (B, num_continuous) continuous means
        return self.head(h).squeeze(1), q[:, :k], q[:, k:]
