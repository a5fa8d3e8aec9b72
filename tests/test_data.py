from __future__ import annotations

import gzip

import numpy as np
import pytest
import torch
from PIL import Image

from playground import data


def test_builtin_fixture_loads_in_tanh_range(fixture_data_dir):
    train = data.load_builtin("fashion-mnist", "train", fixture_data_dir)
    images, labels = train.dataset.tensors
    assert images.shape == (240, 1, 28, 28) and images.dtype == torch.float32
    assert images.min() >= -1 and images.max() <= 1
    assert torch.bincount(labels).tolist() == [24] * 10
    assert train.class_names[9] == "Ankle boot" and train.image_size == 28 and train.channels == 1


def test_all_split_concatenates_train_and_test(fixture_data_dir):
    assert len(data.load_builtin("mnist", "all", fixture_data_dir)) == 240 + 80


def test_idx_round_trip_and_truncation(tmp_path):
    array = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    path = tmp_path / "x-idx3-ubyte.gz"
    data.write_idx(path, array)
    np.testing.assert_array_equal(data.read_idx(path), array)
    with gzip.open(path, "rb") as f:
        raw = f.read()
    with gzip.open(path, "wb") as f:
        f.write(raw[:-5])
    with pytest.raises(ValueError, match="truncated"):
        data.read_idx(path)


def test_env_variable_is_a_data_source(fixture_data_dir, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_DATA", str(fixture_data_dir))
    assert data.find_idx_folder("mnist") == fixture_data_dir / "mnist"


def test_missing_data_names_both_ways_to_get_it(tmp_path, monkeypatch):
    import torchvision.datasets

    def offline(*args, **kwargs):
        raise RuntimeError("Error downloading train-images-idx3-ubyte.gz")

    monkeypatch.delenv("PLAYGROUND_DATA", raising=False)
    monkeypatch.setattr(data.settings, "SYSTEM_DATA_DIRS", ())
    monkeypatch.setattr(torchvision.datasets, "FashionMNIST", offline)
    with pytest.raises(data.DataUnavailable) as info:
        data.load_builtin("fashion-mnist", "train", tmp_path)
    message = str(info.value)
    assert "--data-dir" in message and "PLAYGROUND_DATA" in message and "download" in message


def test_unknown_dataset_and_split_are_rejected(fixture_data_dir):
    with pytest.raises(ValueError, match="unknown dataset"):
        data.load_arrays("cifar", "train", fixture_data_dir)
    with pytest.raises(ValueError, match="split"):
        data.load_arrays("mnist", "validation", fixture_data_dir)


def test_image_folder_is_resized_rgb(tmp_path):
    rng = np.random.default_rng(0)
    for cls, size, mode in (("cats", (50, 40), "RGB"), ("dogs", (33, 70), "L"), ("dogs", (64, 64), "RGBA")):
        (tmp_path / cls).mkdir(exist_ok=True)
        channels = len(mode)
        pixels = rng.integers(0, 255, size=(size[1], size[0], channels), dtype=np.uint8).squeeze()
        Image.fromarray(pixels, mode).save(tmp_path / cls / f"{size[0]}x{size[1]}.png")
    folder = data.load_dataset(str(tmp_path), image_size=32)
    assert folder.class_names == ("cats", "dogs") and folder.channels == 3 and len(folder) == 3
    for image, _ in folder.dataset:
        assert image.shape == (3, 32, 32) and image.min() >= -1 and image.max() <= 1
