"""Lab, GAN vs DCGAN: the same noises through a fully connected generator and a convolutional one."""

from __future__ import annotations

import gradio as gr

from ..pipelines.store import Models
from .common import friendly, output_image, random_seed, seed_input
from .models_tab import METRIC_LABELS

INTRO = """The same seeds — so the same noise vectors — through Goodfellow et al.'s fully connected GAN and
Radford et al.'s DCGAN, both trained here on Fashion-MNIST with the same loop and loss. Below each grid, the
evaluation's numbers (`python -m playground.evaluate`): lower FID and higher precision/recall are better."""


def metrics_markdown(card: dict) -> str:
    evaluation = card.get("metrics", {}).get("evaluation", {})
    shown = [f"{METRIC_LABELS[k]} **{v:.3f}**" for k, v in evaluation.items() if k in METRIC_LABELS]
    return " · ".join(shown) if shown else "not evaluated yet"


def build(demo: gr.Blocks, mlp: Models, conv: Models) -> None:
    """The same seeds through the first MLP GAN and the first DCGAN."""
    if not mlp or not conv:
        gr.Markdown("Needs both a `gan-*` and a `dcgan-*` checkpoint in `checkpoints/`.")
        return
    names = mlp.names[0], conv.names[0]
    gr.Markdown(INTRO)
    with gr.Row():
        seed, dice = seed_input(0, precision=0, elem_id="gan-vs-dcgan-seed")
        count = gr.Slider(6, 48, value=36, step=6, label="Samples", scale=3)
        go = gr.Button("Generate both", variant="primary", scale=1, elem_id="gan-vs-dcgan-go")
    grids = []
    with gr.Row():
        for title, models, name, elem_id in (("Vanilla GAN (MLP)", mlp, names[0], "gan-grid"),
                                             ("DCGAN", conv, names[1], "dcgan-grid")):  # fmt: skip
            with gr.Column():
                gr.Markdown(f"**{title}** — `{name}`")
                grids.append(output_image(title, show_label=False, elem_id=elem_id))
                gr.Markdown(metrics_markdown(models.card(name)))

    @friendly
    def both(seed_value, n):
        """The same noise through the MLP GAN and the DCGAN trained on Fashion-MNIST: two grids side by side.

        Args:
            seed_value: the noise seed.
            n: number of samples in each grid.
        """
        return mlp[names[0]].grid(seed_value, n=n), conv[names[1]].grid(seed_value, n=n)

    go.click(both, [seed, count], grids, api_name="gan_vs_dcgan", preprocess=False)
    dice.click(random_seed, None, seed, api_visibility="private").then(
        both, [seed, count], grids, api_visibility="private", preprocess=False
    )
    demo.load(both, [seed, count], grids, api_visibility="private", preprocess=False)
