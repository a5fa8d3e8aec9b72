"""The bars each figure is held to, and the model cards the figures are written into."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .. import checkpoints

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
