from __future__ import annotations

from pathlib import Path

import pytest
import torch

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def _quiet_threads():
    torch.set_num_threads(2)


@pytest.fixture
def fixture_data_dir() -> Path:
    """Balanced 240-train / 80-test slices of Fashion-MNIST and MNIST (tests/fixtures/make_fixtures.py)."""
    return FIXTURES


def save_tiny_checkpoints(folder: Path) -> Path:
    """Randomly initialised but real-format checkpoints (safetensors + cards) of every app family."""
    import dataclasses

    from playground import checkpoints, models
    from playground.data import DIGIT_CLASSES, FASHION_CLASSES

    torch.manual_seed(0)
    specs = [
        ("infogan-mnist", "infogan", "generator", models.InfoGANConfig(g_width=8, d_width=8), DIGIT_CLASSES),
        ("infogan-fashion-mnist", "infogan", "generator", models.InfoGANConfig(g_width=8, d_width=8), FASHION_CLASSES),
        ("cgan-mnist", "cgan", "generator", models.CGANConfig(g_width=8, d_width=8), DIGIT_CLASSES),
        ("judge-mnist", "judge", "classifier", models.ClassifierConfig(width=8, feature_dim=16), DIGIT_CLASSES),
    ]
    for name, family, role, config, classes in specs:
        card = {
            "name": name,
            "family": family,
            "config": dataclasses.asdict(config),
            "class_names": list(classes),
            "dataset": name.split("-", 1)[1],
            "epochs": 1,
            "steps": 1,
            "wall_time_s": 1.0,
            "train_images": 240,
        }
        if family == "infogan":
            card["category_to_class"] = [3, 1, 4, 0, 5, 9, 2, 6, 8, 7]
        checkpoints.save(folder / name, {role: models.build(family, role, config)}, card)
    return folder


@pytest.fixture(scope="session")
def tiny_checkpoints(tmp_path_factory) -> Path:
    return save_tiny_checkpoints(tmp_path_factory.mktemp("checkpoints"))
