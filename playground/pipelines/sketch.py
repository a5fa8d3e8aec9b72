"""Sketch → fashion: a person's outline, made to look like the edge maps Pix2Pix learned from, then drawn in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image, ImageOps

from ..errors import UserError
from ..imaging import enlarge, open_image, to_pil
from .base import GeneratorPipeline


def sketch_to_edges(image: Image.Image, side: int = 28, canvas: int = 32) -> torch.Tensor:
    """Strokes (dark on light, or light on dark) → (1, 1, canvas, canvas) white outline on black in {-1, 1}:
    cropped to the ink, centred in a `side`-pixel square like a Fashion-MNIST item, binarised."""
    grey = image.convert("L")
    if np.asarray(grey).mean() > 127:  # dark strokes on a light page
        grey = ImageOps.invert(grey)
    ink = np.asarray(grey) > 64
    if ink.sum() < 3:
        raise UserError("Draw an outline first (the canvas is empty).")
    ys, xs = np.nonzero(ink)
    box = grey.crop((xs.min(), ys.min(), xs.max() + 1, ys.max() + 1))
    square_side = int(max(box.size) * 1.1) + 1
    square = Image.new("L", (square_side, square_side), 0)
    square.paste(box, ((square_side - box.width) // 2, (square_side - box.height) // 2))
    small = np.asarray(square.resize((side, side), Image.Resampling.LANCZOS), dtype=np.float32) / 255
    edges = np.full((canvas, canvas), -1.0, dtype=np.float32)
    offset = (canvas - side) // 2
    edges[offset : offset + side, offset : offset + side] = np.where(small > 0.2, 1.0, -1.0)
    return torch.from_numpy(edges)[None, None]


class SketchPipeline(GeneratorPipeline):
    scale = 8  # 32 px → 256 px

    def __init__(self, stem: Path, device: torch.device) -> None:
        super().__init__(stem, device)
        self.judge = self.shipped_judge()

    @torch.inference_mode()
    def item(self, image: Image.Image) -> tuple[Image.Image, Image.Image, str]:
        """(the edge map the model sees, the item it draws, what the judge classifier calls it)."""
        condition = sketch_to_edges(image).to(self.device)
        item = self.generator(condition)
        verdict = ""
        if self.judge is not None:
            probs = self.judge(item[..., 2:30, 2:30]).softmax(1)[0]  # the judge reads the central 28 × 28
            top = probs.topk(3)
            verdict = ", ".join(
                f"{self.class_names[i]} {p:.0%}" for p, i in zip(top.values.tolist(), top.indices.tolist(), strict=True)
            )
        return enlarge(to_pil(condition[0]), self.scale), enlarge(to_pil(item[0]), self.scale), verdict


def sketch_image(value: Any) -> Image.Image:
    """A Sketchpad/ImageEditor value (dict with a composite) or a picture → PIL."""
    if isinstance(value, dict):
        value = value.get("composite")
    if value is None:
        raise UserError("Draw an outline or upload one first.")
    if isinstance(value, (dict, str)):  # the editor's raw FileData (the event skips Gradio's preprocessing)
        return open_image(value)
    if isinstance(value, Image.Image):
        return value
    array = np.asarray(value)
    if array.ndim == 3 and array.shape[2] == 4:  # transparent background: ink is where alpha is
        alpha = array[..., 3:4].astype(np.float32) / 255
        array = (array[..., :3] * alpha + 255 * (1 - alpha)).astype(np.uint8)
    return Image.fromarray(array.astype(np.uint8))
