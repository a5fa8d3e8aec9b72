from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import torch
from safetensors.torch import load_file

from playground.checkpoints import read_state
from playground.train.__main__ import main as train_main

TINY = {
    "gan": ["--model", "hidden=32", "--model", "latent_dim=8"],
    "dcgan": ["--model", "g_width=8", "--model", "d_width=8", "--model", "latent_dim=8"],
    "cgan": ["--model", "g_width=8", "--model", "d_width=8", "--model", "latent_dim=8", "--aux-weight", "1"],
    "infogan": ["--model", "g_width=8", "--model", "d_width=8", "--model", "noise_dim=8", "--real-info-weight", "1"],
    "judge": ["--model", "width=8", "--model", "feature_dim=16"],
    "cyclegan": ["--model", "ngf=4", "--model", "n_blocks=1", "--model", "ndf=4", "--batch-size", "4"],
    "pix2pix": ["--model", "ngf=4", "--model", "ndf=4"],
}


def run(family, data_dir, run_dir, *extra):
    dataset = "fashion-mnist" if family == "cyclegan" else "mnist"  # CycleGAN pairs are Fashion-MNIST classes
    args = [family, "--dataset", dataset, "--data-dir", str(data_dir), "--run-dir", str(run_dir)]
    args += ["--batch-size", "16", "--log-every", "2", *TINY[family], *extra]
    return train_main(args)


def card(run_dir, name):
    return json.loads((run_dir / f"{name}.json").read_text())


def exported_args(run_dir, name):
    return card(run_dir, name)["train_args"]


@pytest.mark.parametrize("family", list(TINY))
def test_every_family_trains_and_exports(family, fixture_data_dir, tmp_path):
    assert run(family, fixture_data_dir, tmp_path, "--epochs", "1", "--steps-per-epoch", "4") == 0
    name = "cyclegan-sneaker-boot" if family == "cyclegan" else f"{family}-mnist"
    exported = card(tmp_path, name)
    assert exported["epochs"] == 1 and exported["steps"] == 4 and exported["family"] == family
    if family == "cyclegan":
        assert exported["domains"] == ["Sneaker", "Ankle boot"] and exported["class_names"] == exported["domains"]
        assert exported["dataset"] == "fashion-mnist" and exported["pair"] == "sneaker-boot"  # the judge to use
    else:
        assert exported["class_names"] == [str(d) for d in range(10)]
    assert (tmp_path / "losses.png").stat().st_size > 0
    history = json.loads((tmp_path / "last.json").read_text())
    assert history["state"]  # optimiser + progress state for --resume
    roles = {k.split(".")[0] for k in load_file(str(tmp_path / f"{name}.safetensors"))}
    if family == "judge":
        assert roles == {"classifier"}
        assert 0 <= exported["metrics"]["training"]["test_accuracy"] <= 1
    elif family == "cyclegan":
        assert roles == {"generator_ab", "generator_ba"}  # no discriminators in what ships
    else:
        assert roles == {"generator"}  # the shipped file carries no discriminator
        assert (tmp_path / "samples" / "epoch_001.png").exists() and (tmp_path / f"{name}.png").exists()


def test_classifier_loss_falls_on_a_tiny_overfit(fixture_data_dir, tmp_path):
    run(
        "judge", fixture_data_dir, tmp_path, "--epochs", "8", "--augment", "0", "--log-every", "15",
        "--lr", "2e-3", "--lr-decay", "none", "--model", "dropout=0.0", "--model", "width=16", "--model", "feature_dim=32",
    )  # fmt: skip
    losses = [h["loss"] for h in read_state(tmp_path / "last")["progress"]["history"]]
    assert all(torch.isfinite(torch.tensor(losses)))
    assert losses[-1] < 0.7 * losses[0]


def test_gan_losses_stay_finite(fixture_data_dir, tmp_path):
    run("dcgan", fixture_data_dir, tmp_path, "--epochs", "3")
    history = read_state(tmp_path / "last")["progress"]["history"]
    assert len(history) >= 6
    assert all(torch.isfinite(torch.tensor([h["loss_d"], h["loss_g"]])).all() for h in history)


def test_gan_feature_matching_and_label_smoothing_are_logged(fixture_data_dir, tmp_path):
    run("gan", fixture_data_dir, tmp_path, "--epochs", "1", "--feature-matching", "10", "--real-label", "0.9")
    history = read_state(tmp_path / "last")["progress"]["history"]
    assert history and all(h["feature_matching"] >= 0 for h in history)
    assert exported_args(tmp_path, "gan-mnist")["feature_matching"] == 10.0


def test_feature_matching_needs_discriminator_features(fixture_data_dir, tmp_path):
    with pytest.raises(SystemExit, match="needs a discriminator with `features`"):
        run("dcgan", fixture_data_dir, tmp_path, "--epochs", "1", "--feature-matching", "10")


def test_resume_continues_exactly(fixture_data_dir, tmp_path):
    straight, interrupted = tmp_path / "straight", tmp_path / "interrupted"
    run("infogan", fixture_data_dir, straight, "--epochs", "2", "--steps-per-epoch", "3")
    run("infogan", fixture_data_dir, interrupted, "--epochs", "1", "--steps-per-epoch", "3")
    run("infogan", fixture_data_dir, interrupted, "--epochs", "2", "--steps-per-epoch", "3", "--resume")
    a = load_file(str(straight / "infogan-mnist.safetensors"))
    b = load_file(str(interrupted / "infogan-mnist.safetensors"))
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    assert card(interrupted, "infogan-mnist")["epochs"] == 2


