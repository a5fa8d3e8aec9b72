"""Paths and limits in one place; every value can be overridden from the environment."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def _path(env: str, default: Path) -> Path:
    return Path(os.environ.get(env, str(default))).expanduser()


# Shipped model cards and safetensors weights.
CHECKPOINT_DIR = _path("PLAYGROUND_CHECKPOINTS", REPO_ROOT / "checkpoints")
# Example inputs (CC0 / public domain) and CSS.
ASSETS_DIR = REPO_ROOT / "assets"
# Downloaded third-party weights and generated files the app serves back.
CACHE_DIR = _path("PLAYGROUND_CACHE", REPO_ROOT / "cache")
# Training runs (resume checkpoints, sample grids, loss curves).
RUNS_DIR = _path("PLAYGROUND_RUNS", REPO_ROOT / "runs")

# Where IDX(.gz) datasets are looked for when no --data-dir is given (env first, then Debian's package).
DATA_ENV = "PLAYGROUND_DATA"
SYSTEM_DATA_DIRS = (Path("/usr/share/datasets"),)
# torchvision downloads land here when no local copy exists.
DOWNLOAD_DIR = _path("PLAYGROUND_DOWNLOADS", REPO_ROOT / "data")

# Upload limits: bytes before reading, pixels before decoding.
MAX_UPLOAD_BYTES = int(os.environ.get("PLAYGROUND_MAX_UPLOAD_BYTES", 20 * 1024 * 1024))
MAX_IMAGE_PIXELS = int(os.environ.get("PLAYGROUND_MAX_IMAGE_PIXELS", 40_000_000))
MAX_IMAGE_SIDE = int(os.environ.get("PLAYGROUND_MAX_IMAGE_SIDE", 1024))

# Never download anything (published weights are then only read from the cache).
OFFLINE = os.environ.get("PLAYGROUND_OFFLINE", "") not in ("", "0", "false", "False")

# Requests waiting in the queue, all events together: past this a visitor is told the app is busy (the API
# raises "Queue is full! Please try again.") instead of piling work onto a public link.
QUEUE_MAX_SIZE = int(os.environ.get("PLAYGROUND_QUEUE_MAX_SIZE", 64))
# Where the published CycleGAN generators are fetched from ({name} = the file's stem): the reference
# implementation's server, or a mirror of it.
CYCLEGAN_URL = os.environ.get(
    "PLAYGROUND_CYCLEGAN_URL", "http://efrosgans.eecs.berkeley.edu/cyclegan/pretrained_models/{name}.pth"
)
