from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
from PIL import Image

from playground.imaging import write_gif
from playground.pipelines.conditional import ConditionalPipeline
from playground.pipelines.latent import LatentPipeline, category_choices, category_labels, slerp
from playground.pipelines.store import Store

CPU = torch.device("cpu")


@pytest.fixture(scope="module")
def latent(tiny_checkpoints):
    return LatentPipeline(tiny_checkpoints / "infogan-mnist", CPU)


def pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image).astype(int)


def test_same_controls_same_pixels(latent):
    a, settings = latent.picture(42, category=3, codes=[0.5, -1.0])
    b, _ = latent.picture(42, category=3, codes=[0.5, -1.0])
    c, _ = latent.picture(43, category=3, codes=[0.5, -1.0])
    assert a.size == (280, 280)  # 28 px enlarged ×10, nearest-neighbour
    assert np.array_equal(pixels(a), pixels(b)) and not np.array_equal(pixels(a), pixels(c))
    assert dataclasses.asdict(settings) == {
        "model": "infogan-mnist", "seed": 42, "category": 3, "codes": [0.5, -1.0], "latent": None,
    }  # fmt: skip
    # nearest-neighbour: every 10×10 block is one flat colour
    block = pixels(a)[:10, :10]
    assert (block == block[0, 0]).all()


def test_category_labels_follow_the_evaluation_map(latent):
    labels = latent.category_labels()
    assert labels[0] == "3" and labels[5] == "9"
    assert [label for label, _ in category_choices(latent.card)] == [str(d) for d in range(10)]
    assert latent.check_category("9") == 5  # a label works as well as an index


@pytest.mark.parametrize(
    ("seed", "category", "codes", "message"),
    [
        (-1, 0, None, "seed must be a whole number"),
        (1e30, 0, None, "seed must be a whole number"),
        (float("nan"), 0, None, "finite"),
        ("abc", 0, None, "seed must be a number"),
        (1.5, 0, None, "whole number"),
        (0, 10, None, "Unknown category"),
        (0, "dragon", None, "Unknown category"),
        (0, 0, [3.0, 0.0], "Code 1 must be between -2 and 2"),
        (0, 0, [0.0, float("inf")], "finite"),
        (0, 0, [0.0], "2 continuous codes"),
    ],
)
def test_bad_controls_get_one_plain_sentence(latent, seed, category, codes, message):
    with pytest.raises(ValueError, match=message):
        latent.picture(seed, category=category, codes=codes)


def test_sweep_grid_shapes(latent):
    by_category = latent.sweep(1, category=0, codes=[0, 0], code=1, rows="categories", n=5)
    by_seed = latent.sweep(1, category=0, codes=[0, 0], code=0, rows="seeds", n=3, n_seeds=4)
    # rows of 112 px thumbnails (+ 4 px gaps) below a header row
    assert by_category.height > 10 * 112 and by_category.width > 5 * 112
    assert 4 * 112 < by_seed.height < 5 * 112 and 3 * 112 < by_seed.width < 4 * 112 + 200
    with pytest.raises(ValueError, match="columns"):
        latent.sweep(1, category=0, codes=[0, 0], n=100)


def test_interpolation_starts_and_ends_at_its_settings(latent):
    start = {"seed": 3, "category": 2, "codes": [1.0, 0.0]}
    end = {"seed": 9, "category": 7, "codes": [-1.0, 0.5]}
    for mode in ("spherical", "linear"):
        frames, film = latent.interpolation(start, end, n=6, mode=mode)
        assert len(frames) == 6 and film.width > 6 * 112
        first, _ = latent.picture(start["seed"], category=start["category"], codes=start["codes"])
        last, _ = latent.picture(end["seed"], category=end["category"], codes=end["codes"])
        assert np.abs(pixels(frames[0]) - pixels(first)).max() <= 2
        assert np.abs(pixels(frames[-1]) - pixels(last)).max() <= 2
    with pytest.raises(ValueError, match="frames"):
        latent.interpolation(start, end, n=1000)


def test_slerp_keeps_the_norm_between_equal_norm_vectors():
    a, b = torch.randn(64), torch.randn(64)
    b = b / b.norm() * a.norm()
    middle = slerp(a, b, 0.5)
    assert middle.norm() == pytest.approx(a.norm().item(), rel=1e-4)
    assert torch.allclose(slerp(a, b, 0.0), a, atol=1e-5) and torch.allclose(slerp(a, b, 1.0), b, atol=1e-5)


def test_gif_has_every_frame_and_bounces(tmp_path, latent):
    frames, _ = latent.interpolation({"seed": 1, "category": 0}, {"seed": 2, "category": 1}, n=5)
    path = write_gif(frames, tmp_path / "a.gif")
    with Image.open(path) as gif:
        assert gif.n_frames == 5 + 3 and gif.size == (280, 280)


def test_conditional_grid_and_judge_verdict(tiny_checkpoints):
    pipe = ConditionalPipeline(tiny_checkpoints / "cgan-mnist", CPU)
    grid, verdict, settings = pipe.grid(11, labels=["3", "8"], n=5)
    again, _, _ = pipe.grid(11, labels=["3", "8"], n=5)
    assert np.array_equal(pixels(grid), pixels(again))
    assert grid.height > 2 * 112 and grid.width > 5 * 112
    assert verdict.count("the judge agrees on") == 2 and "/5" in verdict
    assert dataclasses.asdict(settings) == {
        "model": "cgan-mnist",
        "seed": 11,
        "labels": ["3", "8"],
        "n": 5,
        "latent": None,
    }
    with pytest.raises(ValueError, match="Unknown class 'dragon'"):
        pipe.grid(1, labels=["dragon"], n=5)
    with pytest.raises(ValueError, match="at least one class"):
        pipe.grid(1, labels=[], n=5)
    with pytest.raises(ValueError, match="Samples per class"):
        pipe.grid(1, labels=["3"], n=500)


def test_store_loads_once_and_rejects_unknown_names(tiny_checkpoints):
    store = Store(tiny_checkpoints, CPU)
    assert store.names("infogan") == ["infogan-fashion-mnist", "infogan-mnist"]
    assert store.get("cgan-mnist") is store.get("cgan-mnist")
    with pytest.raises(ValueError, match="Unknown model"):
        store.get("../../etc/passwd")
    with pytest.raises(ValueError, match="Unknown model"):
        store.get("judge-mnist")  # not a pipeline family


def test_categories_are_named_by_what_the_judge_sees_and_unnamed_when_nothing_dominates():
    card = {
        "class_names": ["T-shirt/top", "Trouser", "Dress", "Bag"], "config": {"num_categories": 4},
        "category_to_class": [2, 1, 0, 3], "category_majority": [3, 1, 0, 0], "category_agreement": [0.61, 0.97, 0.38, 0.5],
    }  # fmt: skip
    assert category_labels(card) == [
        "Bag (61 %)",
        "Trouser (97 %)",
        "unnamed 2 (T-shirt/top? 38 %)",
        "T-shirt/top (50 %)",
    ]
    # the picker lists named categories in class order, the unnamed ones last
    assert [k for _, k in category_choices(card)] == [3, 1, 0, 2]
