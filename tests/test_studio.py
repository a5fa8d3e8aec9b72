"""The Studio's jobs: a run started as the page starts it is `python -m playground.train` (same checkpoint and
card, resumable from a shell), steered by signals, capped per visitor and per server, published for the app."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from bench.zips import fashion_zip
from playground import settings
from playground.device import ALL_CORES, use_cores
from playground.pipelines.store import Store
from playground.studio import jobs, uploads
from playground.studio.jobs import Studio, TrainSettings, new_visitor

REPO = Path(__file__).resolve().parent.parent
TINY = TrainSettings(epochs=2, batch_size=32, width=8, sample_every=2)


@pytest.fixture
def studio(tmp_path, tiny_checkpoints, monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    # uploads come from this test's folder (the app would take them from Gradio's upload folder only)
    monkeypatch.setattr(settings, "input_roots", lambda: (tmp_path.resolve(),))
    made = Studio(tmp_path / "runs", store=Store(tiny_checkpoints, torch.device("cpu")), device="cpu")
    yield made
    made.shutdown(timeout=30)


@pytest.fixture
def clothes(tmp_path, fixture_data_dir):
    return fashion_zip(tmp_path / "clothes.zip", fixture_data_dir)


def wait_for(predicate, timeout: float = 120.0, every: float = 0.2):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, "timed out"
        time.sleep(every)


def progress(studio: Studio, run: jobs.Run) -> jobs.Progress:
    studio.update(run)  # what the watcher thread does every second, now
    return run.progress


def weights(stem: Path) -> dict[str, torch.Tensor]:
    return load_file(f"{stem}.safetensors")


def same(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def shell(command: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    assert command.startswith("python -m playground.train ")
    return subprocess.run([sys.executable, *shlex.split(command)[1:]], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=300)  # fmt: skip


def test_a_page_run_is_the_training_loop_and_goes_on_from_the_shell(studio, clothes, tmp_path):
    visitor = new_visitor()
    preview = studio.prepare(visitor, "zip", str(clothes), image_size=28, channels=1, family="cgan")
    assert preview.counts == {"Clothes": 100, "Shoes and bags": 100}
    run = studio.start(visitor, "cgan", TINY)
    wait_for(lambda: progress(studio, run).last)  # the first losses are logged: it trains
    studio.stop(visitor)
    wait_for(lambda: not run.live)
    snap = studio.snapshot(visitor)
    assert snap.state == "stopped" and snap.model == run.store_name
    stopped_at = run.progress.end["step"]
    assert 0 < stopped_at < 12  # in the middle of the run

    # the run's folder is what `python -m playground.train` writes, with the loop's own card
    card = json.loads((run.folder / "cgan-clothes.json").read_text())
    assert card["family"] == "cgan" and card["class_names"] == ["Clothes", "Shoes and bags"]
    assert card["train_args"]["dataset"] == str(run.folder / "data") and card["steps"] == stopped_at
    assert {"config", "save_id", "git_commit", "wall_time_s", "roles"} <= set(card)
    assert "cgan-clothes epoch 1/2" in (run.folder / "train.log").read_text()

    # go on from a shell with the command the tab prints: exactly the run that was never stopped
    resume = next(line for line in snap.commands.splitlines() if line.endswith("--resume"))
    assert "--epochs 2" in resume and "--progress-file" not in resume
    done = shell(resume)
    assert done.returncode == 0, done.stderr[-2000:]
    straight = tmp_path / "straight"
    argv = [*run.meta["argv"]]
    argv[argv.index("--run-dir") + 1] = str(straight)
    done = subprocess.run([sys.executable, "-m", "playground.train", *argv], cwd=REPO, capture_output=True, text=True,
                          timeout=300, env={**os.environ, "OMP_NUM_THREADS": "1"})  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert same(weights(run.folder / "cgan-clothes"), weights(straight / "cgan-clothes"))
    assert json.loads((run.folder / "cgan-clothes.json").read_text())["steps"] == 12

    # the second-stage command starts from the run's weights
    stage = next(line for line in snap.commands.splitlines() if "--init-from" in line)
    assert f"--init-from {run.folder / 'last'}" in stage and "--run-dir" in stage


@pytest.mark.skipif(len(ALL_CORES) < 2, reason="placing threads on cores needs Linux and two cores or more")
def test_a_run_started_by_a_web_worker_on_the_python_core_trains_on_every_core(studio, clothes):
    visitor = new_visitor()
    studio.prepare(visitor, "zip", str(clothes), image_size=28, channels=1, family="cgan")

    def start() -> jobs.Run:
        use_cores({min(ALL_CORES)})  # where a light-lane worker runs (playground/ui/lanes.py)
        return studio.start(visitor, "cgan", TINY)

    with ThreadPoolExecutor(1) as pool:
        run = pool.submit(start).result()
    assert os.sched_getaffinity(run.process.pid) == ALL_CORES
    studio.stop(visitor)
    wait_for(lambda: not run.live)


def test_pause_stop_caps_publishing_and_download(studio, clothes, tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "STUDIO_MAX_JOBS", 1)
    visitor, other = new_visitor(), new_visitor()
    studio.prepare(visitor, "zip", str(clothes), image_size=32, channels=3, family="dcgan")
    run = studio.start(visitor, "dcgan", TrainSettings(epochs=50, batch_size=16, width=8, sample_every=3))

    # one job per visitor, and a server-wide cap, each in one sentence
    studio.prepare(visitor, "zip", str(clothes), image_size=28, channels=1, family="dcgan")
    with pytest.raises(ValueError, match="You already have a training job running"):
        studio.start(visitor, "dcgan", TINY)
    studio.prepare(other, "zip", str(clothes), image_size=28, channels=1, family="dcgan")
    with pytest.raises(ValueError, match=r"The server is already training 1 models, the most it runs at once"):
        studio.start(other, "dcgan", TINY)

    wait_for(lambda: progress(studio, run).sample_step >= 3)
    assert studio.snapshot(visitor).state == "training"
    studio.pause(visitor)
    wait_for(lambda: progress(studio, run).paused)
    at = run.progress.step
    time.sleep(1.5)
    assert progress(studio, run).step == at and studio.snapshot(visitor).state == "paused"
    studio.resume(visitor)
    wait_for(lambda: progress(studio, run).step > at)
    assert studio.snapshot(visitor).model is None  # no checkpoint yet: nothing to use
    studio.stop(visitor)
    wait_for(lambda: not run.live)
    snap = studio.snapshot(visitor)
    assert snap.state == "stopped" and "saved" in snap.status and snap.model == run.store_name

    # the store serves it (for the pickers), as a 32 px colour DCGAN
    picture = studio.store.get(snap.model).grid(0, n=6)
    assert picture.width > 3 * 96
    assert studio.store.cards[snap.model]["config"]["channels"] == 3
    assert snap.model not in studio.store.names("dcgan")  # not listed to everyone
    assert studio.models(visitor, "dcgan") == [(snap.model_label, snap.model)]
    assert studio.models(other, "dcgan") == []

    # download: the weights and card the app loads, and the state to train on
    target = studio.download(visitor, tmp_path / "model.zip")
    names = set(zipfile.ZipFile(target).namelist())
    assert names == {f"dcgan-clothes/{n}" for n in ("dcgan-clothes.safetensors", "dcgan-clothes.json",
                                                     "dcgan-clothes.png", "last.safetensors", "last.json",
                                                     "README.txt")}  # fmt: skip

    # the cap is free again
    studio.start(other, "dcgan", TrainSettings(epochs=1, batch_size=32, width=8, steps_per_epoch=2))
    wait_for(lambda: studio.snapshot(other).state == "finished")
    assert studio.models(other, "dcgan")
    with pytest.raises(ValueError, match="has finished its 1 epochs; ask for more epochs"):
        studio.continue_run(other)
    again = studio.continue_run(other, 1)  # "Go on" on a finished run: --resume with one more epoch
    wait_for(lambda: not again.live and studio.snapshot(other).state == "finished")
    card = json.loads((again.folder / "dcgan-clothes.json").read_text())
    assert (card["epochs"], card["steps"]) == (2, 4) and studio.snapshot(other).model_label.endswith(
        "(2 epochs, 4 steps)"
    )

    # a restarted server finds both visitors' models again
    again = Studio(studio.runs_dir, store=Store(studio.store.checkpoint_dir, torch.device("cpu")), device="cpu")
    assert [name for _, name in again.models(visitor, "dcgan")] == [snap.model]
    assert again.snapshot(visitor).state == "stopped"


def test_a_failed_run_says_why(studio, tmp_path, monkeypatch):
    visitor = new_visitor()
    studio.prepare(visitor, "zip", str(fashion_zip(tmp_path / "c.zip", Path(__file__).parent / "fixtures")),
                   family="cgan")  # fmt: skip
    real = jobs.train_argv

    def without_data(*args, **kwargs):  # the pictures vanish between the check and the start
        argv = real(*args, **kwargs)
        argv[argv.index("--dataset") + 1] = str(tmp_path / "gone")
        return argv

    monkeypatch.setattr(jobs, "train_argv", without_data)
    run = studio.start(visitor, "cgan", TINY)
    wait_for(lambda: not run.live)
    snap = studio.snapshot(visitor)
    assert snap.state == "failed" and "gone is not a folder of images" in snap.status and snap.model is None


def test_bad_settings_and_missing_data_are_sentences(studio):
    visitor = new_visitor()
    with pytest.raises(ValueError, match="Pick the data first"):
        studio.start(visitor, "cgan", TINY)
    with pytest.raises(ValueError, match=r"Upload a \.zip of pictures first"):
        studio.prepare(visitor, "zip", None)
    with pytest.raises(ValueError, match="Epochs must be a whole number from 1 to"):
        TrainSettings.checked(0, 64, 32, 2e-4, 0)
    with pytest.raises(ValueError, match="reload the page"):
        studio.prepare("../../etc", "zip", None)
    with pytest.raises(ValueError, match="No training job of yours is running"):
        studio.stop(visitor)


def test_pruning_by_age_and_count(studio, monkeypatch):
    visitor = new_visitor()
    folder = studio.runs_dir / visitor
    made = []
    for k in range(7):
        run = folder / f"{k:012x}"
        run.mkdir(parents=True)
        (run / "studio.json").write_text(json.dumps({"id": run.name, "started": k}))
        (run / "progress.jsonl").write_text("")
        age = time.time() - 3600 * (10 - k)  # the first is 10 h old, the last 4 h
        for path in (run, run / "studio.json", run / "progress.jsonl"):
            os.utime(path, (age, age))
        made.append(run)
    monkeypatch.setattr(settings, "STUDIO_MAX_RUN_AGE_S", 9 * 3600)
    monkeypatch.setattr(settings, "STUDIO_MAX_RUNS_PER_VISITOR", 4)
    removed = studio.prune()
    assert sorted(removed) == made[:3]  # one too old, two beyond the count
    assert sorted(p for p in folder.iterdir()) == made[3:]
    others = []
    for k in range(3):  # other visitors' runs, newer: the server-wide cap drops the oldest of all first
        run = studio.runs_dir / new_visitor() / f"{k:012x}"
        run.mkdir(parents=True)
        (run / "progress.jsonl").write_text("")
        others.append(run)
    monkeypatch.setattr(settings, "STUDIO_MAX_RUNS", 5)
    assert sorted(studio.prune()) == made[3:5]
    monkeypatch.setattr(settings, "STUDIO_MAX_RUN_AGE_S", 0)
    studio.prune(now=time.time() + 10)
    assert not folder.exists() and not any(r.exists() for r in others)  # empty visitor folders go too


def test_the_app_never_imports_the_training_code(tiny_checkpoints, tmp_path):
    probe = f"""
import sys, torch
from playground.pipelines.store import Store
from playground.ui.app import build_demo
build_demo(Store({str(tiny_checkpoints)!r}, torch.device("cpu")))
loaded = sorted(m for m in sys.modules if m == "playground.train" or m.startswith("playground.train."))
assert not loaded, loaded
print("ok")
"""
    env = {**os.environ, "PLAYGROUND_STUDIO_RUNS": str(tmp_path / "runs"), "PLAYGROUND_CACHE": str(tmp_path / "c")}
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=180, env=env)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]


def test_builtin_data_is_previewed_without_writing_pictures(studio, monkeypatch, fixture_data_dir):
    monkeypatch.setenv(settings.DATA_ENV, str(fixture_data_dir))
    assert ("Fashion-MNIST", "fashion-mnist") in uploads.builtin_choices()
    preview = studio.prepare(new_visitor(), "fashion-mnist")
    assert preview.total == 240 and len(preview.counts) == 10 and preview.counts["Bag"] == 24
    assert preview.image_size == 28 and preview.channels == 1 and preview.data_dir
    assert not list(studio.runs_dir.rglob("*.png"))
