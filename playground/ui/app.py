"""build_demo(): the whole interface, one tab per module."""

from __future__ import annotations

import gradio as gr

from ..pipelines.store import Store
from . import caption_tab, conditional_tab, lab_tab, latent_tab, models_tab

TITLE = "GAN Playground"
CSS = """
.gradio-container img { image-rendering: pixelated; }  /* generated pixels stay crisp when scaled */
"""


def build_demo(store: Store, caption_models: list[str] = ()) -> gr.Blocks:
    with gr.Blocks(title=TITLE) as demo:
        gr.Markdown(f"# {TITLE}\nPlay with generative models trained in this repository.")
        with gr.Tab("Latent Explorer"):
            latent_tab.build(demo, store)
        with gr.Tab("Conditional"):
            conditional_tab.build(demo, store)
        with gr.Tab("Captioning"):
            caption_tab.build(demo, store, list(caption_models))
        with gr.Tab("Lab: 2-D GAN"):
            lab_tab.build(demo, store)
        with gr.Tab("Models"):
            models_tab.build(demo, store)
    return demo
