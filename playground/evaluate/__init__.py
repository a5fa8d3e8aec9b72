"""`python -m playground.evaluate [--json]`: judge every shipped generator.

For each generator, on N samples (10,000 by default): FID in the judge's penultimate feature space against
the test split, beside the floor (FID of real train vs real test); precision/recall (Kynkäänniemi et al.
2019, k-NN manifolds in the same space) and the spread of the judge's class predictions, which expose
mode collapse; CGAN conditional accuracy; InfoGAN categorical purity with its Hungarian category→class
map (written into the card, where the UI's category picker reads it). Results go into each model card
and into docs/benchmarks.md.
"""

from __future__ import annotations

from .cards import BARS, bar, evaluations_on_file, judge_bars, update_card
from .judging import (
    GENERATOR_FAMILIES,
    Judge,
    RealFeatures,
    evaluate_all,
    evaluate_generator,
    evaluate_sketches,
    evaluate_translation,
    generate,
    real_features,
)  # fmt: skip
from .metrics import (
    autoencoder_metrics,
    category_agreement,
    class_spread,
    frechet_distance,
    hungarian_purity,
    precision_recall,
)  # fmt: skip
from .report import autoencoder_table, markdown_table, report, translation_table

__all__ = [
    "BARS", "GENERATOR_FAMILIES", "Judge", "RealFeatures", "autoencoder_metrics", "autoencoder_table", "bar",
    "category_agreement", "class_spread", "evaluate_all", "evaluate_generator", "evaluate_sketches",
    "evaluate_translation", "evaluations_on_file", "frechet_distance", "generate", "hungarian_purity", "judge_bars",
    "markdown_table", "precision_recall", "real_features", "report", "translation_table", "update_card",
]  # fmt: skip
