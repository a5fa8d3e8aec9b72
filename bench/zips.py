"""Zips of pictures for the Studio's tests and benchmarks, built from IDX files through playground.data."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from PIL import Image

from playground import data

# Two class folders of Fashion-MNIST pictures: clothes, and shoes and bags (the fixtures hold 32 of each class).
GROUPS = {"Clothes": (0, 1, 2, 3, 4, 6), "Shoes and bags": (5, 7, 8, 9)}


def fashion_zip(path: Path, data_dir: Path, *, per_class: int = 100, wrapper: str = "my-pictures") -> Path:
    """`path`: a zip of `per_class` Fashion-MNIST pictures (PNG) in each of two class folders, all under one
    wrapping folder, as a person zipping a folder makes it."""
    images, labels = data.load_arrays("fashion-mnist", "all", data_dir)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for folder, classes in GROUPS.items():
            picked = [i for i in range(len(labels)) if labels[i] in classes][:per_class]
            if len(picked) < per_class:
                raise ValueError(f"{data_dir} holds only {len(picked)} pictures for {folder!r}")
            for k, i in enumerate(picked):
                buffer = io.BytesIO()
                Image.fromarray(images[i]).save(buffer, "PNG")
                archive.writestr(f"{wrapper}/{folder}/{k:03d}.png", buffer.getvalue())
    return path
