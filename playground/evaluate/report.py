"""The evaluation's section of docs/benchmarks.md: a table per kind of model, each only when it has rows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from ..report import machine
from .cards import MAX_CYCLE_ERROR, TRANSLATION_SHARE


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


def table(header: list[str], rows: list[str]) -> str:
    """A markdown table, or "" when it has no rows (a kind of model this folder does not have)."""
    return "\n".join(["| " + " | ".join(header) + " |", "|" + "---|" * len(header), *rows]) if rows else ""


def autoencoder_row(name: str, r: dict[str, Any]) -> str:
    gain = r["psnr_denoised_sigma0.5"] - r["psnr_noisy_sigma0.5"]
    elbo = f"{r['test_elbo_nats']:.1f}" if "test_elbo_nats" in r else "–"
    return (
        f"| {name} | {r['test_mse']:.4f} | {elbo} | {r['psnr_noisy_sigma0.5']:.2f} dB "
        f"| {r['psnr_denoised_sigma0.5']:.2f} dB | {gain:+.2f} dB | {r['kmeans10_purity']:.3f} |"
    )


def autoencoder_table(results: dict[str, dict[str, Any]]) -> str:
    header = ["autoencoder", "test MSE", "ELBO (nats/image)", "PSNR noisy σ=0.5", "PSNR output", "gain",
              "k-means (k=10) purity"]  # fmt: skip
    return table(header, [autoencoder_row(name, r) for name, r in results.items() if "test_mse" in r])


def translation_row(name: str, r: dict[str, Any]) -> str:
    a, b = r["domains"]
    real_a, real_b = (f"{r[k]:.3f}" if k in r else "–" for k in ("judge_real_accuracy_a", "judge_real_accuracy_b"))
    failed = [k for k, ok in r.get("bars", {}).items() if not ok]
    return (
        f"| {name} ({a} ↔ {b}) | {r['translation_accuracy_ab']:.3f} | {real_b} | {r['translation_accuracy_ba']:.3f} "
        f"| {real_a} | {r['cycle_l1_a']:.4f} | {r['cycle_l1_b']:.4f} | {r['test_images_a']} / {r['test_images_b']} "
        f"| {'FAIL: ' + ', '.join(failed) if failed else 'pass'} |"
    )


def translation_table(results: dict[str, dict[str, Any]]) -> str:
    header = ["pair (A ↔ B)", "A→B judged B", "real B judged B", "B→A judged A", "real A judged A",
              "cycle error A→B→A", "cycle error B→A→B", "test images A / B", "bars"]  # fmt: skip
    return table(header, [translation_row(name, r) for name, r in results.items() if "translation_accuracy_ab" in r])


# (what is compared, our checkpoint, how to read our figure from its results, the paper's figure, its source)
PAPERS: list[tuple[str, str, Callable[[dict[str, Any]], float], float, str]] = [
    ("InfoGAN: categorical code ↔ digit, MNIST", "infogan-mnist", lambda r: r["category_purity"], 0.95,
     "Chen et al. 2016, §7.1: 5 % error"),
    ("Unsupervised clustering accuracy, Fashion-MNIST", "infogan-fashion-mnist", lambda r: r["category_purity"], 0.63,
     "ClusterGAN (Mukherjee et al. 2019)"),
    ("Unpaired translation judged as its target", "cyclegan-sneaker-boot",
     lambda r: min(r["translation_accuracy_ab"], r["translation_accuracy_ba"]), 0.52,
     "CycleGAN (Zhu et al. 2017): FCN per-pixel accuracy, Cityscapes labels → photo"),
    ("Paired translation judged as its target", "pix2pix-fashion-mnist", lambda r: r["sketch_accuracy"], 0.66,
     "pix2pix (Isola et al. 2017): L1 + cGAN, FCN per-pixel accuracy, Cityscapes labels → photo"),
]  # fmt: skip


def papers_table(results: dict[str, dict[str, Any]]) -> str:
    """Our figures beside the published ones on the same kind of measure (see the note above the table)."""
    rows = [
        f"| {what} | `{name}` | {read(results[name]):.3f} | {paper:.2f} ({source}) | "
        f"{'yes' if read(results[name]) >= paper else 'no'} |"
        for what, name, read, paper, source in PAPERS
        if name in results
    ]
    return table(["measure", "ours", "our figure", "paper", "ours ≥ paper"], rows) if rows else ""


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
            "(and B→A as A), beside how often it classifies real test pictures of B (and A) correctly, and the cycle's "
            f"mean absolute error (pixels in [0, 1]). Bars: a translation is judged the target class at least "
            f"{TRANSLATION_SHARE}× as often as a real picture of it is; cycle error ≤ {MAX_CYCLE_ERROR}.\n\n" + table
        )
    if table := papers_table(results):
        text += (
            "\n\n### Against the papers\n\nThe same kind of measure, not the same experiment: our MNIST is a "
            "5,000-image subset, and our referee is the judge classifier (its features for FID, its verdict for "
            "accuracy) where the papers use Inception or an FCN segmenter on Cityscapes. Our categorical figures are "
            "the Hungarian (one-to-one) category→class accuracy of generated samples as the judge classifies them; "
            "ClusterGAN's is the same matching for clusters of real test images, and InfoGAN's the paper's own "
            "code-to-class error. The translation papers score segmentation of generated street photos.\n\n" + table
        )
    return text
