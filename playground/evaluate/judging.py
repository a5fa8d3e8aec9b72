"""The judge classifier's view of each shipped model: samples drawn, featurised and scored, one function per
family (generators, CycleGAN pairs, Pix2Pix), and `evaluate_all` over a checkpoint folder."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

from .. import checkpoints, data
from ..device import seeded_generator
from ..models.infogan import sample_codes
from . import metrics
from .cards import judge_bars

GENERATOR_FAMILIES = ("gan", "dcgan", "cgan", "infogan")


@dataclass
class Judge:
    model: torch.nn.Module
    device: torch.device

    @torch.no_grad()
    def __call__(self, images: torch.Tensor, batch: int = 1000) -> tuple[np.ndarray, np.ndarray]:
        """(N, C, H, W) in [-1, 1] → (features (N, D), predicted classes (N,))."""
        feats, preds = [], []
        for chunk in images.split(batch):
            f = self.model.features(chunk.to(self.device))
            feats.append(f.cpu())
            preds.append(self.model.head(f).argmax(1).cpu())
        return torch.cat(feats).double().numpy(), torch.cat(preds).numpy()


@torch.no_grad()
def generate(card: dict[str, Any], generator: torch.nn.Module, n: int, seed: int, device, batch: int = 500):
    """n samples (in [-1, 1], on the CPU) and, for conditional families, the class/category each was asked for."""
    family, cfg = card["family"], generator.config
    rng = seeded_generator(seed, device)
    images, asked = [], []
    for start in range(0, n, batch):
        m = min(batch, n - start)
        if family == "infogan":
            noise, category, continuous = sample_codes(m, cfg, rng, device)
            images.append(generator(noise, category, continuous).cpu())
            asked.append(category.cpu())
        elif family == "cgan":
            labels = torch.arange(start, start + m, device=device) % cfg.num_classes  # balanced classes
            z = torch.randn(m, cfg.latent_dim, generator=rng, device=device)
            images.append(generator(z, labels).cpu())
            asked.append(labels.cpu())
        else:
            images.append(generator(torch.randn(m, cfg.latent_dim, generator=rng, device=device)).cpu())
    return torch.cat(images), (torch.cat(asked).numpy() if asked else None)


@dataclass
class RealFeatures:
    test: np.ndarray
    floor_fid: float
    test_subset: torch.Tensor = field(repr=False)  # for precision/recall


def real_features(judge: Judge, dataset: str, data_dir: Path | None, n: int, seed: int) -> RealFeatures:
    test = data.load_builtin(dataset, "test", data_dir).dataset.tensors[0]  # type: ignore[attr-defined]
    train = data.load_builtin(dataset, "train", data_dir).dataset.tensors[0]  # type: ignore[attr-defined]
    pick = torch.randperm(len(train), generator=torch.Generator().manual_seed(seed))[:n]
    test_feats, _ = judge(test)
    train_feats, _ = judge(train[pick])
    return RealFeatures(
        test_feats, metrics.frechet_distance(train_feats, test_feats), torch.from_numpy(test_feats[:5000]).float()
    )


def evaluate_generator(stem: Path, judge: Judge, real: RealFeatures, n: int, seed: int) -> dict[str, Any]:
    generator, card = checkpoints.load_model(stem, "generator", judge.device)
    images, asked = generate(card, generator, n, seed, judge.device)
    feats, preds = judge(images)
    num_classes = len(card["class_names"])
    precision, recall = metrics.precision_recall(real.test_subset, torch.from_numpy(feats[:5000]).float())
    result: dict[str, Any] = {
        "samples": n,
        "fid": round(metrics.frechet_distance(feats, real.test), 3),
        "fid_floor": round(real.floor_fid, 3),
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "class_spread": round(metrics.class_spread(preds, num_classes), 4),
    }
    if card["family"] == "cgan":
        result["conditional_accuracy"] = round(float((preds == asked).mean()), 4)
    if card["family"] == "infogan":
        purity, mapping = metrics.hungarian_purity(asked, preds, generator.config.num_categories)
        result["category_purity"] = round(purity, 4)
        result["category_to_class"] = mapping
        result["category_majority"], result["category_agreement"] = metrics.category_agreement(
            asked, preds, generator.config.num_categories
        )
    return result


@torch.no_grad()
def evaluate_translation(stem: Path, judge: Judge, test: tuple[torch.Tensor, torch.Tensor]) -> dict[str, Any]:
    """A CycleGAN pair on the test split: how often the judge calls A→B outputs B (and B→A outputs A), beside
    how often it calls real test pictures of B (and A) so, and how far the cycle A→B→A lands from where it
    started (mean absolute error, pixels in [0, 1])."""
    g_ab, card = checkpoints.load_model(stem, "generator_ab", judge.device)
    g_ba, _ = checkpoints.load_model(stem, "generator_ba", judge.device)
    names = data.FASHION_CLASSES if card["dataset"] == "fashion-mnist" else data.DIGIT_CLASSES
    a, b = (names.index(d) for d in card["domains"])
    images, labels = test
    result: dict[str, Any] = {"domains": card["domains"]}
    for tag, source, target, forward, backward in (("ab", a, b, g_ab, g_ba), ("ba", b, a, g_ba, g_ab)):
        real = images[labels == source].to(judge.device)
        fake = torch.cat([forward(chunk) for chunk in real.split(500)])
        back = torch.cat([backward(chunk) for chunk in fake.split(500)])
        _, predicted = judge(fake)
        _, on_real = judge(images[labels == target].to(judge.device))  # how well the judge knows the target class
        result[f"translation_accuracy_{tag}"] = round(float((predicted == target).mean()), 4)
        result[f"judge_real_accuracy_{tag[1]}"] = round(float((on_real == target).mean()), 4)
        result[f"cycle_l1_{tag[0]}"] = round(float((back - real).abs().mean() / 2), 4)
        result[f"test_images_{tag[0]}"] = len(real)
    return result


@torch.no_grad()
def evaluate_sketches(stem: Path, judge: Judge, test: tuple[torch.Tensor, torch.Tensor]) -> dict[str, Any]:
    """Pix2Pix on the test split's own edge maps: does the judge see the item the outline came from?"""
    from ..models.pix2pix import edge_map, pad_to

    generator, _ = checkpoints.load_model(stem, "generator", judge.device)
    size = generator.config.image_size
    images, labels = test
    real = pad_to(images, size).to(judge.device)
    items = torch.cat([generator(edge_map(chunk)) for chunk in real.split(500)])
    offset = (size - images.shape[-1]) // 2
    _, predicted = judge(items[..., offset : offset + images.shape[-2], offset : offset + images.shape[-1]])
    return {
        "sketch_accuracy": round(float((predicted == labels.numpy()).mean()), 4),
        "sketch_l1": round(float((items - real).abs().mean() / 2), 4),
        "samples": len(images),
    }


