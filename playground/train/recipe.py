"""What the one training loop asks of a model family: a `Recipe` with a step function."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, ClassVar

import torch
from torch import nn

from .. import checkpoints, models
from ..data import ImageData, load_dataset


class Recipe:
    """One family's part of training. The loop owns data, devices, DDP, logging and checkpoints."""

    family: ClassVar[str]
    shipped_roles: ClassVar[tuple[str, ...]] = ("generator",)
    defaults: ClassVar[dict[str, Any]] = {"epochs": 20, "batch_size": 128, "lr": 2e-4, "lr_decay": "none"}

    def __init__(self, args: argparse.Namespace, data: ImageData, config: Any, device: torch.device) -> None:
        self.args, self.data, self.config, self.device = args, data, config, device

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        """Family-specific command-line flags."""

    @classmethod
    def load_data(cls, args: argparse.Namespace) -> ImageData:
        """The training set: a built-in dataset or an image folder (`--dataset`)."""
        return load_dataset(args.dataset, args.split, args.data_dir, args.image_size, getattr(args, "channels", 3))

    @classmethod
    def make_config(cls, data: ImageData, args: argparse.Namespace) -> Any:
        """The family's Config: what the data dictates, then --model overrides."""
        return models.make_config(cls.family, {**cls.config_from_data(data, args), **args.model})

    @classmethod
    def config_from_data(cls, data: ImageData, args: argparse.Namespace) -> dict[str, Any]:
        """Config fields the dataset dictates (image size, channels, number of classes)."""
        return {"channels": data.channels, "image_size": data.image_size}

    def build(self) -> dict[str, nn.Module]:
        raise NotImplementedError

    def optimizers(self, modules: dict[str, nn.Module]) -> dict[str, torch.optim.Optimizer]:
        """Adam with DCGAN's betas for every role, at --lr (or --lr-ROLE)."""
        return {
            role: torch.optim.Adam(m.parameters(), lr=self.lr(role), betas=(self.args.beta1, 0.999))
            for role, m in modules.items()
        }

    def lr(self, role: str) -> float:
        """--lr-g for the generator, --lr-d for the discriminator, else --lr."""
        flag = {"generator": "lr_g", "discriminator": "lr_d"}.get(role)
        return (getattr(self.args, flag, None) if flag else None) or self.args.lr

    def step(
        self, modules: dict[str, nn.Module], optimizers: dict[str, torch.optim.Optimizer],
        images: torch.Tensor, labels: torch.Tensor, rng: torch.Generator,
    ) -> dict[str, torch.Tensor]:  # fmt: skip
        """One optimisation step on a batch; returns detached losses by name."""
        raise NotImplementedError

    def after_step(self, modules: dict[str, nn.Module]) -> None:
        """Bookkeeping after each step (e.g. a moving average of weights)."""

    @torch.no_grad()
    def samples(self, modules: dict[str, nn.Module]) -> torch.Tensor | None:
        """A fixed-seed (N, C, H, W) batch in [-1, 1] for the per-epoch grid (10 per row), or None."""
        return None

    @torch.no_grad()
    def evaluate(self, modules: dict[str, nn.Module]) -> dict[str, float]:
        """Cheap end-of-epoch metrics for the progress log and the card."""
        return {}

    def card_extras(self) -> dict[str, Any]:
        return {}

    def export(self, modules: dict[str, nn.Module], stem: Path, card: dict[str, Any]) -> None:
        """Write the shipped form: the `shipped_roles` as safetensors beside the card."""
        checkpoints.save(stem, {role: modules[role] for role in self.shipped_roles}, card)
