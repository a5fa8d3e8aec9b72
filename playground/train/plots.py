"""Per-epoch pictures of a run: the sample grid and the loss curves."""

from __future__ import annotations

import warnings
from pathlib import Path

import torch
from torchvision.utils import save_image


def save_sample_grid(images: torch.Tensor, path: Path, nrow: int = 10) -> None:
    """(N, C, H, W) in [-1, 1] → one PNG, `nrow` images per row."""
    path.parent.mkdir(parents=True, exist_ok=True)
    save_image(images.detach().float().cpu(), path, nrow=nrow, normalize=True, value_range=(-1, 1), padding=2)


def save_loss_curve(history: list[dict[str, float]], path: Path, title: str) -> None:
    """One line per logged quantity against epochs; skipped with a warning where matplotlib is absent
    (e.g. on a bare training machine): the numbers are in the checkpoint's history either way."""
    if not history:
        return
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        warnings.warn("matplotlib is not installed: loss curve PNG skipped", stacklevel=2)
        return
    keys = [k for k in history[0] if k not in ("step", "epoch")]
    epochs = [h["epoch"] for h in history]
    fig, ax = plt.subplots(figsize=(7, 3.5), dpi=100)
    for k in keys:
        ax.plot(epochs, [h[k] for h in history], label=k, linewidth=1.2)
    ax.set_xlabel("epoch")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
