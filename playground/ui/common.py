"""Helpers every tab uses: friendly errors, shareable settings, output files."""

from __future__ import annotations

import functools
import json
import random
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gradio as gr

from .. import settings
from ..checkpoints import CheckpointError

OUTPUT_DIR = settings.CACHE_DIR / "outputs"
KEEP_OUTPUTS = 200  # newest generated files kept for download; older ones are pruned

# Errors a visitor can cause or fix: shown as one sentence, never as a stack trace.
USER_ERRORS = (ValueError, CheckpointError)


def friendly(fn: Callable) -> Callable:
    """Turn a pipeline's ValueError into a gr.Error toast; the server keeps serving."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except USER_ERRORS as exc:
            raise gr.Error(str(exc), print_exception=False) from None

    return wrapper


def friendly_stream(fn: Callable) -> Callable:
    """`friendly` for generator functions (streamed outputs)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            yield from fn(*args, **kwargs)
        except USER_ERRORS as exc:
            raise gr.Error(str(exc), print_exception=False) from None

    return wrapper


def settings_text(settings_obj: Any) -> str:
    return json.dumps(settings_obj.as_json())


def random_seed() -> int:
    return random.randint(0, 2**31 - 1)


def output_path(suffix: str) -> Path:
    """A fresh file under the app's own output folder, pruning the oldest beyond KEEP_OUTPUTS."""
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    existing = sorted(OUTPUT_DIR.iterdir(), key=lambda p: p.stat().st_mtime)
    for old in existing[: max(0, len(existing) - KEEP_OUTPUTS + 1)]:
        old.unlink(missing_ok=True)
    return OUTPUT_DIR / f"{uuid.uuid4().hex}{suffix}"


def save_png(image: Any) -> str:
    path = output_path(".png")
    image.save(path)
    return str(path)
