"""CycleGAN (Zhu et al. 2017): a ResNet generator and a PatchGAN discriminator.

The generator's layout — one `nn.Sequential` named `model`, reflection padding, instance norm without
affine parameters, two stride-2 convolutions down and up, `n_blocks` residual blocks — matches the reference
implementation module for module, so its published `latest_net_G.pth` files load unchanged (ngf=64, 9 blocks).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

DOWNSAMPLINGS = 2  # the generator works on sides divisible by 2**DOWNSAMPLINGS = 4


def instance_norm(channels: int) -> nn.InstanceNorm2d:
    return nn.InstanceNorm2d(channels, affine=False, track_running_stats=False)


@dataclass(kw_only=True)
class CycleGANConfig:
    in_channels: int = 3
    out_channels: int = 3
    ngf: int = 64  # generator width
    n_blocks: int = 9  # residual blocks (9 for 256 px in the paper, 6 for 128 px)
    ndf: int = 64  # discriminator width
    d_layers: int = 3  # PatchGAN depth: 3 gives 70×70 receptive fields


class ResnetBlock(nn.Module):
    def __init__(self, dim: int) -> None:
        super().__init__()
        self.conv_block = nn.Sequential(
            nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, bias=True), instance_norm(dim), nn.ReLU(True),
            nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, bias=True), instance_norm(dim),
        )  # fmt: skip

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv_block(x)


class ResnetGenerator(nn.Module):
    def __init__(self, config: CycleGANConfig) -> None:
        super().__init__()
        self.config = config
        ngf = config.ngf
        layers: list[nn.Module] = [
            nn.ReflectionPad2d(3), nn.Conv2d(config.in_channels, ngf, 7, bias=True), instance_norm(ngf), nn.ReLU(True),
        ]  # fmt: skip
        for i in range(DOWNSAMPLINGS):
            c = ngf * 2**i
            layers += [nn.Conv2d(c, 2 * c, 3, stride=2, padding=1, bias=True), instance_norm(2 * c), nn.ReLU(True)]
        layers += [ResnetBlock(ngf * 2**DOWNSAMPLINGS) for _ in range(config.n_blocks)]
        for i in range(DOWNSAMPLINGS):
            c = ngf * 2 ** (DOWNSAMPLINGS - i)
            layers += [
                nn.ConvTranspose2d(c, c // 2, 3, stride=2, padding=1, output_padding=1, bias=True),
                instance_norm(c // 2), nn.ReLU(True),
            ]  # fmt: skip
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, config.out_channels, 7), nn.Tanh()]
        self.model = nn.Sequential(*layers)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.model(image)  # (B, C, H, W) in [-1, 1], H and W divisible by 4 → same shape


class PatchDiscriminator(nn.Module):
    """Classifies overlapping patches as real or fake: (B, C, H, W) → (B, 1, h, w) logits."""

    def __init__(self, config: CycleGANConfig) -> None:
        super().__init__()
        ndf = config.ndf
        layers: list[nn.Module] = [nn.Conv2d(config.out_channels, ndf, 4, stride=2, padding=1), nn.LeakyReLU(0.2, True)]
        mult = 1
        for n in range(1, config.d_layers + 1):
            previous, mult = mult, min(2**n, 8)
            stride = 2 if n < config.d_layers else 1
            layers += [
                nn.Conv2d(ndf * previous, ndf * mult, 4, stride=stride, padding=1, bias=True),
                instance_norm(ndf * mult), nn.LeakyReLU(0.2, True),
            ]  # fmt: skip
        layers += [nn.Conv2d(ndf * mult, 1, 4, stride=1, padding=1)]
        self.model = nn.Sequential(*layers)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.model(image)


def drop_instance_norm_stats(state: dict[str, torch.Tensor]) -> tuple[dict[str, torch.Tensor], list[str]]:
    """Old checkpoints (PyTorch < 0.4) saved running statistics for InstanceNorm layers that track none;
    drop them, as the reference test script does, and say which were dropped."""
    legacy = [k for k in state if k.endswith(("running_mean", "running_var", "num_batches_tracked"))]
    return {k: v for k, v in state.items() if k not in legacy}, legacy