def evaluate_all(
    checkpoint_dir: Path, data_dir: Path | None, n: int, seed: int, device: torch.device, only: list[str] | None = None
) -> dict[str, dict[str, Any]]:
    cards = {p.stem: json.loads(p.read_text()) for p in sorted(checkpoint_dir.glob("*.json"))}
    results: dict[str, dict[str, Any]] = {}
    for dataset in sorted({c["dataset"] for c in cards.values() if c.get("family") == "judge"}):
        judge_stem = checkpoint_dir / f"judge-{dataset}"
        model, _ = checkpoints.load_model(judge_stem, "classifier", device)
        judge = Judge(model, device)
        test = data.load_builtin(dataset, "test", data_dir).dataset.tensors  # type: ignore[attr-defined]
        _, preds = judge(test[0])
        results[judge_stem.name] = {
            "dataset": dataset,
            "judge_accuracy": round(float((preds == test[1].numpy()).mean()), 4),
        }
        real = None
        names = [s for s, c in cards.items() if c.get("family") in GENERATOR_FAMILIES and c["dataset"] == dataset]
        for name in tqdm([s for s in names if not only or s in only], desc=f"evaluating on {dataset}"):
            real = real or real_features(judge, dataset, data_dir, n, seed)
            results[name] = {"dataset": dataset, **evaluate_generator(checkpoint_dir / name, judge, real, n, seed)}
        autoencoders = [s for s, c in cards.items() if c.get("family") == "autoencoder" and c["dataset"] == dataset]
        for name in [s for s in autoencoders if not only or s in only]:
            model, card = checkpoints.load_model(checkpoint_dir / name, "autoencoder", device)
            results[name] = {"dataset": dataset, "kind": card["config"]["kind"], "noise": card.get("noise", 0.0),
                             **metrics.autoencoder_metrics(model, test[0], test[1])}  # fmt: skip
        sketchers = [s for s, c in cards.items() if c.get("family") == "pix2pix" and c["dataset"] == dataset]
        for name in [s for s in sketchers if not only or s in only]:
            results[name] = {"dataset": dataset, **evaluate_sketches(checkpoint_dir / name, judge, test)}
        pairs = [s for s, c in cards.items() if c.get("family") == "cyclegan" and c["dataset"] == dataset]
        for name in [s for s in pairs if not only or s in only]:
            results[name] = {"dataset": dataset, **evaluate_translation(checkpoint_dir / name, judge, test)}
    for r in results.values():
        r["bars"] = judge_bars(r["dataset"], r)
    return results
