"""`python -m playground.evaluate [--json]`: judge every shipped generator.

For each generator, on N samples (10,000 by default): FID in the judge's penultimate feature space against
the test split, beside the floor (FID of real train vs real test); precision/recall (Kynkäänniemi et al.
2019, k-NN manifolds in the same space) and the spread of the judge's class predictions, which expose
mode collapse; CGAN conditional accuracy; InfoGAN categorical purity with its Hungarian category→class
map (written into the card, where the UI's category picker reads it). Results go into each model card
and into docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from scipy import linalg
from scipy.optimize import linear_sum_assignment
from tqdm import tqdm

from . import checkpoints, data, settings
from .device import pick_device, seeded_generator
from .models.infogan import sample_codes
from .report import machine, update_section

GENERATOR_FAMILIES = ("gan", "dcgan", "cgan", "infogan")

# The bars of the backend issue. "spread" and "recall" are what a mode-collapsed model fails.
BARS: dict[str, dict[str, float]] = {
    "judge_accuracy": {"fashion-mnist": 0.90, "mnist": 0.96},
    "conditional_accuracy": {"fashion-mnist": 0.85, "mnist": 0.90},
    "category_purity": {"fashion-mnist": 0.60, "mnist": 0.80},
    "recall": {"*": 0.25},
    "class_spread": {"*": 0.90},
    "sketch_accuracy": {"*": 0.70},
}


def bar(metric: str, dataset: str) -> float | None:
    table = BARS[metric]
    return table.get(dataset, table.get("*"))


# -- statistics ----------------------------------------------------------------------------------------
def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """FID between two (N, D) feature sets: |μa-μb|² + Tr(Σa) + Tr(Σb) - 2 Tr((Σa Σb)^½).

    Tr((Σa Σb)^½) = Σ √λ of the symmetric PSD matrix Σa^½ Σb Σa^½, which stays real and stable even for
    the singular covariances of a collapsed generator (no complex sqrtm round-off to clean up)."""
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.atleast_2d(np.cov(a, rowvar=False)), np.atleast_2d(np.cov(b, rowvar=False))
    eigval, eigvec = linalg.eigh(cov_a)
    sqrt_a = (eigvec * np.sqrt(eigval.clip(min=0))) @ eigvec.T
    tr_covmean = np.sqrt(linalg.eigvalsh(sqrt_a @ cov_b @ sqrt_a).clip(min=0)).sum()
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(cov_a) + np.trace(cov_b) - 2 * tr_covmean)


def precision_recall(real: torch.Tensor, fake: torch.Tensor, k: int = 5) -> tuple[float, float]:
    """Improved precision/recall: the share of fakes inside the real k-NN manifold, and vice versa."""

    def radii(x: torch.Tensor) -> torch.Tensor:
        d = torch.cdist(x, x)
        return d.kthvalue(k + 1, dim=1).values  # +1: the point itself is at distance 0

    def coverage(points: torch.Tensor, support: torch.Tensor, r: torch.Tensor) -> float:
        inside = [(torch.cdist(chunk, support) <= r).any(1) for chunk in points.split(1000)]
        return torch.cat(inside).float().mean().item()

    r_real, r_fake = radii(real), radii(fake)
    return coverage(fake, real, r_real), coverage(real, fake, r_fake)


def class_spread(predicted: np.ndarray, num_classes: int) -> float:
    """Entropy of the judge's predicted-class histogram over log(K): 1 = all classes equally, 0 = one."""
    p = np.bincount(predicted, minlength=num_classes) / len(predicted)
    p = p[p > 0]
    return float(-(p * np.log(p)).sum() / np.log(num_classes))


def category_agreement(categories: np.ndarray, predicted: np.ndarray, k: int) -> tuple[list[int], list[float]]:
    """Per category: the class the judge calls most of its samples, and the share it calls so — what the UI
    names each category by ("Dress (61 %)"), and where no class dominates, calls it unnamed."""
    counts = np.zeros((k, k), dtype=np.int64)
    np.add.at(counts, (categories, predicted), 1)
    majority = counts.argmax(1)
    shares = counts.max(1) / counts.sum(1).clip(min=1)
    return [int(c) for c in majority], [round(float(x), 4) for x in shares]


