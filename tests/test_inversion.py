"""Your own picture in the latent space: inversion is seeded, improves on its start, and its result is a
point every control can edit (the settings carry the noise)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from playground.imaging import to_pil
from playground.pipelines.latent import LatentPipeline

CPU = torch.device("cpu")


@pytest.fixture(scope="module")
def latent(tiny_checkpoints):
    return LatentPipeline(tiny_checkpoints / "infogan-mnist", CPU)


@pytest.fixture(scope="module")
def target(latent):
    """A picture the generator can make exactly: inversion should get close to it."""
    picture, _ = latent.picture(5, category=2, codes=[0.5, -0.5])
    return picture


def run(latent, image, **kwargs):
    return list(latent.inversion(image, **kwargs))


def test_same_picture_and_seed_give_the_same_latent(latent, target):
    a, b = run(latent, target, seed=3, steps=20)[-1], run(latent, target, seed=3, steps=20)[-1]
    assert a.settings == b.settings and a.settings.latent is not None and len(a.settings.latent) == 62
    other = run(latent, target, seed=4, steps=20)[-1]
    assert other.settings.latent != a.settings.latent


def test_progress_every_ten_steps_and_the_loss_falls(latent, target):
    steps = run(latent, target, seed=0, steps=40)
    assert [s.step.step for s in steps] == [10, 20, 30, 40]
    assert steps[-1].step.loss < steps[0].step.loss
    assert steps[-1].target.shape == (1, 1, 28, 28) and steps[-1].step.picture.shape == (1, 1, 28, 28)


def test_the_result_is_a_point_the_controls_edit(latent, target):
    last = run(latent, target, seed=0, steps=30)[-1]
    used = last.settings
    again, settings = latent.picture(used.seed, category=used.category, codes=used.codes, latent=used.latent)
    # the picture drawn from the settings is the inversion's own reconstruction (10× enlarged)
    shown = np.asarray(to_pil(last.step.picture[0]).resize((280, 280), Image.Resampling.NEAREST)).astype(int)
    assert np.abs(np.asarray(again).astype(int) - shown).max() <= 1 and settings == used
    moved, _ = latent.picture(used.seed, category=used.category, codes=[1.5, used.codes[1]], latent=used.latent)
    assert not np.array_equal(np.asarray(moved), np.asarray(again))  # a code slider changes it
    frames, _ = latent.interpolation(used, {"seed": 7, "category": 1}, n=4)  # from my picture to seed 7
    assert np.array_equal(np.asarray(frames[0]), np.asarray(again))


def test_bad_latents_and_steps_get_a_sentence(latent, target):
    with pytest.raises(ValueError, match="62 numbers"):
        latent.picture(0, latent=[0.0] * 5)
    with pytest.raises(ValueError, match="latent value must be between"):
        latent.picture(0, latent=[99.0] * 62)
    with pytest.raises(ValueError, match="Steps must be a whole number"):
        run(latent, target, steps=5000)


def test_a_picture_found_in_one_class_is_drawn_as_every_class(tiny_checkpoints):
    from playground.pipelines.conditional import ConditionalPipeline

    cgan = ConditionalPipeline(tiny_checkpoints / "cgan-mnist", CPU)
    with torch.no_grad():
        target = to_pil(cgan.generator(torch.randn(1, cgan.config.latent_dim), torch.tensor([4]))[0])
    steps = list(cgan.inversion(target, label="4", seed=1, steps=20))
    last = steps[-1]
    assert last.label == "4" and len(last.settings.latent) == cgan.config.latent_dim
    assert last.settings.labels == cgan.class_names and last.settings.n == 1
    assert set(last.agreement) == set(cgan.class_names) and all(0 <= p <= 1 for p in last.agreement.values())
    again = list(cgan.inversion(target, label="4", seed=1, steps=20))[-1]
    assert again.settings == last.settings  # seeded: the same latent again
    grid, _, used = cgan.grid(0, labels=["1", "7"], n=5, latent=last.settings.latent)
    assert used.n == 1 and grid.width < 2 * 112 + 200  # one column: your picture
    with pytest.raises(ValueError, match="Unknown class"):
        next(cgan.inversion(target, label="dragon"))
