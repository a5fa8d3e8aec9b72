"""Every hostile image the playground may be handed: a clear sentence or a correct picture, never a crash."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from playground.imaging import open_image


def png_header_bomb(side: int = 20_000) -> bytes:
    """A PNG whose header claims side × side pixels with almost no data behind it."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64))


def encoded(image: Image.Image, fmt: str, **kwargs) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **kwargs)
    return buffer.getvalue()


def exif_rotated_jpeg() -> bytes:
    """A 40×20 JPEG whose EXIF says 'rotate 90°': it should open as 20×40."""
    image = Image.new("RGB", (40, 20), (200, 30, 30))
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    return encoded(image, "JPEG", exif=exif.tobytes())


def animated_gif() -> bytes:
    frames = [Image.new("P", (16, 12), i) for i in range(3)]
    return encoded(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=50)


GOOD = {
    "1x1.png": (encoded(Image.new("RGB", (1, 1), (9, 9, 9)), "PNG"), (1, 1)),
    "16-bit.png": (encoded(Image.fromarray(np.full((10, 12), 40000, dtype=np.uint16)), "PNG"), (12, 10)),
    "cmyk.jpg": (encoded(Image.new("CMYK", (30, 20), (0, 255, 255, 0)), "JPEG"), (30, 20)),
    "palette.png": (encoded(Image.new("P", (8, 8), 3), "PNG"), (8, 8)),
    "rgba.png": (encoded(Image.new("RGBA", (8, 6), (255, 0, 0, 0)), "PNG"), (8, 6)),
    "la.png": (encoded(Image.new("LA", (5, 7), (100, 128)), "PNG"), (5, 7)),
    "animated.gif": (animated_gif(), (16, 12)),
    "exif-rotated.jpg": (exif_rotated_jpeg(), (20, 40)),
    "grey.webp": (encoded(Image.new("L", (33, 17), 90), "WEBP"), (33, 17)),
}

BAD = {
    "empty.png": (b"", "empty"),
    "truncated.png": (encoded(Image.new("RGB", (64, 64), (1, 2, 3)), "PNG")[:60], "not an image we can read"),
    "truncated.jpg": (encoded(Image.new("RGB", (64, 64)), "JPEG")[:100], "not an image we can read"),
    "text.png": (b"just some text, renamed", "not an image we can read"),
    "drawing.svg": (b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect/></svg>', "not an image"),
    "bomb.png": (png_header_bomb(), "megapixels are accepted"),
}


@pytest.fixture(autouse=True)
def _tmp_path_is_the_upload_folder(tmp_path, monkeypatch):
    """The files below stand in for uploads: open_image only opens files inside Gradio's upload folder."""
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path))


@pytest.mark.parametrize("name", sorted(GOOD))
def test_odd_but_valid_images_open_as_rgb(tmp_path, name):
    data, size = GOOD[name]
    path = tmp_path / name
    path.write_bytes(data)
    image = open_image(str(path))
    assert image.mode == "RGB" and image.size == size


def test_exif_rotation_and_transparency_are_honoured(tmp_path):
    (tmp_path / "r.jpg").write_bytes(exif_rotated_jpeg())
    assert open_image(tmp_path / "r.jpg").size == (20, 40)
    (tmp_path / "t.png").write_bytes(GOOD["rgba.png"][0])
    assert open_image(tmp_path / "t.png").getpixel((0, 0)) == (255, 255, 255)  # transparent → white page


@pytest.mark.parametrize("name", sorted(BAD))
def test_hostile_files_get_one_sentence(tmp_path, name):
    data, message = BAD[name]
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ValueError, match=message):
        open_image(str(path))


def test_size_caps_apply_before_decoding(tmp_path):
    path = tmp_path / "big.png"
    path.write_bytes(encoded(Image.new("RGB", (300, 300)), "PNG"))
    with pytest.raises(ValueError, match="limit is"):
        open_image(path, max_bytes=100)
    with pytest.raises(ValueError, match="300×300 pixels"):
        open_image(path, max_pixels=10_000)


@pytest.mark.parametrize("value", [None, "", 42, {"path": None}, {"no": "path"}])
def test_missing_uploads(value):
    with pytest.raises(ValueError, match=r"Upload an image|could not be read"):
        open_image(value)
