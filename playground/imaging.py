"""Pictures: safe opening of uploads, tensors to PIL, crisp enlargement, labelled grids and strips, GIFs."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont, ImageOps

from . import settings
from .errors import UserError

BACKGROUND = (255, 255, 255)
INK = (30, 30, 40)


def to_pil(image: torch.Tensor) -> Image.Image:
    """(C, H, W) in [-1, 1] → an 'L' (C = 1) or 'RGB' (C = 3) image."""
    array = ((image.detach().float().cpu().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    array = array.permute(1, 2, 0).numpy()
    return Image.fromarray(array[..., 0] if array.shape[2] == 1 else array, "L" if array.shape[2] == 1 else "RGB")


def to_item(image: Image.Image, side: int = 28) -> torch.Tensor:
    """Any picture → (1, 1, side, side) in [-1, 1] like Fashion-MNIST and MNIST: grey, light item on a dark
    ground (inverted when the picture is mostly light), padded to a square, `side` px."""
    grey = image.convert("L")
    if np.asarray(grey).mean() > 127:
        grey = ImageOps.invert(grey)
    square_side = max(grey.size)
    square = Image.new("L", (square_side, square_side), 0)
    square.paste(grey, ((square_side - grey.width) // 2, (square_side - grey.height) // 2))
    small = np.asarray(square.resize((side, side), Image.Resampling.LANCZOS), dtype=np.float32)
    return torch.from_numpy(small / 127.5 - 1)[None, None]


def enlarge(image: Image.Image, scale: int) -> Image.Image:
    """Nearest-neighbour enlargement: every generated pixel stays a crisp square."""
    return image.resize((image.width * scale, image.height * scale), Image.Resampling.NEAREST)


def difference(a: torch.Tensor, b: torch.Tensor) -> Image.Image:
    """Where two (C, H, W) pictures in [-1, 1] differ: black where equal, brighter red the more they differ."""
    gap = ((a.detach().float().cpu() - b.detach().float().cpu()).abs().mean(0) / 2).clamp(0, 1)  # (H, W) in [0, 1]
    red = (gap * 255).round().to(torch.uint8).numpy()
    return Image.fromarray(np.stack([red, red // 4, red // 4], -1), "RGB")


def font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


def labelled_grid(
    cells: Sequence[Sequence[Image.Image]],
    *,
    row_labels: Sequence[str] = (),
    column_labels: Sequence[str] = (),
    gap: int = 4,
    font_size: int = 14,
) -> Image.Image:
    """Rows of equally sized images on white, with optional labels left of each row and above each column."""
    cell_w, cell_h = cells[0][0].size
    draw_font = font(font_size)
    measure = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    label_w = max((int(measure.textlength(t, font=draw_font)) for t in row_labels), default=0)
    left = label_w + 2 * gap if row_labels else gap
    top = font_size + 2 * gap if column_labels else gap
    n_cols = max(len(r) for r in cells)
    grid = Image.new("RGB", (left + n_cols * (cell_w + gap), top + len(cells) * (cell_h + gap)), BACKGROUND)
    draw = ImageDraw.Draw(grid)
    for c, text in enumerate(column_labels):
        x = left + c * (cell_w + gap) + (cell_w - draw.textlength(text, font=draw_font)) / 2
        draw.text((x, gap), text, fill=INK, font=draw_font)
    for r, row in enumerate(cells):
        y = top + r * (cell_h + gap)
        if r < len(row_labels):
            draw.text((gap, y + (cell_h - font_size) / 2), row_labels[r], fill=INK, font=draw_font)
        for c, cell in enumerate(row):
            grid.paste(cell.convert("RGB"), (left + c * (cell_w + gap), y))
    return grid


def strip(frames: Sequence[Image.Image], gap: int = 2) -> Image.Image:
    """Frames side by side."""
    return labelled_grid([list(frames)], gap=gap)


def write_gif(
    frames: Sequence[Image.Image], path: Path, *, fps: float = 8.0, bounce: bool = True, colours: int | None = None
) -> Path:
    """An endlessly looping GIF; with `bounce` it plays forward then back, so the loop has no jump. `colours`
    reduces each frame to that many palette colours (no dithering): plots then compress several times better."""
    if colours:
        frames = [f.convert("RGB").quantize(colours, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
                  for f in frames]  # fmt: skip
    sequence = list(frames) + (list(frames)[-2:0:-1] if bounce else [])
    path.parent.mkdir(parents=True, exist_ok=True)
    sequence[0].save(
        path, save_all=True, append_images=sequence[1:], duration=int(1000 / fps), loop=0, optimize=False, disposal=1
    )
    return path


def write_mp4(frames: Sequence[Image.Image], path: Path, *, fps: float = 8.0, bounce: bool = True) -> Path:
    """An H.264 video of the frames (forward then back with `bounce`), each padded with white to sides that
    are multiples of 16, the size H.264 encodes in blocks of (through imageio's bundled ffmpeg)."""
    import imageio.v3 as iio

    sequence = list(frames) + (list(frames)[-2:0:-1] if bounce else [])
    width, height = (-(-side // 16) * 16 for side in sequence[0].size)
    padded = []
    for frame in sequence:
        canvas = Image.new("RGB", (width, height), BACKGROUND)
        canvas.paste(frame.convert("RGB"), (0, 0))
        padded.append(np.asarray(canvas))
    path.parent.mkdir(parents=True, exist_ok=True)
    iio.imwrite(path, np.stack(padded), fps=fps, codec="libx264", macro_block_size=16, plugin="FFMPEG")
    return path


# One sentence for every file a request names outside the allowed folders: it says nothing about the path
# (whether it exists, its size or type), so the server's files cannot be probed through it.
NOT_AN_UPLOAD = "That file was not uploaded here; upload it through the app and try again."


def upload_path(value: Any, *, roots: Sequence[Path] | None = None) -> Path:
    """The local path of an uploaded file, whether Gradio passed a path or its raw FileData dict.

    The path is resolved (symlinks, `..`) and must lie inside one of `roots` — by default Gradio's upload
    folder, our examples and our outputs (settings.input_roots) — before anything on disk is looked at.
    """
    if isinstance(value, dict):
        value = value.get("path")
    if not value or not isinstance(value, (str, Path)):
        raise UserError("Upload an image first.")
    try:
        path = Path(os.path.realpath(value))
    except (OSError, ValueError):  # e.g. an embedded NUL byte
        raise UserError(NOT_AN_UPLOAD) from None
    allowed = settings.input_roots() if roots is None else [Path(os.path.realpath(r)) for r in roots]
    if not any(path.is_relative_to(root) for root in allowed):
        raise UserError(NOT_AN_UPLOAD)
    return path


def check_upload_size(path: Path, max_bytes: int, what: str, empty: str = "The uploaded file is empty.") -> None:
    """Refuse an unreadable, empty or too large upload (`what` names it in the message) before reading it."""
    try:
        size = path.stat().st_size
    except OSError:
        raise UserError("The uploaded file could not be read; upload it again.") from None
    if size == 0:
        raise UserError(empty)
    if size > max_bytes:
        raise UserError(f"The {what} is {size / 2**20:.1f} MB; the limit is {max_bytes / 2**20:.0f} MB.")


def open_image(
    value: Any, *, max_bytes: int | None = None, max_pixels: int | None = None, roots: Sequence[Path] | None = None
) -> Image.Image:
    """Open an upload safely: confined to `roots` (see upload_path), size capped in bytes before reading
    and in pixels before decoding (a decompression bomb is refused from its header), EXIF orientation
    applied, converted to RGB."""
    max_bytes = settings.MAX_UPLOAD_BYTES if max_bytes is None else max_bytes
    max_pixels = settings.MAX_IMAGE_PIXELS if max_pixels is None else max_pixels
    path = upload_path(value, roots=roots)
    check_upload_size(path, max_bytes, "image")
    try:
        with Image.open(path) as image:
            width, height = image.size
            if width * height > max_pixels:
                raise UserError(
                    f"The image is {width}×{height} pixels; images up to {max_pixels / 1e6:.0f} megapixels are accepted."
                )
            image.seek(0)  # an animated image: its first frame
            image = ImageOps.exif_transpose(image)
            if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
                background = Image.new("RGB", image.size, BACKGROUND)
                rgba = image.convert("RGBA")
                background.paste(rgba, mask=rgba.getchannel("A"))
                return background
            if image.mode in ("I;16", "I;16B", "I;16L", "I"):
                image = image.point(lambda v: v / 256).convert("L")  # 16-bit grey → 8-bit
            return image.convert("RGB")
    except ValueError:
        raise
    except Image.DecompressionBombError:  # PIL's own guard, from the header, before any pixel is decoded
        raise UserError(
            f"The image is too large: images up to {max_pixels / 1e6:.0f} megapixels are accepted."
        ) from None
    except (OSError, SyntaxError):
        raise UserError("That file is not an image we can read (PNG, JPEG, WebP, GIF or BMP).") from None
