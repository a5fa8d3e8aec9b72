"""Small MLPs for the Lab's 2-D GAN: points in the plane instead of images."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn


@dataclass(kw_only=True)
class ToyGANConfig:
    latent_dim: int = 2
    data_dim: int = 2
    hidden: int = 64
    layers: int = 2  # hidden layers in each network


def _mlp(d_in: int, d_out: int, hidden: int, layers: int) -> nn.Sequential:
    blocks: list[nn.Module] = []
    for i in range(layers):
        blocks += [nn.Linear(d_in if i == 0 else hidden, hidden), nn.LeakyReLU(0.2)]
    return nn.Sequential(*blocks, nn.Linear(hidden if layers else d_in, d_out))


def seeded(module: nn.Module, rng: torch.Generator) -> nn.Module:
    """`module` built without drawing from the global generator (construct it under `torch.device("meta")`),
    then given PyTorch's default Linear initialisation — weights and biases U(±1/√fan_in) — from `rng`."""
    module = module.to_empty(device="cpu")
    with torch.no_grad():
        for layer in module.modules():
            if isinstance(layer, nn.Linear):
                bound = 1 / math.sqrt(layer.in_features)
                layer.weight.uniform_(-bound, bound, generator=rng)
                layer.bias.uniform_(-bound, bound, generator=rng)
    return module


class ToyGenerator(nn.Module):
    def __init__(self, config: ToyGANConfig) -> None:
        super().__init__()
        self.config = config
        self.net = _mlp(config.latent_dim, config.data_dim, config.hidden, config.layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)  # (B, latent_dim) → (B, 2) points


class ToyDiscriminator(nn.Module):
    def __init__(self, config: ToyGANConfig) -> None:
        super().__init__()
        self.net = _mlp(config.data_dim, 1, config.hidden, config.layers)

    def forward(self, points: torch.Tensor) -> torch.Tensor:
        return self.net(points).squeeze(1)  # (B, 2) → (B,) logits (critic scores for WGAN-GP)
