from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
import torch

from playground import checkpoints, evaluate, models
from playground.report import update_section

CPU = torch.device("cpu")


def test_frechet_distance_is_zero_for_equal_sets_and_grows_with_a_shift():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(2000, 8))
    assert evaluate.frechet_distance(a, a) == pytest.approx(0, abs=1e-6)
    assert evaluate.frechet_distance(a, a + 3.0) == pytest.approx(8 * 9.0, rel=1e-6)


def test_precision_recall_flags_a_collapsed_sample():
    torch.manual_seed(0)
    real = torch.randn(500, 4)
    assert evaluate.precision_recall(real, torch.randn(500, 4)) > (0.8, 0.8)
    collapsed = real[:1].repeat(500, 1)  # every fake is the same real point
    precision, recall = evaluate.precision_recall(real, collapsed)
    assert precision == 1.0 and recall < 0.02


def test_hungarian_purity_recovers_a_permutation():
    categories = np.repeat(np.arange(10), 20)
    permutation = np.array([3, 1, 4, 0, 5, 9, 2, 6, 8, 7])
    predicted = permutation[categories]
    predicted[:5] = 7  # a few disagreements
    purity, mapping = evaluate.hungarian_purity(categories, predicted, 10)
    assert mapping == permutation.tolist()
    assert purity == pytest.approx(1 - 5 / 200)


def test_class_spread_bounds():
    assert evaluate.class_spread(np.arange(1000) % 10, 10) == pytest.approx(1.0)
    assert evaluate.class_spread(np.zeros(1000, dtype=int), 10) == 0.0


def save(stem, family, role, module, config, dataset="mnist"):
    card = {
        "family": family, "config": dataclasses.asdict(config), "dataset": dataset,
        "class_names": [str(d) for d in range(10)], "metrics": {},
    }  # fmt: skip
    checkpoints.save(stem, {role: module}, card)


def test_evaluate_all_scores_writes_cards_and_fails_a_collapsed_model(fixture_data_dir, tmp_path):
    torch.manual_seed(0)
    judge_cfg = models.ClassifierConfig(width=8, feature_dim=16)
    save(tmp_path / "judge-mnist", "judge", "classifier", models.build("judge", "classifier", judge_cfg), judge_cfg)
    info_cfg = models.InfoGANConfig(g_width=8, d_width=8, noise_dim=8)
    save(tmp_path / "infogan-mnist", "infogan", "generator", models.build("infogan", "generator", info_cfg), info_cfg)
    cgan_cfg = models.CGANConfig(g_width=8, d_width=8, latent_dim=8)
    collapsed = models.build("cgan", "generator", cgan_cfg)
    last = collapsed.net.body[-2]  # the final transposed convolution: zero it → one constant image
    torch.nn.init.zeros_(last.weight)
    torch.nn.init.zeros_(last.bias)
    save(tmp_path / "cgan-mnist", "cgan", "generator", collapsed, cgan_cfg)

    results = evaluate.evaluate_all(tmp_path, fixture_data_dir, n=200, seed=0, device=torch.device("cpu"))
    assert set(results) == {"judge-mnist", "infogan-mnist", "cgan-mnist"}
    cgan = results["cgan-mnist"]
    assert cgan["recall"] < 0.05 and cgan["class_spread"] == 0.0
    assert cgan["bars"]["recall"] is False and cgan["bars"]["class_spread"] is False
    info = results["infogan-mnist"]
    assert sorted(info["category_to_class"]) == list(range(10)) and 0 <= info["category_purity"] <= 1
    assert info["fid"] >= 0 and info["fid_floor"] >= 0

    for name, r in results.items():
        evaluate.update_card(tmp_path / name, r)
    card = json.loads((tmp_path / "infogan-mnist.json").read_text())
    assert card["category_to_class"] == info["category_to_class"]
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\nkept section\n")
    for _ in range(2):  # a second run replaces the section instead of adding one
        update_section("evaluation", evaluate.report(evaluate.evaluations_on_file(tmp_path), 200, CPU), doc)
    text = doc.read_text()
    assert "kept section" in text and text.count("<!-- evaluation:begin -->") == 1
    assert "| cgan-mnist | mnist |" in text and "FAIL" in text


def test_cyclegan_pairs_and_autoencoders_are_evaluated(fixture_data_dir, tiny_checkpoints, tmp_path):
    import shutil

    for name in ("cyclegan-sneaker-boot", "vae-fashion-mnist", "pix2pix-fashion-mnist"):
        for suffix in (".json", ".safetensors"):
            shutil.copy(tiny_checkpoints / f"{name}{suffix}", tmp_path)
    judge_cfg = models.ClassifierConfig(width=8, feature_dim=16)
    save(tmp_path / "judge-fashion-mnist", "judge", "classifier", models.build("judge", "classifier", judge_cfg),
         judge_cfg, dataset="fashion-mnist")  # fmt: skip
    results = evaluate.evaluate_all(tmp_path, fixture_data_dir, n=50, seed=0, device=torch.device("cpu"))
    pair = results["cyclegan-sneaker-boot"]
    assert pair["test_images_a"] == pair["test_images_b"] == 8  # the fixture's test split: 8 per class
    assert 0 <= pair["translation_accuracy_ab"] <= 1 and 0 <= pair["cycle_l1_a"] <= 1
    assert 0 <= pair["judge_real_accuracy_b"] <= 1 and 0 <= pair["judge_real_accuracy_a"] <= 1
    assert set(pair["bars"]) == {"translation_ab", "translation_ba", "cycle_a", "cycle_b"}
    share = evaluate.cards.TRANSLATION_SHARE * pair["judge_real_accuracy_b"]
    assert pair["bars"]["translation_ab"] == (pair["translation_accuracy_ab"] >= share)
    assert "| cyclegan-sneaker-boot (Sneaker ↔ Ankle boot) |" in evaluate.translation_table(results)
    vae = results["vae-fashion-mnist"]
    assert vae["kind"] == "vae" and vae["test_elbo_nats"] < 0 and 0 < vae["kmeans10_purity"] <= 1
    assert vae["psnr_noisy_sigma0.5"] > 0 and "| vae-fashion-mnist |" in evaluate.autoencoder_table(results)
    sketches = results["pix2pix-fashion-mnist"]
    assert 0 <= sketches["sketch_accuracy"] <= 1 and sketches["samples"] == 80 and "sketch_accuracy" in sketches["bars"]


def test_the_papers_table_puts_our_figure_beside_the_published_one():
    from playground.evaluate.report import papers_table

    results = {"infogan-mnist": {"category_purity": 0.97}, "infogan-fashion-mnist": {"category_purity": 0.5}}
    text = papers_table(results)
    assert "| InfoGAN: categorical code ↔ digit, MNIST | `infogan-mnist` | 0.970 | 0.95" in text
    assert text.splitlines()[2].endswith("| yes |") and text.splitlines()[3].endswith("| no |")
    assert "cyclegan" not in text and papers_table({}) == ""
