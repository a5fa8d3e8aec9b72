"""The loop's progress file, fixed-noise grid every N steps, and steering by signals (playground/train/control.py)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from playground.checkpoints import read_state
from playground.train.__main__ import main as train_main
from playground.train.gan import DCGANRecipe

REPO = Path(__file__).resolve().parent.parent
TINY = ["--model", "g_width=8", "--model", "d_width=8", "--model", "latent_dim=8", "--batch-size", "16"]


def args_for(data_dir: Path, run_dir: Path, *extra: str) -> list[str]:
    return ["dcgan", "--dataset", "mnist", "--data-dir", str(data_dir), "--run-dir", str(run_dir), "--log-every", "2",
            *TINY, *extra]  # fmt: skip


def events(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def weights(run_dir: Path) -> dict[str, torch.Tensor]:
    return load_file(str(run_dir / "dcgan-mnist.safetensors"))


def same(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_progress_file_and_a_grid_every_n_steps_leave_the_weights_alone(fixture_data_dir, tmp_path):
    plain, watched = tmp_path / "plain", tmp_path / "watched"
    assert train_main(args_for(fixture_data_dir, plain, "--epochs", "2", "--steps-per-epoch", "5")) == 0
    log = watched / "progress.jsonl"
    extra = ["--epochs", "2", "--steps-per-epoch", "5", "--progress-file", str(log), "--sample-every", "2"]
    assert train_main(args_for(fixture_data_dir, watched, *extra)) == 0
    assert same(weights(plain), weights(watched))  # watching does not change what is learnt

    seen = events(log)
    kinds = [e["event"] for e in seen]
    assert kinds[0] == "start" and kinds[-1] == "end" and seen[-1]["reason"] == "done"
    start = seen[0]
    assert start["total_steps"] == 10 and start["steps_per_epoch"] == 5 and start["images"] == 240
    logs = [e for e in seen if e["event"] == "log"]
    assert [e["step"] for e in logs] == [2, 4, 5, 7, 9, 10]
    assert all(set(e["losses"]) == {"loss_d", "loss_g"} and e["steps_per_s"] > 0 for e in logs)
    # the time left is the steps left at the measured rate (rounded to 0.1 s), and none at the end
    for e in logs:
        assert e["eta_s"] == pytest.approx((10 - e["step"]) / e["steps_per_s"], abs=0.06 + 0.01 * e["eta_s"])
    assert logs[-1]["eta_s"] == 0
    samples = [e["step"] for e in seen if e["event"] == "sample"]
    assert samples == [2, 4, 5, 6, 8, 10]  # every 2 steps, and at each checkpoint
    assert (watched / "samples" / "latest.png").stat().st_size > 0
    checkpoints = [e for e in seen if e["event"] == "checkpoint"]
    assert [(c["epoch"], c["step"]) for c in checkpoints] == [(1, 5), (2, 10)]
    assert checkpoints[-1]["export"] == str(watched / "dcgan-mnist")


def test_sigterm_mid_epoch_saves_and_resume_goes_on_from_that_step(fixture_data_dir, tmp_path, monkeypatch):
    straight, stopped = tmp_path / "straight", tmp_path / "stopped"
    run = ["--epochs", "2", "--steps-per-epoch", "4"]
    assert train_main(args_for(fixture_data_dir, straight, *run)) == 0

    step, calls = DCGANRecipe.step, []

    def step_then_sigterm(self, *a, **k):
        losses = step(self, *a, **k)
        calls.append(1)
        if len(calls) == 6:  # the second step of the second epoch
            signal.raise_signal(signal.SIGTERM)
        return losses

    monkeypatch.setattr(DCGANRecipe, "step", step_then_sigterm)
    log = stopped / "progress.jsonl"
    assert train_main(args_for(fixture_data_dir, stopped, *run, "--progress-file", str(log))) == 0
    assert len(calls) == 6  # it stopped right after the step it was in
    assert events(log)[-1]["reason"] == "stopped" and events(log)[-1]["step"] == 6
    progress = read_state(stopped / "last")["progress"]
    assert (progress["epoch"], progress["epoch_step"], progress["step"]) == (1, 2, 6)
    card = json.loads((stopped / "dcgan-mnist.json").read_text())
    assert card["steps"] == 6 and card["epochs"] == 1  # the export is there at once, usable by the app
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # the loop gave the signal back

    monkeypatch.setattr(DCGANRecipe, "step", step)
    assert train_main(args_for(fixture_data_dir, stopped, *run, "--resume", "--progress-file", str(log))) == 0
    assert same(weights(straight), weights(stopped))  # exactly the uninterrupted run
    resumed = [e for e in events(log) if e["event"] == "start"][-1]
    assert resumed["resumed"] and resumed["step"] == 6


def test_time_limit_stops_and_saves(fixture_data_dir, tmp_path):
    log = tmp_path / "progress.jsonl"
    extra = ["--epochs", "50", "--time-limit", "0.5", "--progress-file", str(log)]
    assert train_main(args_for(fixture_data_dir, tmp_path, *extra)) == 0
    end = events(log)[-1]
    assert end["reason"] == "time-limit" and 0 < end["step"] < 50 * 15
    assert json.loads((tmp_path / "dcgan-mnist.json").read_text())["steps"] == end["step"]


def test_an_error_ends_the_progress_file_with_its_message(tmp_path):
    log = tmp_path / "progress.jsonl"
    code = train_main(["dcgan", "--dataset", str(tmp_path / "nowhere"), "--run-dir", str(tmp_path),
                       "--progress-file", str(log)])  # fmt: skip
    assert code == 1
    end = events(log)[-1]
    assert end["event"] == "end" and end["reason"] == "error" and "nowhere" in end["message"]


def start(cmd: list[str], **kwargs) -> subprocess.Popen:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            **kwargs)  # fmt: skip


def wait_for(predicate, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_pause_and_stop_by_signals_in_a_real_process(fixture_data_dir, tmp_path):
    log = tmp_path / "progress.jsonl"
    cmd = [sys.executable, "-m", "playground.train",
           *args_for(fixture_data_dir, tmp_path, "--epochs", "200", "--progress-file", str(log))]  # fmt: skip
    process = start(cmd)
    try:
        wait_for(lambda: any(e["event"] == "log" for e in events(log)))
        began = time.monotonic()
        process.send_signal(signal.SIGTSTP)
        wait_for(lambda: events(log)[-1]["event"] == "paused")
        at = events(log)[-1]["step"]
        time.sleep(2.0)
        assert [e["event"] for e in events(log)][-1] == "paused"  # nothing moves while paused
        process.send_signal(signal.SIGCONT)
        wait_for(lambda: any(e["event"] == "log" and e["step"] > at for e in events(log)))
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0, process.stderr.read()[-2000:]
        elapsed = time.monotonic() - began
    finally:
        process.kill()
    kinds = [e["event"] for e in events(log)]
    assert "resumed" in kinds and events(log)[-1]["reason"] == "stopped"
    card = json.loads((tmp_path / "dcgan-mnist.json").read_text())
    assert card["steps"] == events(log)[-1]["step"] > at
    progress = read_state(tmp_path / "last")["progress"]
    assert progress["wall_time_s"] < elapsed - 1.5  # the 2 s paused are not training time


def test_a_run_stops_and_saves_when_its_parent_is_gone(fixture_data_dir, tmp_path):
    log = tmp_path / "progress.jsonl"
    train = [
        sys.executable,
        "-m",
        "playground.train",
        *args_for(fixture_data_dir, tmp_path, "--epochs", "200", "--progress-file", str(log)),
        "--stop-with-parent",
    ]
    # a parent that starts the run, waits for its first log line, then exits without a word
    parent = f"""
import json, subprocess, sys, time
from pathlib import Path
subprocess.Popen({train!r}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
log = Path({str(log)!r})
while not (log.exists() and '"log"' in log.read_text()):
    time.sleep(0.05)
"""  # fmt: skip
    assert start([sys.executable, "-c", parent]).wait(timeout=90) == 0
    wait_for(lambda: events(log)[-1]["event"] == "end")
    assert events(log)[-1]["reason"] == "parent-gone"
    assert json.loads((tmp_path / "dcgan-mnist.json").read_text())["steps"] == events(log)[-1]["step"]


def test_help_documents_the_steering_flags(capsys):
    with pytest.raises(SystemExit):
        train_main(["dcgan", "--help"])
    out = capsys.readouterr().out
    for flag in ("--progress-file", "--sample-every", "--time-limit", "--stop-with-parent", "SIGTERM", "SIGTSTP",
                 "--channels"):  # fmt: skip
        assert flag in out
    assert "28" in out.split("--image-size")[1][:40]
