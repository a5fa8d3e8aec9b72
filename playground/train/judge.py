"""Step function for the judge classifier (the evaluation network, not a generator)."""

from __future__ import annotations

from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from .. import data as datasets
from ..gradients import unwrap, update
from .augment import random_affine
from .recipe import Recipe


class JudgeRecipe(Recipe):
    family = "judge"
    shipped_roles = ("classifier",)
    defaults: ClassVar[dict[str, Any]] = {"epochs": 15, "batch_size": 128, "lr": 2e-3, "lr_decay": "cosine"}

    @classmethod
    def config_from_data(cls, data, args):
        return {**super().config_from_data(data, args), "num_classes": len(data.class_names)}

    @classmethod
    def add_arguments(cls, parser):
        parser.add_argument("--augment", type=float, default=1.0, help="augmentation strength (0 turns it off)")

    def build(self) -> dict[str, nn.Module]:
        from .. import models

        return {"classifier": models.build("judge", "classifier", self.config)}

    def optimizers(self, modules):
        return {"classifier": torch.optim.AdamW(modules["classifier"].parameters(), lr=self.args.lr, weight_decay=5e-4)}

    def step(self, modules, optimizers, images, labels, rng):
        a = self.args.augment
        if a > 0:
            images = random_affine(images, rng, degrees=10 * a, shift=0.08 * a, scale=0.1 * a)
        logits = modules["classifier"](images)
        loss = F.cross_entropy(logits, labels, label_smoothing=0.05)
        update(optimizers["classifier"], loss)
        return {"loss": loss.detach(), "accuracy": (logits.argmax(1) == labels).float().mean()}

    @torch.no_grad()
    def evaluate(self, modules):
        """Accuracy on the held-out test split."""
        test = datasets.load_builtin(self.data.name, "test", self.args.data_dir)
        images, labels = test.dataset.tensors  # type: ignore[attr-defined]
        return {"test_accuracy": classify_accuracy(unwrap(modules["classifier"]), images, labels, self.device)}

    def card_extras(self):
        return {"class_names": list(self.data.class_names)}


@torch.no_grad()
def classify_accuracy(
    classifier: nn.Module, images: torch.Tensor, labels: torch.Tensor, device, batch: int = 1000
) -> float:
    was_training = classifier.training
    classifier.eval()
    correct = 0
    for i in range(0, len(images), batch):
        logits = classifier(images[i : i + batch].to(device))
        correct += (logits.argmax(1).cpu() == labels[i : i + batch]).sum().item()
    classifier.train(was_training)
    return correct / len(images)
