"""Lab, GAN vs DCGAN: the same noises through a fully connected generator and a convolutional one."""

from __future__ import annotations

import gradio as gr

from ..pipelines.store import Store
from .common import friendly, random_seed
from .models_tab import METRIC_LABELS

INTRO = """The same seeds — so the same noise vectors — through Goodfellow et al.'s fully connected GAN and
Radford et al.'s DCGAN, both trained here on Fashion-MNIST with the same loop and loss. Below each grid, the
evaluation's numbers (`python -m playground.evaluate`): lower FID and higher precision/recall are better."""


def metrics_markdown(card: dict) -> str:
    evaluation = card.get("metrics", {}).get("evaluation", {})
    shown = [f"{METRIC_LABELS[k]} **{v:.3f}**" for k, v in evaluation.items() if k in METRIC_LABELS]
    return " · ".join(shown) if shown else "not evaluated yet"


def build(demo: gr.Blocks, store: Store) -> None:
    mlp, conv = store.names("gan"), store.names("dcgan")
    if not mlp or not conv:
        gr.Markdown("Needs both a `gan-*` and a `dcgan-*` checkpoint in `checkpoints/`.")
        return
    gr.Markdown(INTRO)
    with gr.Row():
        seed = gr.Number(value=0, label="Seed", precision=0, minimum=0, scale=3, elem_id="gan-vs-dcgan-seed")
        dice = gr.Button("🎲 Random seed", scale=1)
        count = gr.Slider(6, 48, value=36, step=6, label="Samples", scale=3)
        go = gr.Button("Generate both", variant="primary", scale=1, elem_id="gan-vs-dcgan-go")
    with gr.Row():
        with gr.Column():
            gr.Markdown(f"**Vanilla GAN (MLP)** — `{mlp[0]}`")
            left = gr.Image(show_label=False, type="pil", format="png", buttons=["download"], elem_id="gan-grid")
            gr.Markdown(metrics_markdown(store.cards[mlp[0]]))
        with gr.Column():
            gr.Markdown(f"**DCGAN** — `{conv[0]}`")
            right = gr.Image(show_label=False, type="pil", format="png", buttons=["download"], elem_id="dcgan-grid")
            gr.Markdown(metrics_markdown(store.cards[conv[0]]))

    @friendly
    def both(seed_value, n):
        """The same noise through the MLP GAN and the DCGAN trained on Fashion-MNIST: two grids side by side.

        Args:
            seed_value: the noise seed.
            n: number of samples in each grid.
        """
        return store.get(mlp[0]).grid(seed_value, n), store.get(conv[0]).grid(seed_value, n)

    go.click(both, [seed, count], [left, right], api_name="gan_vs_dcgan", preprocess=False)
    dice.click(random_seed, None, seed, api_visibility="private").then(
        both, [seed, count], [left, right], api_visibility="private", preprocess=False
    )
    demo.load(both, [seed, count], [left, right], api_visibility="private", preprocess=False)
