"""Pix2Pix (Isola et al. 2017): a U-Net generator from a condition image (here an edge map) to a picture,
and a PatchGAN discriminator that judges (condition, picture) pairs patch by patch."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn


@dataclass(kw_only=True)
class Pix2PixConfig:
    in_channels: int = 1  # the condition (edge map)
    out_channels: int = 1
    image_size: int = 32  # a power of two: the U-Net halves it `depth` times
    ngf: int = 32
    depth: int = 4
    ndf: int = 32
    dropout: float = 0.5  # in the first decoder blocks: pix2pix's only source of randomness


class UNetGenerator(nn.Module):
    def __init__(self, config: Pix2PixConfig) -> None:
        super().__init__()
        self.config = config
        if config.image_size % 2**config.depth:
            raise ValueError(f"image_size must be divisible by 2**depth = {2**config.depth}")
        widths = [min(config.ngf * 2**i, config.ngf * 8) for i in range(config.depth)]
        self.down = nn.ModuleList()
        c_in = config.in_channels
        for i, w in enumerate(widths):
            layers: list[nn.Module] = [nn.Conv2d(c_in, w, 4, 2, 1, bias=i == 0)]
            if 0 < i < config.depth - 1:
                layers.append(nn.BatchNorm2d(w))
            layers.append(nn.LeakyReLU(0.2))
            self.down.append(nn.Sequential(*layers))
            c_in = w
        self.up = nn.ModuleList()
        for i in reversed(range(config.depth)):
            c_in = widths[i] if i == config.depth - 1 else 2 * widths[i]  # below the bottleneck: [upsampled, skip]
            if i == 0:
                self.up.append(nn.Sequential(nn.ConvTranspose2d(c_in, config.out_channels, 4, 2, 1), nn.Tanh()))
                continue
            out = widths[i - 1]
            block: list[nn.Module] = [nn.ConvTranspose2d(c_in, out, 4, 2, 1, bias=False), nn.BatchNorm2d(out)]
            if i >= config.depth - 2 and config.dropout:
                block.append(nn.Dropout(config.dropout))
            block.append(nn.ReLU())
            self.up.append(nn.Sequential(*block))

    def forward(self, condition: torch.Tensor) -> torch.Tensor:
        # condition: (B, in_channels, S, S) → (B, out_channels, S, S) in [-1, 1]
        skips, x = [], condition
        for block in self.down:
            x = block(x)
            skips.append(x)
        skips.pop()  # the bottleneck is not a skip
        for block in self.up:
            x = block(x)
            if skips:
                x = torch.cat([x, skips.pop()], dim=1)
        return x


class ConditionalPatchDiscriminator(nn.Module):
    """(condition, picture) → (B, 1, h, w) patch logits."""

    def __init__(self, config: Pix2PixConfig) -> None:
        super().__init__()
        d = config.ndf
        self.net = nn.Sequential(
            nn.Conv2d(config.in_channels + config.out_channels, d, 4, 2, 1), nn.LeakyReLU(0.2),
            nn.Conv2d(d, 2 * d, 4, 2, 1, bias=False), nn.BatchNorm2d(2 * d), nn.LeakyReLU(0.2),
            nn.Conv2d(2 * d, 4 * d, 4, 1, 1, bias=False), nn.BatchNorm2d(4 * d), nn.LeakyReLU(0.2),
            nn.Conv2d(4 * d, 1, 4, 1, 1),
        )  # fmt: skip

    def forward(self, condition: torch.Tensor, picture: torch.Tensor) -> torch.Tensor:
        return self.net(torch.cat([condition, picture], dim=1))


def pad_to(images: torch.Tensor, size: int) -> torch.Tensor:
    """Centre (B, C, h, w) images on a size × size black (-1) canvas."""
    h, w = images.shape[-2:]
    top, left = (size - h) // 2, (size - w) // 2
    return nn.functional.pad(images, (left, size - w - left, top, size - h - top), value=-1.0)


def edge_map(images: torch.Tensor, threshold: float = 0.35) -> torch.Tensor:
    """Sobel edges of (B, 1, H, W) images in [-1, 1] → (B, 1, H, W) in {-1, 1}: white outlines on black,
    the kind of picture a person sketches."""
    x = (images + 1) / 2
    kx = torch.tensor([[-1.0, 0, 1], [-2, 0, 2], [-1, 0, 1]], device=images.device).view(1, 1, 3, 3)
    gx = nn.functional.conv2d(x, kx, padding=1)
    gy = nn.functional.conv2d(x, kx.transpose(2, 3), padding=1)
    magnitude = (gx**2 + gy**2).sqrt()
    return (magnitude > threshold).float() * 2 - 1