def hungarian_purity(categories: np.ndarray, predicted: np.ndarray, k: int) -> tuple[float, list[int]]:
    """Best one-to-one category→class map and the accuracy it gives."""
    counts = np.zeros((k, k), dtype=np.int64)
    np.add.at(counts, (categories, predicted), 1)
    rows, cols = linear_sum_assignment(counts, maximize=True)
    mapping = [int(c) for _, c in sorted(zip(rows, cols, strict=True))]
    return float(counts[rows, cols].sum() / len(categories)), mapping


# -- the judge and generated samples ---------------------------------------------------------------------
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
        test_feats, frechet_distance(train_feats, test_feats), torch.from_numpy(test_feats[:5000]).float()
    )


def evaluate_generator(stem: Path, judge: Judge, real: RealFeatures, n: int, seed: int) -> dict[str, Any]:
    generator, card = checkpoints.load_model(stem, "generator", judge.device)
    images, asked = generate(card, generator, n, seed, judge.device)
    feats, preds = judge(images)
    num_classes = len(card["class_names"])
    precision, recall = precision_recall(real.test_subset, torch.from_numpy(feats[:5000]).float())
    result: dict[str, Any] = {
        "samples": n,
        "fid": round(frechet_distance(feats, real.test), 3),
        "fid_floor": round(real.floor_fid, 3),
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "class_spread": round(class_spread(preds, num_classes), 4),
    }
    if card["family"] == "cgan":
        result["conditional_accuracy"] = round(float((preds == asked).mean()), 4)
    if card["family"] == "infogan":
        purity, mapping = hungarian_purity(asked, preds, generator.config.num_categories)
        result["category_purity"] = round(purity, 4)
        result["category_to_class"] = mapping
        result["category_majority"], result["category_agreement"] = category_agreement(
            asked, preds, generator.config.num_categories
        )
    return result


@torch.no_grad()
def evaluate_translation(stem: Path, judge: Judge, test: tuple[torch.Tensor, torch.Tensor]) -> dict[str, Any]:
    """A CycleGAN pair on the test split: how often the judge calls A→B outputs B (and B→A outputs A), and
    how far the cycle A→B→A lands from where it started (mean absolute error, pixels in [0, 1])."""
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
        result[f"translation_accuracy_{tag}"] = round(float((predicted == target).mean()), 4)
        result[f"cycle_l1_{tag[0]}"] = round(float((back - real).abs().mean() / 2), 4)
        result[f"test_images_{tag[0]}"] = len(real)
    return result


@torch.no_grad()
def autoencoder_metrics(model: torch.nn.Module, images: torch.Tensor, labels: torch.Tensor | None = None, *,
                        sigma: float = 0.5, clusters: int = 10) -> dict[str, float]:  # fmt: skip
    """On a test split: reconstruction MSE (pixels on [0, 1]); the VAE's ELBO (nats per image, one sample);
    PSNR of σ-noisy inputs and of the model's output from them; k-means (k = clusters) purity of the codes."""
    from scipy.cluster.vq import kmeans2

    from .models.autoencoders import corrupt, psnr, to_unit, vae_terms
    from .pipelines.autoencode import cluster_purity

    device = next(model.parameters()).device
    images = images.to(device)
    rng = torch.Generator(device=device).manual_seed(0)
    chunks = images.split(1000)
    recon = torch.cat([model.reconstruct(c) for c in chunks])
    metrics = {"test_mse": F.mse_loss(to_unit(recon), to_unit(images)).item()}
    if model.config.kind == "vae":
        elbo = []
        for c in chunks:
            nll, kl = vae_terms(
                model, c, torch.randn(c.shape[0], model.config.latent_dim, generator=rng, device=device)
            )
            elbo.append(-(nll + kl))
        metrics["test_elbo_nats"] = float(torch.cat(elbo).mean())
    noisy = corrupt(images, sigma, rng)
    metrics[f"psnr_noisy_sigma{sigma:g}"] = psnr(noisy, images)
    metrics[f"psnr_denoised_sigma{sigma:g}"] = psnr(
        torch.cat([model.reconstruct(c) for c in noisy.split(1000)]), images
    )
    if labels is not None:
        codes = torch.cat([model.encode(c) for c in chunks]).double().cpu().numpy()
        _, assignment = kmeans2(codes, clusters, seed=0, minit="++")
        metrics[f"kmeans{clusters}_purity"] = cluster_purity(assignment, labels.numpy())
    return {k: round(v, 4) for k, v in metrics.items()}


