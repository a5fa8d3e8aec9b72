"""Device choice, CPU threads and cores, and seeded randomness."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Collection
from pathlib import Path

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


# The cores this process may use, read once at import (in the main thread, before any thread is placed).
ALL_CORES: frozenset[int] = frozenset(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else frozenset()


CPU_MAX = Path("/sys/fs/cgroup/cpu.max")  # cgroup v2: "QUOTA PERIOD" in µs, or "max PERIOD" (no limit)


def cpu_quota() -> float | None:
    """How many CPUs' worth of time this process's container may use (its cgroup's quota), or None when there
    is no quota or no cgroup v2 to say."""
    try:
        quota, period = CPU_MAX.read_text().split()[:2]
        return None if quota == "max" else int(quota) / int(period)
    except (OSError, ValueError):
        return None


def use_cores(cores: Collection[int] | None, thread_id: int = 0) -> None:
    """Run a thread (the calling one, or the one with this native id) on `cores` only; None: on every core of
    ALL_CORES. Linux only: elsewhere, or where the system refuses, nothing changes."""
    if not ALL_CORES:
        return
    with contextlib.suppress(OSError):
        os.sched_setaffinity(thread_id, cores or ALL_CORES)


def seeded_generator(seed: int, device: torch.device | str = "cpu") -> torch.Generator:
    """A private RNG: the same seed gives the same numbers whatever else the process has drawn."""
    return torch.Generator(device=device).manual_seed(int(seed))
