"""Paths and limits in one place; every value can be overridden from the environment."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def _path(env: str, default: Path) -> Path:
    return Path(os.environ.get(env, str(default))).expanduser()


# Where models may live (`--device`): auto picks CUDA, then Apple MPS, then the CPU.
DEVICE_CHOICES = ("auto", "cpu", "cuda", "mps")

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
# Lanes (playground/ui/lanes.py): how many heavy jobs run at once, and the CPU threads each uses (0 = share the
# cores among them). Light events and the Lab have lanes of their own, so a slider never waits behind these.
HEAVY_JOBS = int(os.environ.get("PLAYGROUND_HEAVY_JOBS", 0))  # 0: one per 4 cores, at least one
HEAVY_THREADS = int(os.environ.get("PLAYGROUND_HEAVY_THREADS", 0))
# The server's own Python (the web event loop, light events) on one core instead of all: its threads pass the GIL
# around, and across cores that cost 23 → 36 ms of CPU per slider call on 2 cores (docs/benchmarks.md). Heavy
# jobs and the Lab keep every core. 0 turns it off (so does a container's CPU quota below its visible cores).
PIN_PYTHON = os.environ.get("PLAYGROUND_PIN_PYTHON", "1") not in ("", "0", "false", "False")
QUEUE_MAX_SIZE = int(os.environ.get("PLAYGROUND_QUEUE_MAX_SIZE", 64))
# Where the published CycleGAN generators are fetched from ({name} = the file's stem): the reference
# implementation's server, or a mirror of it.
CYCLEGAN_URL = os.environ.get(
    "PLAYGROUND_CYCLEGAN_URL", "http://efrosgans.eecs.berkeley.edu/cyclegan/pretrained_models/{name}.pth"
)
# -- a public link: what one request may ask for, and what the disk may hold ----------------------------
# Any list a request sends (classes, style files, built-in styles, layers) is refused beyond this length.
MAX_REQUEST_ITEMS = int(os.environ.get("PLAYGROUND_MAX_REQUEST_ITEMS", 64))
# Pictures one request may generate (rows × columns, frames); every pipeline's caps stay within it.
MAX_IMAGES_PER_REQUEST = int(os.environ.get("PLAYGROUND_MAX_IMAGES_PER_REQUEST", 256))
# Lab: generator steps one call of "Step" may run, steps between two streamed pictures, steps per press of Train.
LAB_MAX_STEPS_PER_CALL = int(os.environ.get("PLAYGROUND_LAB_MAX_STEPS_PER_CALL", 50))
LAB_MAX_STEPS_PER_RUN = int(os.environ.get("PLAYGROUND_LAB_MAX_STEPS_PER_RUN", 20_000))
# Wall-clock limit of one long job (a Lab run, a Gatys optimisation): it then stops and says so.
MAX_JOB_SECONDS = float(os.environ.get("PLAYGROUND_MAX_JOB_SECONDS", 600))
# Lab jobs one browser session may run at once; more get "busy, try again".
LAB_JOBS_PER_SESSION = int(os.environ.get("PLAYGROUND_LAB_JOBS_PER_SESSION", 1))
# Captioners kept resident at once (the least recently used one is dropped).
MAX_RESIDENT_CAPTIONERS = int(os.environ.get("PLAYGROUND_MAX_RESIDENT_CAPTIONERS", 2))
# Disk: generated files and Gradio's upload folder are pruned by age and by total size.
MAX_OUTPUT_AGE_S = int(os.environ.get("PLAYGROUND_MAX_OUTPUT_AGE_S", 3600))
MAX_OUTPUT_BYTES = int(os.environ.get("PLAYGROUND_MAX_OUTPUT_BYTES", 200 * 2**20))
MAX_UPLOAD_AGE_S = int(os.environ.get("PLAYGROUND_MAX_UPLOAD_AGE_S", 3600))
MAX_UPLOAD_FOLDER_BYTES = int(os.environ.get("PLAYGROUND_MAX_UPLOAD_FOLDER_BYTES", 1024 * 2**20))
# How often the upload folder is swept (Gradio's delete_cache also runs at this period). Uploads land through
# Gradio's own route, so between two sweeps the folder can exceed its cap by what arrives in one period.
CLEAN_EVERY_S = int(os.environ.get("PLAYGROUND_CLEAN_EVERY_S", 10))


def upload_dir() -> Path:
    """Gradio's upload folder, computed as gradio.utils.get_upload_folder does (read at call time, so a
    test or a deployment can point GRADIO_TEMP_DIR elsewhere)."""
    return Path(os.environ.get("GRADIO_TEMP_DIR") or Path(tempfile.gettempdir()) / "gradio").resolve()


def output_dir() -> Path:
    """Generated files the app serves back (downloads, GIFs, pictures)."""
    return CACHE_DIR / "outputs"


def input_roots() -> tuple[Path, ...]:
    """The only folders a file named by a request may come from: uploads, our examples, our own outputs."""
    return (upload_dir(), ASSETS_DIR.resolve(), output_dir().resolve())


# -- the Studio tab: training from the page (playground/studio/) -----------------------------------------
# Every Studio run lives under this folder, one sub-folder per visitor: nothing a Studio job writes goes elsewhere.
STUDIO_RUNS_DIR = _path("PLAYGROUND_STUDIO_RUNS", RUNS_DIR / "studio")
# Training jobs at once on the whole server, and per visitor (a visitor is a browser, kept across reloads).
STUDIO_MAX_JOBS = int(os.environ.get("PLAYGROUND_STUDIO_MAX_JOBS", 2))
STUDIO_JOBS_PER_VISITOR = int(os.environ.get("PLAYGROUND_STUDIO_JOBS_PER_VISITOR", 1))
# Runs older than this (since their last write) are deleted, and a visitor keeps at most this many runs.
STUDIO_MAX_RUN_AGE_S = int(os.environ.get("PLAYGROUND_STUDIO_MAX_RUN_AGE_S", 7 * 24 * 3600))
STUDIO_MAX_RUNS_PER_VISITOR = int(os.environ.get("PLAYGROUND_STUDIO_MAX_RUNS_PER_VISITOR", 5))
# Runs kept on the whole server, all visitors together (the oldest go first; never a live one).
STUDIO_MAX_RUNS = int(os.environ.get("PLAYGROUND_STUDIO_MAX_RUNS", 100))
# One job's training time (it then stops and saves, as if Stop were pressed); epochs one job may ask for.
STUDIO_MAX_JOB_SECONDS = float(os.environ.get("PLAYGROUND_STUDIO_MAX_JOB_SECONDS", 3600))
STUDIO_MAX_EPOCHS = int(os.environ.get("PLAYGROUND_STUDIO_MAX_EPOCHS", 50))
# Where Studio jobs train: "auto" = the app's device (but the CPU on ZeroGPU, whose GPU only lives inside a call).
STUDIO_DEVICE = os.environ.get("PLAYGROUND_STUDIO_DEVICE", "auto")
# An uploaded .zip of pictures: its size, its entries, what it may expand to (declared sizes and the bytes
# actually read, both), one picture's bytes and pixels, all pictures' pixels, and the class folders.
STUDIO_MAX_ZIP_BYTES = int(os.environ.get("PLAYGROUND_STUDIO_MAX_ZIP_BYTES", MAX_UPLOAD_BYTES))
STUDIO_MAX_ZIP_ENTRIES = int(os.environ.get("PLAYGROUND_STUDIO_MAX_ZIP_ENTRIES", 5000))
STUDIO_MAX_UNZIPPED_BYTES = int(os.environ.get("PLAYGROUND_STUDIO_MAX_UNZIPPED_BYTES", 200 * 2**20))
STUDIO_MAX_PICTURE_BYTES = int(os.environ.get("PLAYGROUND_STUDIO_MAX_PICTURE_BYTES", 10 * 2**20))
STUDIO_MAX_PICTURE_PIXELS = int(os.environ.get("PLAYGROUND_STUDIO_MAX_PICTURE_PIXELS", 16_000_000))
STUDIO_MAX_TOTAL_PIXELS = int(os.environ.get("PLAYGROUND_STUDIO_MAX_TOTAL_PIXELS", 500_000_000))
STUDIO_MAX_CLASSES = int(os.environ.get("PLAYGROUND_STUDIO_MAX_CLASSES", 64))
