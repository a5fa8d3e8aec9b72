"""Convolutional building blocks shared by the generator and discriminator families."""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm


def start_resolution(image_size: int) -> int:
    """Side of the first feature map: 28 px images grow from 7×7, powers of two from 4×4."""
    start = 7 if image_size % 7 == 0 else 4
    steps = math.log2(image_size / start)
    if not steps.is_integer() or steps < 1:
        raise ValueError(f"image_size must be 28, 56 or a power of two ≥ 8, got {image_size}")
    return start


def num_resamplings(image_size: int) -> int:
    """How many ×2 up-samplings turn the first feature map into the image."""
    return int(math.log2(image_size / start_resolution(image_size)))


class ConvGenerator(nn.Module):
    """DCGAN generator body: a latent vector → tanh image.

    Linear → (C0, s, s), then `num_resamplings` transposed convolutions that double the side and halve
    the channels; the last one outputs the image channels. BatchNorm + ReLU as in Radford et al.
    """

    def __init__(self, *, input_dim: int, channels: int, image_size: int, width: int, hidden: int = 0) -> None:
        super().__init__()
        self.start = start_resolution(image_size)
        steps = num_resamplings(image_size)
        self.start_channels = width * 2 ** (steps - 1)
        layers: list[nn.Module] = []
        if hidden:  # an extra fully connected layer, as in InfoGAN's generator, to mix the codes first
            layers += [nn.Linear(input_dim, hidden, bias=False), nn.BatchNorm1d(hidden), nn.ReLU(inplace=True)]
            input_dim = hidden
        self.project = nn.Sequential(
            *layers,
            nn.Linear(input_dim, self.start_channels * self.start**2, bias=False),
            nn.BatchNorm1d(self.start_channels * self.start**2),
            nn.ReLU(inplace=True),
        )
        layers: list[nn.Module] = []
        c = self.start_channels
        for _ in range(steps - 1):
            layers += [
                nn.ConvTranspose2d(c, c // 2, 4, stride=2, padding=1, bias=False),
                nn.BatchNorm2d(c // 2),
                nn.ReLU(inplace=True),
            ]
            c //= 2
        layers += [nn.ConvTranspose2d(c, channels, 4, stride=2, padding=1), nn.Tanh()]
        self.body = nn.Sequential(*layers)

    def forward(self, code: torch.Tensor) -> torch.Tensor:
        # code: (B, input_dim) → (B, channels, image_size, image_size) in [-1, 1]
        h = self.project(code).view(-1, self.start_channels, self.start, self.start)
        return self.body(h)


class ConvEncoder(nn.Module):
    """Discriminator body: image → flat feature vector, spectral-normalised, no BatchNorm.

    Spectral norm keeps the critic Lipschitz without batch statistics, so real and fake images can
    share one forward pass (one backward per step, which DistributedDataParallel needs).
    """

    def __init__(self, *, channels: int, image_size: int, width: int) -> None:
        super().__init__()
        steps = num_resamplings(image_size)
        layers: list[nn.Module] = []
        c_in, c_out = channels, width
        for _ in range(steps):
            layers += [spectral_norm(nn.Conv2d(c_in, c_out, 4, stride=2, padding=1)), nn.LeakyReLU(0.2)]
            c_in, c_out = c_out, c_out * 2
        self.body = nn.Sequential(*layers, nn.Flatten())
        self.feature_dim = c_in * start_resolution(image_size) ** 2

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        # image: (B, channels, H, W) → (B, feature_dim)
        return self.body(image)


def sn_linear(in_features: int, out_features: int) -> nn.Module:
    return spectral_norm(nn.Linear(in_features, out_features))


class MinibatchDiscrimination(nn.Module):
    """Salimans et al. (2016): each sample learns how close it is to the others of its group, so a
    discriminator can see that a generator draws the same item again and again (mode collapse).

    Groups are consecutive runs of `group` samples, never the whole batch: a step that puts real and
    fake pictures in one forward pass (real first) must not compare one with the other.
    """

    def __init__(self, in_features: int, kernels: int, kernel_dim: int = 8, group: int = 8) -> None:
        super().__init__()
        self.kernels, self.kernel_dim, self.group = kernels, kernel_dim, group
        self.T = nn.Parameter(torch.randn(in_features, kernels * kernel_dim) * 0.1)
        self.out_features = in_features + kernels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # x: (N, F) → (N, F + kernels)
        n = x.shape[0]
        g = self.group if n % self.group == 0 else n  # a batch that does not divide is one group
        m = (x @ self.T).view(n // g, g, self.kernels, self.kernel_dim)  # (groups, g, K, D)
        l1 = (m.unsqueeze(2) - m.unsqueeze(1)).abs().sum(-1)  # (groups, g, g, K)
        closeness = torch.exp(-l1).sum(2) - 1  # (groups, g, K); minus each sample's match with itself
        return torch.cat([x, closeness.view(n, self.kernels)], dim=1)
