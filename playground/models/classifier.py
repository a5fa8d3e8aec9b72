"""The judge: a small CNN classifier used only to evaluate generators (accuracy, FID features)."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn


@dataclass(kw_only=True)
class ClassifierConfig:
    num_classes: int = 10
    channels: int = 1
    image_size: int = 28
    width: int = 32
    feature_dim: int = 128
    dropout: float = 0.3


def _conv_block(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True),
        nn.Conv2d(c_out, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True),
        nn.MaxPool2d(2),
    )  # fmt: skip


class Classifier(nn.Module):
    def __init__(self, config: ClassifierConfig) -> None:
        super().__init__()
        self.config = config
        w = config.width
        self.body = nn.Sequential(
            _conv_block(config.channels, w),  # (B, w, H/2, W/2)
            _conv_block(w, 2 * w),  # (B, 2w, H/4, W/4)
            nn.Conv2d(2 * w, 4 * w, 3, padding=1), nn.ReLU(inplace=True),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(),  # (B, 4w)
            nn.Dropout(config.dropout),
            nn.Linear(4 * w, config.feature_dim), nn.ReLU(inplace=True),  # penultimate features
        )  # fmt: skip
        self.head = nn.Sequential(nn.Dropout(config.dropout), nn.Linear(config.feature_dim, config.num_classes))

    def features(self, image: torch.Tensor) -> torch.Tensor:
        return self.body(image)  # (B, feature_dim): the space FID is computed in

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(image))  # (B, num_classes) logits
