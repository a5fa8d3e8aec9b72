"""Models tab: every shipped checkpoint's card — what it is, how it was trained, how good it is."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr

FAMILY_NAMES = {
    "gan": "Vanilla GAN (MLP)", "dcgan": "DCGAN", "cgan": "Conditional GAN", "infogan": "InfoGAN",
    "judge": "Judge classifier", "cyclegan": "CycleGAN pair", "autoencoder": "Autoencoder", "pix2pix": "Pix2Pix",
}  # fmt: skip

METRIC_LABELS = {
    "fid": "FID (judge features)", "fid_floor": "FID floor (real train vs test)", "precision": "Precision",
    "recall": "Recall", "class_spread": "Class spread", "conditional_accuracy": "Conditional accuracy",
    "category_purity": "Category purity", "judge_accuracy": "Test accuracy",
    "translation_accuracy_ab": "A→B judged as B", "translation_accuracy_ba": "B→A judged as A",
    "cycle_l1_a": "Cycle error A→B→A", "cycle_l1_b": "Cycle error B→A→B",
    "test_mse": "Reconstruction MSE (test)", "test_elbo_nats": "ELBO (nats per image)",
    "psnr_noisy_sigma0.5": "PSNR of the σ = 0.5 noisy input (dB)", "psnr_denoised_sigma0.5": "PSNR of its output (dB)",
    "kmeans10_purity": "k-means (k = 10) purity of the codes", "sketch_accuracy": "Judge agrees with the outline's item",
    "sketch_l1": "L1 to the real item",
}  # fmt: skip

# What each bar checks, in words (the thresholds are playground/evaluate/cards.py's BARS).
BAR_MEANINGS = {
    "judge_accuracy": "the judge classifies enough real test pictures correctly to be trusted as a referee",
    "conditional_accuracy": "the judge agrees with the class asked for",
    "category_purity": "the unsupervised categories line up with the real classes",
    "recall": "the samples cover the variety of the real pictures (a mode-collapsed model fails it)",
    "class_spread": "the samples use every class about equally often (a collapsed model draws a few kinds only)",
    "sketch_accuracy": "the judge sees the item an outline came from",
    "translation_ab": "A→B translations look like B to the judge at least 0.9× as often as real B pictures do",
    "translation_ba": "B→A translations look like A to the judge at least 0.9× as often as real A pictures do",
    "cycle_a": "A→B→A comes back within 0.07 (mean absolute pixel error) of where it started",
    "cycle_b": "B→A→B comes back within 0.07 of where it started",
}
BARS_EXPLAINED = (
    "**Bars** are pass marks set before training: each checks one thing a visitor would notice — "
    + "; ".join(f"*{name.replace('_', ' ')}*: {meaning}" for name, meaning in BAR_MEANINGS.items())
    + ". ✅ passed, ❌ failed."
)


def card_markdown(name: str, card: dict[str, Any]) -> str:
    family = FAMILY_NAMES.get(card.get("family", ""), card.get("family", "?"))
    hours = card.get("wall_time_s", 0) / 3600
    domains = f" ({' ↔ '.join(card['domains'])})" if card.get("domains") else ""
    facts = [
        f"### {name}{domains}",
        f"**{family}** on **{card.get('dataset', '?')}** ({card.get('train_images', '?'):,} training images, "
        f"split `{card.get('split', '?')}`): {card.get('epochs', '?')} epochs, {card.get('steps', '?'):,} steps, "
        f"{hours:.2f} h on {card.get('processes', 1)}× {card.get('device', '?')}.",
    ]
    if card.get("command"):
        facts.append(f"Reproduce: `{card['command']}`")
    if card.get("note"):  # why this model is the one shipped, in the trainer's words
        facts.append(card["note"])
    stage = card.get("earlier_stage")
    while stage:  # a fine-tuning stage: say what it started from
        facts.append(
            f"Started from `{stage.get('name', stage['init_from'])}`: {stage.get('epochs', '?')} epochs, "
            f"{stage.get('wall_time_s', 0) / 3600:.2f} h before that."
        )
        stage = stage.get("earlier_stage")
    evaluation = card.get("metrics", {}).get("evaluation", {})
    evaluation = evaluation or card.get("metrics", {}).get("training", {})  # autoencoders report while training
    rows = [(METRIC_LABELS[k], v) for k, v in evaluation.items() if k in METRIC_LABELS]
    if rows:
        facts += ["", "| metric | value |", "|---|---|"] + [f"| {k} | {v:.4g} |" for k, v in rows]
        bars = evaluation.get("bars", {})
        if bars:
            facts.append("")
            facts.append(
                "Bars: " + ", ".join(f"{k.replace('_', ' ')} {'✅' if ok else '❌'}" for k, ok in bars.items())
            )
    else:
        facts.append("\nNot evaluated yet: run `python -m playground.evaluate`.")
    return "\n".join(facts)


def build(demo: gr.Blocks, cards: dict[str, dict[str, Any]], checkpoint_dir: Path) -> None:
    """Every card, with the sample grid saved beside it."""
    gr.Markdown(
        "Every checkpoint shipped in `checkpoints/`, with the numbers from `python -m playground.evaluate` "
        "(also in `docs/benchmarks.md`). Samples are the training run's last fixed-seed grid."
    )
    gr.Markdown(BARS_EXPLAINED)
    for name, card in cards.items():
        with gr.Row(equal_height=False):
            with gr.Column(scale=2):
                gr.Markdown(card_markdown(name, card))
            grid = checkpoint_dir / f"{name}.png"
            with gr.Column(scale=1):
                if grid.exists():
                    gr.Image(str(grid), label=f"{name} samples", show_label=False, buttons=["download"], height=260)
