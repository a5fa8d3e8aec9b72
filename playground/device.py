"""Device choice, CPU threads and seeded randomness."""

from __future__ import annotations

import torch

from .errors import UserError
from .settings import DEVICE_CHOICES


def pick_device(name: str = "auto") -> torch.device:
    """'auto' prefers CUDA, then Apple's MPS, then the CPU; an explicit choice that is absent is an error."""
    if name not in DEVICE_CHOICES:
        raise UserError(f"device must be one of {', '.join(DEVICE_CHOICES)}, got {name!r}")
    cuda, mps = torch.cuda.is_available(), torch.backends.mps.is_available()
    if name == "auto":
        return torch.device("cuda" if cuda else "mps" if mps else "cpu")
    if (name == "cuda" and not cuda) or (name == "mps" and not mps):
        raise RuntimeError(f"--device {name} was asked for but no {name.upper()} device is available")
    return torch.device(name)


def use_threads(n: int) -> None:
    """Run this thread's torch work on `n` CPU threads. OpenMP keeps the count per calling thread, so one web
    worker can use every core for a heavy job while another answers a slider on one."""
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)


def seeded_generator(seed: int, device: torch.device | str = "cpu") -> torch.Generator:
    """A private RNG: the same seed gives the same numbers whatever else the process has drawn."""
    return torch.Generator(device=device).manual_seed(int(seed))
