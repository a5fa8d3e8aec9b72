"""Datasets: Fashion-MNIST and MNIST from IDX(.gz) folders (or torchvision's download), and any folder
of the user's own images. Everything comes back as tensors in [-1, 1], the generators' tanh range."""

from __future__ import annotations

import gzip
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset, TensorDataset

from . import settings
from .errors import UserError

FASHION_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)  # fmt: skip
DIGIT_CLASSES = tuple(str(d) for d in range(10))

# Folder names a dataset may sit under, below a data dir: ours, Debian's, torchvision's.
_FOLDER_NAMES = {
    "fashion-mnist": ("fashion-mnist", "FashionMNIST/raw", "fashion_mnist"),
    "mnist": ("mnist", "mnist-5k", "MNIST/raw"),
}
_SPLIT_FILES = {"train": "train-{}-idx{}-ubyte", "test": "t10k-{}-idx{}-ubyte"}
SPLITS = ("train", "test", "all")  # "all" = train + test, for generators trained on a small subset
BUILTIN_DATASETS = tuple(_FOLDER_NAMES)


class DataUnavailable(RuntimeError):
    """No local copy of a dataset and no way to download one."""


@dataclass
class ImageData:
    """A dataset and what a model needs to know about it."""

    name: str
    dataset: Dataset  # yields (image (C, H, W) float in [-1, 1], label int64)
    class_names: tuple[str, ...]
    channels: int
    image_size: int

    def __len__(self) -> int:
        return len(self.dataset)  # type: ignore[arg-type]


def read_idx(path: Path) -> np.ndarray:
    """Read one IDX file (optionally gzip-compressed): magic 0x00 0x00 <dtype 0x08> <ndim>, big-endian dims."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise UserError(f"{path} is not an unsigned-byte IDX file")
    ndim = raw[3]
    dims = np.frombuffer(raw, dtype=">u4", count=ndim, offset=4).astype(int)
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        raise UserError(f"{path} is truncated: expected {int(np.prod(dims))} values, found {data.size}")
    return data.reshape(dims)


def write_idx(path: Path, array: np.ndarray) -> None:
    """Write a uint8 array as an IDX file (gzip-compressed when the name ends in .gz)."""
    header = bytes([0, 0, 0x08, array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wb") as f:
        f.write(header + np.ascontiguousarray(array, dtype=np.uint8).tobytes())


def _idx_file(folder: Path, split: str, kind: str) -> Path | None:
    stem = _SPLIT_FILES[split].format(kind, 3 if kind == "images" else 1)
    for candidate in (folder / f"{stem}.gz", folder / stem):
        if candidate.is_file():
            return candidate
    return None


def _candidate_folders(name: str, data_dir: Path | None) -> list[Path]:
    roots = [data_dir] if data_dir else []
    if os.environ.get(settings.DATA_ENV):
        roots.append(Path(os.environ[settings.DATA_ENV]).expanduser())
    roots += list(settings.SYSTEM_DATA_DIRS)
    folders = []
    for root in roots:
        folders.append(root)
        folders += [root / sub for sub in _FOLDER_NAMES[name]]
    return folders


def find_idx_folder(name: str, data_dir: Path | None = None) -> Path | None:
    """The first folder holding both splits' IDX files for `name`, or None."""
    for folder in _candidate_folders(name, data_dir):
        if all(_idx_file(folder, s, k) for s in _SPLIT_FILES for k in ("images", "labels")):
            return folder
    return None


def _download(name: str, split: str) -> tuple[np.ndarray, np.ndarray]:
    from torchvision import datasets

    cls = datasets.FashionMNIST if name == "fashion-mnist" else datasets.MNIST
    try:
        ds = cls(str(settings.DOWNLOAD_DIR), train=split == "train", download=True)
    except Exception as exc:  # torchvision raises RuntimeError/URLError/OSError when offline
        raise DataUnavailable(
            f"{name} was not found locally and could not be downloaded ({exc.__class__.__name__}). Either pass "
            f"--data-dir (or set {settings.DATA_ENV}) to a folder with the IDX files "
            f"(train-images-idx3-ubyte.gz, ...), or run once with internet so torchvision can download it "
            f"into {settings.DOWNLOAD_DIR}."
        ) from exc
    return ds.data.numpy(), ds.targets.numpy()


def load_arrays(name: str, split: str, data_dir: Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(N, 28, 28) uint8 images and (N,) uint8 labels of a built-in dataset's split."""
    if name not in _FOLDER_NAMES:
        raise UserError(f"unknown dataset {name!r}; built-in ones are {', '.join(BUILTIN_DATASETS)}")
    if split not in SPLITS:
        raise UserError(f"split must be one of {', '.join(SPLITS)}, got {split!r}")
    if split == "all":
        parts = [load_arrays(name, s, data_dir) for s in _SPLIT_FILES]
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
    folder = find_idx_folder(name, data_dir)
    if folder is None:
        return _download(name, split)
    images = read_idx(_idx_file(folder, split, "images"))  # type: ignore[arg-type]
    labels = read_idx(_idx_file(folder, split, "labels"))  # type: ignore[arg-type]
    if len(images) != len(labels):
        raise UserError(f"{folder}: {len(images)} images but {len(labels)} labels in the {split} split")
    return images, labels


def to_tanh_range(images: np.ndarray) -> torch.Tensor:
    """(N, H, W) uint8 → (N, 1, H, W) float32 in [-1, 1]."""
    return torch.from_numpy(images.astype(np.float32) / 127.5 - 1.0).unsqueeze(1)


def load_builtin(name: str, split: str = "train", data_dir: Path | None = None) -> ImageData:
    """Fashion-MNIST or MNIST held in memory (60k × 28 × 28 floats is under 200 MB)."""
    images, labels = load_arrays(name, split, data_dir)
    dataset = TensorDataset(to_tanh_range(images), torch.from_numpy(labels.astype(np.int64)))
    classes = FASHION_CLASSES if name == "fashion-mnist" else DIGIT_CLASSES
    return ImageData(name=name, dataset=dataset, class_names=classes, channels=1, image_size=images.shape[-1])


def load_image_folder(folder: Path, image_size: int = 64) -> ImageData:
    """A folder of the user's own images (one sub-folder per class, as torchvision's ImageFolder wants),
    resized and centre-cropped to `image_size` px, RGB."""
    from torchvision import datasets, transforms

    if image_size not in (32, 64):
        raise UserError(f"image folders are trained at 32 or 64 px, got {image_size}")
    if not Path(folder).is_dir():
        raise DataUnavailable(f"{folder} is not a folder of images")
    tf = transforms.Compose([
        transforms.Resize(image_size),
        transforms.CenterCrop(image_size),
        transforms.ToTensor(),
        transforms.Normalize((0.5,) * 3, (0.5,) * 3),
    ])  # fmt: skip
    dataset = datasets.ImageFolder(str(folder), transform=tf, loader=lambda p: _rgb(p))
    return ImageData(
        name=Path(folder).name, dataset=dataset, class_names=tuple(dataset.classes), channels=3, image_size=image_size
    )


def _rgb(path: str):
    from PIL import Image

    with Image.open(path) as im:
        return im.convert("RGB")


def load_dataset(name: str, split: str = "train", data_dir: Path | None = None, image_size: int = 64) -> ImageData:
    """A built-in dataset by name, or an image folder given as a path."""
    if name in _FOLDER_NAMES:
        return load_builtin(name, split, data_dir)
    return load_image_folder(Path(name), image_size)
