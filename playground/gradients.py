"""Gradient-step helpers shared by the training recipes and the Lab's live 2-D GAN."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import nn


def unwrap(module: nn.Module) -> nn.Module:
    """The plain module behind a DistributedDataParallel wrapper (or the module itself)."""
    return getattr(module, "module", module)


@contextmanager
def frozen(module: nn.Module) -> Iterator[nn.Module]:
    """Use `module` without accumulating gradients in its parameters (e.g. D during the G step).

    Yields the unwrapped module: calling it bypasses DDP, so no gradient sync is set up for it."""
    params = [p for p in module.parameters() if p.requires_grad]
    for p in params:
        p.requires_grad_(False)
    try:
        yield unwrap(module)
    finally:
        for p in params:
            p.requires_grad_(True)


def update(optimizer: torch.optim.Optimizer, loss: torch.Tensor) -> None:
    """One gradient step of `loss` on the parameters `optimizer` holds."""
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