@torch.no_grad()
def evaluate_sketches(stem: Path, judge: Judge, test: tuple[torch.Tensor, torch.Tensor]) -> dict[str, Any]:
    """Pix2Pix on the test split's own edge maps: does the judge see the item the outline came from?"""
    from .models.pix2pix import edge_map, pad_to

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


def judge_bars(dataset: str, result: dict[str, Any]) -> dict[str, bool]:
    checks = {}
    for metric in (
        "judge_accuracy",
        "conditional_accuracy",
        "category_purity",
        "recall",
        "class_spread",
        "sketch_accuracy",
    ):
        if metric in result and (threshold := bar(metric, dataset)) is not None:
            checks[metric] = result[metric] >= threshold
    return checks


# -- reporting --------------------------------------------------------------------------------------------
def update_card(stem: Path, evaluation: dict[str, Any]) -> None:
    """Merge the evaluation into the card's metrics (and the category map where there is one)."""
    _, card_path = checkpoints.paths(stem)
    card = checkpoints.read_card(stem)
    card.setdefault("metrics", {})["evaluation"] = evaluation
    for key in ("category_to_class", "category_majority", "category_agreement"):
        if key in evaluation:
            card[key] = evaluation[key]
    card_path.write_text(json.dumps(card, indent=2) + "\n")


def evaluations_on_file(checkpoint_dir: Path) -> dict[str, dict[str, Any]]:
    """Every card's stored evaluation, so a partial run (--only) still rewrites the whole table."""
    found = {}
    for path in sorted(checkpoint_dir.glob("*.json")):
        card = json.loads(path.read_text())
        if "evaluation" in card.get("metrics", {}):
            found[path.stem] = {"dataset": card["dataset"], **card["metrics"]["evaluation"]}
    return found


