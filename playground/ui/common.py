"""Helpers every tab uses: friendly errors, shareable settings, output files."""

from __future__ import annotations

import dataclasses
import functools
import inspect
import json
import secrets
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import gradio as gr
from PIL import Image

from .. import controls, disk, settings
from ..errors import UserError
from ..imaging import upload_path

OUTPUT_DIR = settings.CACHE_DIR / "outputs"
KEEP_OUTPUTS = 200  # newest generated files kept for download; older ones are pruned
INVERSION_UPDATE_EVERY = 25  # optimisation steps between the pictures an inversion streams: each update saves
# and sends pictures (≈0.14 s on 2 cores); one every 10 steps made an API inversion 3.3 s instead of 1.9 s
ROOM_FOR_ONE = 4 * 2**20  # a generous bound on one generated file (a 1024² PNG is at most ~3 MB)
OUTPUTS = disk.BoundedFolder(
    OUTPUT_DIR,
    max_files=KEEP_OUTPUTS,
    max_bytes=settings.MAX_OUTPUT_BYTES,
    max_age_s=settings.MAX_OUTPUT_AGE_S,
    room=ROOM_FOR_ONE,
)


def friendly(fn: Callable) -> Callable:
    """Turn a UserError (bad input, missing weights, ...) into a gr.Error toast with its one sentence (the
    server keeps serving); pictures out as files."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return as_files(fn(*args, **kwargs))
        except UserError as exc:
            raise gr.Error(str(exc), print_exception=False) from None

    return wrapper


def friendly_stream(fn: Callable) -> Callable:
    """`friendly` for generator functions (streamed outputs)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        stream = fn(*args, **kwargs)
        try:
            for update in stream:
                yield as_files(update)
        except UserError as exc:
            raise gr.Error(str(exc), print_exception=False) from None
        finally:
            stream.close()  # closed by Gradio (stop, disconnect): the inner job stops now, not when collected

    return wrapper


def as_files(value: Any) -> Any:
    """PIL pictures (also inside tuples and lists, e.g. a gallery's) become PNGs with unique names.

    Gradio caches a returned PIL picture under a hash of its bytes and writes that file in place, so two
    visitors who get the same picture at the same moment (the same example, the same seed) race on one path
    and a download can read it half-written. A file path instead is copied into the cache atomically.
    """
    if isinstance(value, Image.Image):
        return save_png(value)
    if isinstance(value, tuple):
        return tuple(as_files(v) for v in value)
    if isinstance(value, list):
        return [as_files(v) for v in value]
    return value


# Pictures in this class fill their box however small they are (see ui/app.py's CSS).
ENLARGED = "enlarged"

# Sketchpads in this class open with the brush picked (ui/app.py's JS), so a first stroke draws: Gradio
# otherwise starts them on no tool and ignores the mouse until the brush is chosen.
DRAW_FIRST = "draw-first"


def sketchpad(label: str, *, side: int = 280, brush_size: int = 9, **kwargs: Any) -> gr.Sketchpad:
    """A square drawing pad, black ink on white, its canvas the size it is shown at (no zoomed-out 800² page)."""
    return gr.Sketchpad(
        label=label, type="numpy", canvas_size=(side, side), fixed_canvas=True, height=side + 110, width=side + 40,
        brush=gr.Brush(default_size=brush_size, colors=["#000000"], color_mode="fixed"), layers=False,
        elem_classes=[DRAW_FIRST], **kwargs,
    )  # fmt: skip


def output_image(label: str, **kwargs: Any) -> gr.Image:
    """A picture the app makes: download and full-screen buttons, never an upload box (also where another
    event reads it, as "Caption this" does)."""
    options = {"type": "filepath", "format": "png", "buttons": ["download", "fullscreen"], "interactive": False}
    return gr.Image(label=label, **{**options, **kwargs})


def before_after(label: str, **kwargs: Any) -> gr.ImageSlider:
    """A before/after view: drag the divider across a picture and the change made of it."""
    options = {"type": "filepath", "format": "png", "interactive": False}
    return gr.ImageSlider(label=label, **{**options, **kwargs})


def compare(before: Any, after: Any) -> tuple[str, str] | None:
    """The pair a before/after view shows, once both exist: both confined to the app's own folders (a request
    cannot point it at any other file)."""
    if not before or not after:
        return None
    return str(upload_path(before)), str(upload_path(after))


def seed_input(value: int = 0, **kwargs: Any) -> tuple[gr.Number, gr.Button]:
    """A seed box with its dice button beside it. precision=None by default: a bad value (1.5, -1) reaches
    the pipeline's check and gets its sentence instead of being rounded silently."""
    options = {"label": "Seed", "precision": None, "minimum": 0, "maximum": controls.MAX_SEED, "scale": 3}
    with gr.Row():
        seed = gr.Number(value=value, **{**options, **kwargs})
        dice = gr.Button("🎲 Random seed", scale=1)
    return seed, dice


