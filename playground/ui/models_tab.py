"""Models tab: every shipped checkpoint's card — what it is, how it was trained, how good it is."""

from __future__ import annotations

from typing import Any

import gradio as gr

from ..pipelines.store import Store

FAMILY_NAMES = {
    "gan": "Vanilla GAN (MLP)", "dcgan": "DCGAN", "cgan": "Conditional GAN", "infogan": "InfoGAN",
    "judge": "Judge classifier", "cyclegan": "CycleGAN pair",
}  # fmt: skip

METRIC_LABELS = {
    "fid": "FID (judge features)", "fid_floor": "FID floor (real train vs test)", "precision": "Precision",
    "recall": "Recall", "class_spread": "Class spread", "conditional_accuracy": "Conditional accuracy",
    "category_purity": "Category purity", "judge_accuracy": "Test accuracy",
    "translation_accuracy_ab": "A→B judged as B", "translation_accuracy_ba": "B→A judged as A",
    "cycle_l1_a": "Cycle error A→B→A", "cycle_l1_b": "Cycle error B→A→B",
}  # fmt: skip


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
    stage = card.get("earlier_stage")
    while stage:  # a fine-tuning stage: say what it started from
        facts.append(
            f"Started from `{stage.get('name', stage['init_from'])}`: {stage.get('epochs', '?')} epochs, "
            f"{stage.get('wall_time_s', 0) / 3600:.2f} h before that."
        )
        stage = stage.get("earlier_stage")
    evaluation = card.get("metrics", {}).get("evaluation", {})
    rows = [(METRIC_LABELS[k], v) for k, v in evaluation.items() if k in METRIC_LABELS]
    if rows:
        facts += ["", "| metric | value |", "|---|---|"] + [f"| {k} | {v:.3f} |" for k, v in rows]
        bars = evaluation.get("bars", {})
        if bars:
            facts.append("")
            facts.append("Bars: " + ", ".join(f"{k} {'✅' if ok else '❌'}" for k, ok in bars.items()))
    else:
        facts.append("\nNot evaluated yet: run `python -m playground.evaluate`.")
    return "\n".join(facts)


def build(demo: gr.Blocks, store: Store) -> None:
    gr.Markdown(
        "Every checkpoint shipped in `checkpoints/`, with the numbers from `python -m playground.evaluate` "
        "(also in `docs/benchmarks.md`). Samples are the training run's last fixed-seed grid."
    )
    for name, card in store.cards.items():
        with gr.Row(equal_height=False):
            with gr.Column(scale=2):
                gr.Markdown(card_markdown(name, card))
            grid = store.checkpoint_dir / f"{name}.png"
            with gr.Column(scale=1):
                if grid.exists():
                    gr.Image(str(grid), label=f"{name} samples", show_label=False, buttons=["download"], height=260)