def test_init_from_starts_a_second_stage_from_earlier_weights(fixture_data_dir, tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    run("cgan", fixture_data_dir, first, "--epochs", "1", "--steps-per-epoch", "3")
    # lr 0: the second stage's steps cannot move a weight, so what it exports is what it started from
    run("cgan", fixture_data_dir, second, "--epochs", "1", "--steps-per-epoch", "2", "--lr", "0",
        "--aux-weight", "0.25", "--init-from", str(first / "last"))  # fmt: skip
    a, b = load_file(str(first / "cgan-mnist.safetensors")), load_file(str(second / "cgan-mnist.safetensors"))
    weights = [k for k in a if "running_" not in k and "num_batches" not in k]  # BatchNorm statistics still move
    assert weights and all(torch.equal(a[k], b[k]) for k in weights)
    exported = card(second, "cgan-mnist")
    assert exported["train_args"]["run_dir"] == str(second)  # outside the repository: kept as given
    earlier = exported["earlier_stage"]  # the card tells the whole history
    assert earlier["init_from"] == str(first / "last") and earlier["epochs"] == 1 and earlier["steps"] == 3
    assert exported["command"].startswith("python -m playground.train cgan --dataset mnist ")
    assert "--init-from" in exported["command"] and "--init-from" not in earlier["command"]
    assert "command" not in exported["train_args"]


def test_ema_ships_the_moving_average_of_the_generator(fixture_data_dir, tmp_path):
    run("cgan", fixture_data_dir, tmp_path, "--epochs", "1", "--steps-per-epoch", "5", "--ema", "0.5")
    state = load_file(str(tmp_path / "last.safetensors"))
    shipped = load_file(str(tmp_path / "cgan-mnist.safetensors"))
    averaged = {k.removeprefix("generator_ema."): v for k, v in state.items() if k.startswith("generator_ema.")}
    latest = {k.removeprefix("generator."): v for k, v in state.items() if k.startswith("generator.")}
    assert {k.removeprefix("generator.") for k in shipped} == averaged.keys() == latest.keys()
    assert all(torch.equal(shipped[f"generator.{k}"], v) for k, v in averaged.items())  # the average ships
    moved = [k for k, v in averaged.items() if v.is_floating_point() and not torch.equal(v, latest[k])]
    assert moved  # ... and it is not the latest generator
    assert exported_args(tmp_path, "cgan-mnist")["ema"] == 0.5

    # a decay near 0 follows the generator step by step: the average is updated after every step
    run("cgan", fixture_data_dir, tmp_path / "follow", "--epochs", "1", "--steps-per-epoch", "5", "--ema", "1e-9")
    state = load_file(str(tmp_path / "follow" / "last.safetensors"))
    assert all(
        torch.allclose(v, state[k.replace("generator_ema.", "generator.", 1)], atol=1e-6)
        for k, v in state.items() if k.startswith("generator_ema.")
    )  # fmt: skip


def test_ema_resumes_exactly(fixture_data_dir, tmp_path):
    straight, interrupted = tmp_path / "straight", tmp_path / "interrupted"
    ema = ("--steps-per-epoch", "3", "--ema", "0.9")
    run("gan", fixture_data_dir, straight, "--epochs", "2", *ema)
    run("gan", fixture_data_dir, interrupted, "--epochs", "1", *ema)
    run("gan", fixture_data_dir, interrupted, "--epochs", "2", *ema, "--resume")
    a = load_file(str(straight / "gan-mnist.safetensors"))
    b = load_file(str(interrupted / "gan-mnist.safetensors"))
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_divergence_is_reported(fixture_data_dir, tmp_path, capsys):
    assert run("judge", fixture_data_dir, tmp_path, "--epochs", "1", "--lr", "1e30", "--augment", "0") == 1
    assert "became non-finite" in capsys.readouterr().err


def test_help_lists_families(capsys):
    with pytest.raises(SystemExit):
        train_main(["--help"])
    out = capsys.readouterr().out
    assert all(f in out for f in TINY)


@pytest.mark.parametrize(("family", "dataset", "name"), [
    ("cgan", "mnist", "cgan-mnist"),  # D with a class head: every parameter gets a gradient
    ("infogan", "mnist", "infogan-mnist"),  # with --ema below: a module nothing trains is left unwrapped
    ("cyclegan", "fashion-mnist", "cyclegan-sneaker-boot"),  # generators called twice before one backward
])  # fmt: skip
def test_two_process_data_parallel_run(fixture_data_dir, tmp_path, family, dataset, name):
    """torchrun with 2 CPU processes (gloo): both ranks step in lock-step and rank 0 writes the export."""
    cmd = [
        sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
        "-m", "playground.train", family, "--dataset", dataset, "--data-dir", str(fixture_data_dir),
        "--run-dir", str(tmp_path), "--epochs", "1", "--steps-per-epoch", "3", "--batch-size", "4",
        *TINY[family], *(["--ema", "0.9"] if family == "infogan" else []),
    ]  # fmt: skip
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=240, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    exported = card(tmp_path, name)
    assert exported["processes"] == 2 and exported["steps"] == 3


def test_cards_record_repository_paths_relative_to_it():
    from playground.settings import REPO_ROOT
    from playground.train.loop import json_ready

    assert json_ready(REPO_ROOT / "runs" / "x") == "runs/x"
    assert json_ready({"a": [REPO_ROOT / "checkpoints"]}) == {"a": ["checkpoints"]}