def random_seed() -> int:
    """Any seed the pipelines accept (0 … controls.MAX_SEED), from the OS's randomness (no global state)."""
    return secrets.randbelow(controls.MAX_SEED + 1)


def picture_or_drawing(elem_id: str, side: int) -> tuple[gr.Image, gr.Sketchpad]:
    """A visitor's own item, side by side: an upload box (`<elem_id>-upload`) and a drawing pad (`<elem_id>-pad`)."""
    upload = gr.Image(label="Your picture", type="filepath", sources=["upload", "clipboard"], height=side,
                      elem_id=f"{elem_id}-upload")  # fmt: skip
    return upload, sketchpad("…or draw an item", side=side, elem_id=f"{elem_id}-pad")


def settings_text(used: Any, **renamed: str) -> str:
    """A settings dataclass as the JSON a visitor copies and pastes back; `renamed` maps a field to the key
    the API has always used for it (e.g. labels="classes"). Unset optional fields (a None latent) are left out."""
    return json.dumps({renamed.get(k, k): v for k, v in dataclasses.asdict(used).items() if v is not None})


def with_parameters(
    fn: Callable, names: Sequence[str], *, optional: Sequence[str] = (), request: bool = False
) -> Callable:
    """`fn(*values)` shown to Gradio — and so to gradio_client and MCP — as a function of these named
    parameters: where the number of inputs comes from a model card (one slider per code), or several
    endpoints share one list of inputs, each endpoint's parameters still have names. With `request`, Gradio
    also passes the visitor's gr.Request, which reaches `fn` as `request=`. The `optional` names follow,
    None when not given (a session's state, which examples do not pass)."""
    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    params = [inspect.Parameter(name, kind) for name in names]
    params += [inspect.Parameter(name, kind, default=None) for name in optional]
    names = [*names, *optional]
    if request:
        params.append(inspect.Parameter("request", kind, default=None, annotation=gr.Request))
    signature = inspect.Signature(params)

    def arguments(args: tuple, kwargs: dict) -> tuple[list, dict]:
        bound = signature.bind(*args, **kwargs)  # Gradio passes special arguments in their place
        bound.apply_defaults()
        values = bound.arguments
        return [values[name] for name in names], ({"request": values.get("request")} if request else {})

    if inspect.isgeneratorfunction(fn):

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            values, extra = arguments(args, kwargs)
            yield from fn(*values, **extra)
    else:

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            values, extra = arguments(args, kwargs)
            return fn(*values, **extra)

    wrapper = functools.wraps(fn)(wrapper)
    wrapper.__signature__ = signature  # type: ignore[attr-defined]
    wrapper.__annotations__ = {"request": gr.Request} if request else {}
    return wrapper


def output_path(suffix: str) -> Path:
    """A fresh file under the app's own output folder, once the oldest beyond KEEP_OUTPUTS and beyond
    settings.MAX_OUTPUT_AGE_S / MAX_OUTPUT_BYTES are gone (room is kept for a picture of the largest size)."""
    return OUTPUTS.new_path(suffix)


def save_json(value: Any) -> str:
    """A downloadable JSON file of `value` (settings beside an animation)."""
    path = output_path(".json")
    path.write_text(json.dumps(value, indent=1) + "\n")
    return str(path)


def save_png(image: Any) -> str:
    path = output_path(".png")
    image.save(path)
    return str(path)


class SessionJobs:
    """At most `limit` jobs at once per browser session (Gradio's session hash); one more gets a sentence."""

    def __init__(self, limit: int, busy: str) -> None:
        self.limit, self.busy = limit, busy
        self._running: Counter[str] = Counter()
        self._lock = threading.Lock()

    @contextmanager
    def slot(self, request: gr.Request | None) -> Iterator[None]:
        session = getattr(request, "session_hash", None) or ""
        if not session:  # no session (a direct Python call, or a raw HTTP call with none): nothing to count
            yield
            return
        with self._lock:
            if self._running[session] >= self.limit:
                raise UserError(self.busy)
            self._running[session] += 1
        try:
            yield
        finally:
            with self._lock:
                self._running[session] -= 1
                if self._running[session] <= 0:
                    del self._running[session]


def kept_files(demo: gr.Blocks) -> set[str]:
    """Files Gradio keeps for the whole run (examples, default values): never pruned from its upload folder."""
    return {str(path) for block in demo.blocks.values() for path in getattr(block, "keep_in_cache", ())}


MAX_UNREAD = 5  # a stream with this many messages nobody has read stops: its reader left or never came


def unread(demo: gr.Blocks, request: gr.Request | None) -> int:
    """Messages Gradio holds for this session that no client has read yet. Gradio has no public API for
    it, so this reads its queue's per-session message queues; 0 when they are not there."""
    pending = getattr(getattr(demo, "_queue", None), "pending_messages_per_session", None)
    session = getattr(request, "session_hash", None)
    messages = pending.get(session) if pending is not None and session else None
    return messages.qsize() if messages is not None else 0