def markdown_table(results: dict[str, dict[str, Any]]) -> str:
    lines = [
        "| checkpoint | dataset | FID (judge features) | real-vs-real floor | precision | recall | class spread "
        "| conditional acc. | category purity | judge test acc. | bars |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]

    def cell(r: dict[str, Any], key: str) -> str:
        return f"{r[key]:.3f}" if key in r else "–"

    for name, r in results.items():
        if "translation_accuracy_ab" in r or "test_mse" in r or "sketch_accuracy" in r:
            continue  # CycleGAN pairs, autoencoders and Pix2Pix have their own tables
        bars = r.get("bars", {})
        verdict = (
            "pass" if bars and all(bars.values()) else ("FAIL: " + ", ".join(k for k, ok in bars.items() if not ok))
        )
        lines.append(
            f"| {name} | {r['dataset']} | {cell(r, 'fid')} | {cell(r, 'fid_floor')} | {cell(r, 'precision')} "
            f"| {cell(r, 'recall')} | {cell(r, 'class_spread')} | {cell(r, 'conditional_accuracy')} "
            f"| {cell(r, 'category_purity')} | {cell(r, 'judge_accuracy')} | {verdict} |"
        )
    return "\n".join(lines)


def autoencoder_table(results: dict[str, dict[str, Any]]) -> str:
    lines = [
        "| autoencoder | test MSE | ELBO (nats/image) | PSNR noisy σ=0.5 | PSNR output | gain | k-means (k=10) purity |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        if "test_mse" in r:
            gain = r["psnr_denoised_sigma0.5"] - r["psnr_noisy_sigma0.5"]
            elbo = f"{r['test_elbo_nats']:.1f}" if "test_elbo_nats" in r else "–"
            lines.append(
                f"| {name} | {r['test_mse']:.4f} | {elbo} | {r['psnr_noisy_sigma0.5']:.2f} dB "
                f"| {r['psnr_denoised_sigma0.5']:.2f} dB | {gain:+.2f} dB | {r['kmeans10_purity']:.3f} |"
            )
    return "\n".join(lines) if len(lines) > 2 else ""


def translation_table(results: dict[str, dict[str, Any]]) -> str:
    lines = [
        "| pair (A ↔ B) | A→B judged B | B→A judged A | cycle error A→B→A | cycle error B→A→B | test images A / B |",
        "|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        if "translation_accuracy_ab" in r:
            a, b = r["domains"]
            lines.append(
                f"| {name} ({a} ↔ {b}) | {r['translation_accuracy_ab']:.3f} | {r['translation_accuracy_ba']:.3f} "
                f"| {r['cycle_l1_a']:.4f} | {r['cycle_l1_b']:.4f} | {r['test_images_a']} / {r['test_images_b']} |"
            )
    return "\n".join(lines) if len(lines) > 2 else ""


def report(results: dict[str, dict[str, Any]], n: int, device: torch.device) -> str:
    """The evaluation section of docs/benchmarks.md: every table that has rows."""
    text = "\n".join([
        "## Generator quality (`python -m playground.evaluate`)",
        "",
        f"{n:,} samples per generator, device `{device.type}` ({machine()}). FID is computed on the judge "
        "classifier's penultimate features against the test split; the floor is real train vs real test in the "
        "same space. Precision/recall use k-NN manifolds (k = 5) on 5,000 features each; class spread is the "
        "entropy of the judge's predicted classes over log 10 (1 = all classes equally often). Recall and spread "
        "are the mode-collapse bars.",
        "",
        markdown_table(results),
    ])  # fmt: skip
    sketches = [(n, r) for n, r in results.items() if "sketch_accuracy" in r]
    if sketches:
        text += "\n\n### Pix2Pix, sketch → fashion\n\nThe generator draws an item from each test image's edge map; "
        text += "the judge classifies it (bar: ≥ 0.70 agree with the item the outline came from).\n\n"
        text += "| checkpoint | judge agrees | L1 to the real item (pixels on [0, 1]) | test edge maps | bar |\n|---|---|---|---|---|\n"
        text += "\n".join(
            f"| {n} | {r['sketch_accuracy']:.3f} | {r['sketch_l1']:.4f} | {r['samples']:,} | "
            f"{'pass' if r['bars'].get('sketch_accuracy') else 'FAIL'} |"
            for n, r in sketches
        )
    if table := autoencoder_table(results):
        text += (
            "\n\n### Autoencoders\n\nOn the Fashion-MNIST test split (10,000 images): reconstruction MSE with pixels on "
            "[0, 1]; the VAE's evidence lower bound; PSNR of inputs with Gaussian noise σ = 0.5 and of each model's "
            "output from them (the denoising autoencoder was trained for this); purity of k-means on the codes.\n\n"
            + table
        )
    if table := translation_table(results):
        text += (
            "\n\n### CycleGAN pairs\n\nOn the Fashion-MNIST test split: how often the judge classifies an A→B output as B "
            "(and B→A as A), and the cycle's mean absolute error (pixels in [0, 1]).\n\n" + table
        )
    return text


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
                             **autoencoder_metrics(model, test[0], test[1])}  # fmt: skip
        sketchers = [s for s, c in cards.items() if c.get("family") == "pix2pix" and c["dataset"] == dataset]
        for name in [s for s in sketchers if not only or s in only]:
            results[name] = {"dataset": dataset, **evaluate_sketches(checkpoint_dir / name, judge, test)}
        pairs = [s for s, c in cards.items() if c.get("family") == "cyclegan" and c["dataset"] == dataset]
        for name in [s for s in pairs if not only or s in only]:
            results[name] = {"dataset": dataset, **evaluate_translation(checkpoint_dir / name, judge, test)}
    for r in results.values():
        r["bars"] = judge_bars(r["dataset"], r)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m playground.evaluate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--samples", type=int, default=10_000, help="generated samples per model")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--checkpoints", type=Path, default=settings.CHECKPOINT_DIR)
    parser.add_argument("--data-dir", type=Path, default=None, help="IDX folder (as for training)")
    parser.add_argument("--only", nargs="*", default=None, metavar="NAME", help="evaluate just these generators")
    parser.add_argument("--device", default="auto", choices=settings.DEVICE_CHOICES)
    parser.add_argument("--no-write", action="store_true", help="do not touch the model cards or docs/benchmarks.md")
    parser.add_argument("--benchmarks", type=Path, default=settings.REPO_ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args(argv)
    device = pick_device(args.device)
    try:
        results = evaluate_all(args.checkpoints, args.data_dir, args.samples, args.seed, device, args.only)
    except (checkpoints.CheckpointError, data.DataUnavailable) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if not args.no_write:
        for name, r in results.items():
            update_card(args.checkpoints / name, {k: v for k, v in r.items() if k != "dataset"})
        update_section(
            "evaluation", report(evaluations_on_file(args.checkpoints), args.samples, device), args.benchmarks
        )
    print(json.dumps(results, indent=2) if args.json else report(results, args.samples, device))
    return 0 if all(all(r["bars"].values()) for r in results.values()) else 2


if __name__ == "__main__":
    sys.exit(main())
