"""Slow: the checkpoints shipped in checkpoints/ — format, size, and the backend issue's bars."""

from __future__ import annotations

import json
import math
import shlex

import numpy as np
import pytest
import torch
from gradio_client import Client
from PIL import Image

from bench.server import running_app
from playground import checkpoints, data, evaluate, settings

pytestmark = pytest.mark.slow

SHIPPED = settings.REPO_ROOT / "checkpoints"
REQUIRED = {
    "judge-fashion-mnist", "judge-mnist", "gan-fashion-mnist", "dcgan-fashion-mnist", "cgan-fashion-mnist",
    "infogan-fashion-mnist", "cgan-mnist", "infogan-mnist",
}  # fmt: skip
CARDS = {p.stem: json.loads(p.read_text()) for p in sorted(SHIPPED.glob("*.json"))}
CPU = torch.device("cpu")


def test_the_required_checkpoints_are_shipped():
    missing = sorted(REQUIRED - set(CARDS))
    if missing:  # still training when this was committed: the issue stays open until they land
        pytest.skip(f"not shipped yet: {', '.join(missing)}")


def test_every_shipped_checkpoint_is_small_and_safetensors():
    for name, card in CARDS.items():
        weights = SHIPPED / f"{name}.safetensors"
        assert weights.stat().st_size < 15 * 2**20, name
        assert weights.read_bytes()[8:9] == b"{", name  # safetensors: u64 length, then a JSON header
        for field in ("family", "config", "dataset", "epochs", "wall_time_s", "class_names", "metrics"):
            assert field in card, (name, field)
        for role in card["roles"]:
            checkpoints.load_model(SHIPPED / name, role)


@pytest.mark.parametrize("name", sorted(n for n in CARDS if CARDS[n]["family"] in evaluate.GENERATOR_FAMILIES))
def test_recorded_evaluation_is_a_full_one(name):
    evaluation = CARDS[name]["metrics"]["evaluation"]
    assert evaluation["samples"] >= 10_000 and evaluation["fid"] >= 0 and evaluation["fid_floor"] >= 0


@pytest.mark.parametrize(
    "name", sorted(n for n in CARDS if CARDS[n].get("metrics", {}).get("evaluation", {}).get("bars"))
)
def test_every_shipped_model_passes_every_bar_it_reports(name):
    """What `python -m playground.evaluate` exits 0 on: CycleGAN pairs, Pix2Pix and the judges as well."""
    bars = CARDS[name]["metrics"]["evaluation"]["bars"]
    assert all(bars.values()), bars


@pytest.mark.parametrize("name", sorted(CARDS))
def test_every_card_records_the_command_that_reproduces_it(name):
    from playground.train.__main__ import build_parser, parse_model_overrides
    from playground.train.loop import json_ready

    stage = CARDS[name]
    while stage:  # the card, then each earlier stage it started from
        argv = shlex.split(stage["command"])
        assert argv[:3] == ["python", "-m", "playground.train"], stage["command"]
        parsed = build_parser().parse_args(argv[3:])
        parsed.model = parse_model_overrides(parsed.family, parsed.model)
        parsed = json_ready(vars(parsed))
        assert {k: parsed.get(k) for k in stage["train_args"]} == stage["train_args"], name
        stage = stage.get("earlier_stage")


@pytest.mark.parametrize("name", sorted(n for n in CARDS if CARDS[n]["family"] in ("cgan", "infogan")))
def test_conditioning_bars_hold_when_measured_again(name):
    """Conditional accuracy / category purity need only the generator and the judge: re-measure them."""
    card = CARDS[name]
    judge_model, _ = checkpoints.load_model(SHIPPED / f"judge-{card['dataset']}", "classifier", CPU)
    generator, _ = checkpoints.load_model(SHIPPED / name, "generator", CPU)
    images, asked = evaluate.generate(card, generator, 3000, seed=123, device=CPU)
    _, predicted = evaluate.Judge(judge_model, CPU)(images)
    if card["family"] == "cgan":
        score, metric = float((predicted == asked).mean()), "conditional_accuracy"
    else:
        score, mapping = evaluate.hungarian_purity(asked, predicted, generator.config.num_categories)
        metric = "category_purity"
        assert mapping == card["category_to_class"]
    # The bar holds on the card's 10,000 samples (test above); a fresh 3,000 scatter around that figure by a
    # binomial standard error, so the re-measure may fall short of the bar by at most three of them.
    bar = evaluate.bar(metric, card["dataset"])
    assert score >= bar - 3 * math.sqrt(bar * (1 - bar) / len(asked)), (name, metric, score)


@pytest.mark.parametrize("dataset", ["fashion-mnist", "mnist"])
def test_judge_accuracy_on_the_real_test_split(dataset):
    if data.find_idx_folder(dataset) is None:
        pytest.skip(f"no local {dataset} IDX files (set PLAYGROUND_DATA)")
    model, _ = checkpoints.load_model(SHIPPED / f"judge-{dataset}", "classifier", CPU)
    images, labels = data.load_builtin(dataset, "test").dataset.tensors
    _, predicted = evaluate.Judge(model, CPU)(images)
    assert float((predicted == labels.numpy()).mean()) >= evaluate.bar("judge_accuracy", dataset)


def test_same_pixels_across_calls_and_restarts(tmp_path):
    calls = [
        c for c in [("infogan-fashion-mnist", 42, 3, 0.75, -1.5), ("infogan-mnist", 7, 1, -2.0, 2.0)] if c[0] in CARDS
    ]
    if not calls:
        pytest.skip("no InfoGAN checkpoint shipped")
    runs = []
    for attempt in range(2):  # two separate server processes
        with running_app(SHIPPED, tmp_path / f"cache{attempt}") as (url, _, _):
            client = Client(url, verbose=False)
            images = []
            for args in calls:
                path, _ = client.predict(*args, api_name="/infogan_generate")
                with Image.open(path) as im:
                    images.append(np.asarray(im).copy())
            again, _ = client.predict(*calls[0], api_name="/infogan_generate")
            with Image.open(again) as im:
                assert np.array_equal(np.asarray(im), images[0])
            runs.append(images)
    assert all(np.array_equal(a, b) for a, b in zip(*runs, strict=True))
