from __future__ import annotations

import numpy as np
import pytest
import torch

from playground import toy_data
from playground.pipelines.lab import LabSettings, Toy2DTrainer
from playground.pipelines.lab_plot import SIDE, frame


@pytest.mark.parametrize("name", list(toy_data.BUILTIN))
def test_distributions_are_seeded_point_clouds(name):
    sample = toy_data.BUILTIN[name]
    a = sample(500, torch.Generator().manual_seed(1))
    b = sample(500, torch.Generator().manual_seed(1))
    assert a.shape == (500, 2) and torch.isfinite(a).all() and torch.equal(a, b)


def test_csv_points_with_header_and_errors():
    points = toy_data.points_from_csv("x,y\n0,1\n2.5,-3\n\n4,5\n")
    np.testing.assert_allclose(points, [[0, 1], [2.5, -3], [4, 5]])
    assert toy_data.points_from_csv("1;2\n3;4").shape == (2, 2)
    with pytest.raises(ValueError, match="Row 3"):
        toy_data.points_from_csv("x,y\n1,2\nhello,3\n")
    with pytest.raises(ValueError, match="at least 2 rows"):
        toy_data.points_from_csv("1,2\n")
    with pytest.raises(ValueError, match="not finite"):
        toy_data.points_from_csv("1,2\nnan,3\n")


def test_drawing_becomes_points_in_the_unit_box():
    canvas = np.full((100, 100, 4), 255, dtype=np.uint8)
    canvas[..., 3] = 0
    canvas[10:20, 80:90] = (0, 0, 0, 255)  # ink near the top right
    points = toy_data.points_from_drawing(canvas)
    assert len(points) == 100 and (points[:, 0] > 1).all() and (points[:, 1] > 1).all()
    with pytest.raises(ValueError, match="Draw"):
        toy_data.points_from_drawing(np.full((50, 50, 4), 0, dtype=np.uint8))


def test_fake_points_move_toward_the_gaussian():
    """The Lab's bar: drive the stream for N steps; losses stay finite and the energy distance falls."""
    torch.set_num_threads(1)
    trainer = Toy2DTrainer(LabSettings(distribution="gaussian", seed=0))
    before = trainer.distance()
    snapshots = list(trainer.stream(600, every=20))
    assert len(snapshots) == 30 and snapshots[-1].step == 600
    assert all(np.isfinite([h["loss_d"], h["loss_g"]]).all() for h in trainer.history)
    assert trainer.distance() < 0.25 * before
    assert snapshots[-1].surface.shape == (72, 72) and snapshots[-1].fake.shape == (512, 2)


@pytest.mark.parametrize("loss", ["lsgan", "wgan-gp"])
def test_other_losses_train_and_render(loss):
    trainer = Toy2DTrainer(LabSettings(distribution="ring", loss=loss, d_steps=2, hidden=32, seed=3))
    for _ in trainer.stream(50, every=10):
        pass
    picture = frame(trainer)
    assert picture.size == (2 * SIDE + 8, SIDE)
    assert np.isfinite([trainer.history[-1]["loss_d"], trainer.history[-1]["loss_g"]]).all()


def test_live_changes_and_bad_settings():
    trainer = Toy2DTrainer(LabSettings())
    trainer.update_live(LabSettings(lr_g=5e-4, d_steps=3))
    assert trainer.opt_g.param_groups[0]["lr"] == 5e-4 and trainer.settings.d_steps == 3
    with pytest.raises(ValueError, match="Unknown loss"):
        Toy2DTrainer(LabSettings(loss="hinge"))
    with pytest.raises(ValueError, match="Hidden units"):
        Toy2DTrainer(LabSettings(hidden=10**6))
    with pytest.raises(ValueError, match="custom"):
        Toy2DTrainer(LabSettings(distribution="custom"))


def test_custom_points_are_learned_from():
    points = np.array([[0, 0], [1, 1], [1, 0], [0, 1]], dtype=np.float32)
    trainer = Toy2DTrainer(LabSettings(distribution="custom"), points)
    real = trainer.real_preview.numpy()
    assert np.abs(real.round() - real).max() < 0.2  # jittered copies of the four corners


def test_a_long_run_exports_a_small_gif(tmp_path):
    """240 snapshots of a ring run: at most 60 evenly spaced frames of 64 colours, the last one included
    (every snapshot in full colour made a 17 MB file)."""
    from PIL import Image

    from playground.imaging import write_gif
    from playground.pipelines.lab_plot import film

    trainer = Toy2DTrainer(LabSettings(distribution="ring", hidden=16, layers=1))
    for _ in trainer.stream(240, every=1):
        pass
    frames = film(trainer, 60)
    assert len(trainer.snapshots) == 240 and len(frames) == 60
    assert np.array_equal(np.asarray(frames[-1]), np.asarray(frame(trainer, trainer.snapshots[-1])))
    assert len(film(trainer, 300)) == 240  # a short run keeps every frame
    path = write_gif(frames, tmp_path / "run.gif", bounce=False, colours=64)
    with Image.open(path) as gif:
        assert gif.n_frames == 60 and gif.size == (2 * SIDE + 8, SIDE)
    assert path.stat().st_size < 4 * 2**20


@pytest.mark.parametrize("loss", ["non-saturating", "lsgan", "wgan-gp"])
def test_runs_draw_only_from_their_own_generator(loss):
    """Two visitors' runs never share random state: the global generator is untouched, and two runs of one
    seed interleaved step by step agree exactly."""
    before = torch.get_rng_state()
    settings = LabSettings(distribution="moons", hidden=16, layers=1, loss=loss, seed=5)
    a, b = Toy2DTrainer(settings), Toy2DTrainer(settings)
    for _ in range(3):
        a.run(4)
        torch.rand(7)  # anything else drawing from the global generator in between changes nothing
        b.run(4)
    torch.set_rng_state(before)  # undo the test's own draws before comparing
    assert a.history == b.history
    assert torch.equal(a.fake_points(), b.fake_points())
    c = Toy2DTrainer(settings)
    c.run(4)
    assert torch.equal(torch.get_rng_state(), before)


def test_pause_stops_the_stream_at_the_next_step_and_shows_it():
    trainer = Toy2DTrainer(LabSettings(distribution="ring", hidden=16, layers=1))
    stream = trainer.stream(1000, every=10)
    assert next(stream).step == 10
    trainer.pause()  # between two pictures (as the Pause button does, from another request): nothing more runs
    assert list(stream) == [] and trainer.steps == 10
    step = trainer._step

    def pressed_mid_burst():
        losses = step()
        if trainer.steps == 13:
            trainer.pause()
        return losses

    trainer._step = pressed_mid_burst
    shown = list(trainer.stream(1000, every=10))
    assert trainer.steps == 13 and [s.step for s in shown] == [13]  # it stops there and shows that step
    assert len(list(trainer.stream(10, every=10))) == 1  # a new run starts unpaused
