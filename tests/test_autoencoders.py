from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image

from playground import models
from playground.checkpoints import read_data
from playground.imaging import to_item
from playground.models.autoencoders import corrupt, psnr
from playground.pipelines.autoencode import AutoencoderPipeline, cluster_purity
from playground.train.__main__ import main as train_main

CPU = torch.device("cpu")


@pytest.mark.parametrize("kind", models.autoencoders.KINDS)
def test_shapes_and_training_forward(kind):
    model = models.Autoencoder(models.AEConfig(kind=kind, latent_dim=3, width=4, hidden=32))
    x = torch.rand(5, 1, 28, 28) * 2 - 1
    assert model.encode(x).shape == (5, 3) and model.reconstruct(x).shape == x.shape
    logits, mean, logvar = model(x, torch.randn(5, 3))
    assert logits.shape == x.shape and (mean is None) == (logvar is None) == (kind != "vae")


@pytest.mark.parametrize(("kind", "extra", "name"), [
    ("stacked", [], "ae-stacked-fashion-mnist"), ("stacked", ["--noise", "0.5"], "ae-denoising-fashion-mnist"),
    ("conv", [], "ae-conv-fashion-mnist"), ("vae", ["--model", "latent_dim=2"], "vae-fashion-mnist"),
])  # fmt: skip
def test_every_variant_trains_evaluates_and_ships_its_map(fixture_data_dir, tmp_path, kind, extra, name):
    code = train_main([
        "autoencoder", "--kind", kind, "--dataset", "fashion-mnist", "--data-dir", str(fixture_data_dir),
        "--run-dir", str(tmp_path), "--epochs", "2", "--batch-size", "16", "--model", "width=4", "--model", "hidden=32",
        *extra,
    ])  # fmt: skip
    assert code == 0
    card = json.loads((tmp_path / f"{name}.json").read_text())
    metrics = card["metrics"]["training"]
    assert 0 < metrics["test_mse"] < 1 and ("test_elbo_nats" in metrics) == (kind == "vae")
    data = read_data(tmp_path / name)
    assert data["examples"].shape == (80, 1, 28, 28)  # the fixture's whole test split (fewer than 100)
    assert data["map_codes"].shape[0] == data["map_labels"].shape[0] == 80


def test_denoising_metrics_and_noise():
    clean = torch.zeros(2, 1, 28, 28)
    noisy = corrupt(clean, 0.5, torch.Generator().manual_seed(0))
    assert noisy.min() >= -1 and noisy.max() <= 1 and psnr(clean, clean) > 100 > psnr(noisy, clean)


def test_cluster_purity():
    labels = np.array([0, 0, 1, 1, 2, 2])
    assert cluster_purity(np.array([5, 5, 6, 6, 7, 7]), labels) == 1.0
    assert cluster_purity(np.zeros(6, dtype=int), labels) == pytest.approx(2 / 6)


def test_pictures_become_fashion_mnist_like_inputs():
    light = Image.new("RGB", (40, 20), (250, 250, 250))
    light.paste((0, 0, 0), (10, 5, 30, 15))
    x = to_item(light)
    assert x.shape == (1, 1, 28, 28) and x.min() >= -1 and x.max() <= 1
    assert x[0, 0, 14, 14] > 0.5 and x[0, 0, 0, 0] == -1  # inverted: a light item on black, padded with black


@pytest.fixture(scope="module")
def vae(tiny_checkpoints):
    return AutoencoderPipeline(tiny_checkpoints / "vae-fashion-mnist", CPU)


def test_pipeline_reconstructs_samples_maps_and_decodes(vae, tiny_checkpoints):
    clean, noisy, out, before, after = vae.reconstruction(example=3, noise=0.5, seed=1)
    assert clean.size == noisy.size == out.size == (224, 224) and np.isfinite([before, after]).all()
    assert vae.samples(0, n=9).size == (3 * 84, 3 * 84)
    picture, purity, legend = vae.latent_map(n=4)
    assert picture.size == (420, 420 + 3 * 20 + 6) and 0 < purity <= 1 and legend[9] == "Ankle boot"
    assert vae.decoded(0.5, 0.5).size == (224, 224)
    with pytest.raises(ValueError, match="x must be between"):
        vae.decoded(2, 0)
    plain = AutoencoderPipeline(tiny_checkpoints / "ae-conv-fashion-mnist", CPU)
    with pytest.raises(ValueError, match="needs the VAE"):
        plain.samples(0)
    assert plain.latent_map(n=3)[0].width == 420  # a 4-D code, shown by its principal components
