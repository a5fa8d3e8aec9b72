"""Conditional tab: a CGAN draws the classes a person picks; the judge says whether it agrees."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import gradio as gr

from .. import controls
from ..errors import UserError
from ..pipelines.conditional import MAX_PER_CLASS
from ..pipelines.store import Models
from .common import friendly, output_image, random_seed, seed_input, settings_text

INTRO = """A class-conditional GAN: pick one or several classes; each row is one class, and column *j* uses the
same noise (seed + *j*) in every row, so rows differ only in the class asked for. Below the grid, the judge
classifier says how often it agrees with the class requested."""

# The settings JSON keeps the keys it has always had (pasted settings and shared links stay valid).
PUBLIC_KEYS = {"labels": "classes", "n": "per_class"}


class Conditional:
    """What the tab does, bound to its CGAN pipelines; each method is an endpoint."""

    def __init__(self, models: Models) -> None:
        self.models = models

    def generate(self, model_name: str, picked: Any, n: Any, seed_value: Any) -> tuple[Any, str, str]:
        """Generate pictures of chosen classes with a class-conditional GAN, one row per class; the judge
        classifier says how often it agrees with the class asked for.

        Args:
            model_name: "cgan-fashion-mnist" or "cgan-mnist".
            picked: the class names to draw, e.g. ["Sneaker", "Bag"] or ["3", "7"].
            n: samples per class.
            seed_value: the noise seed; each column shares its noise across rows.
        Returns:
            The grid picture, the judge's verdict and the settings as JSON.
        """
        picture, verdict, used = self.models[model_name].grid(seed_value, labels=picked, n=n)
        return picture, verdict, settings_text(used, **PUBLIC_KEYS)

    def classes(self, model_name: str) -> Any:
        """The class picker for another model (its first four classes picked)."""
        if model_name not in self.models:
            raise UserError(f"Unknown model {str(model_name)[:60]!r}.")
        names = self.models.card(model_name)["class_names"]
        return gr.Dropdown(choices=names, value=names[:4])

    def apply_settings(self, text: Any) -> tuple[Any, ...]:
        """Settings JSON pasted back: the controls set to them and the same grid drawn."""
        parsed = controls.settings_json(text)
        model_name = controls.choice(parsed.get("model", self.models.names[0]), "model", self.models.names)
        picture, verdict, used = self.models[model_name].grid(
            parsed.get("seed"), labels=parsed.get("classes"), n=parsed.get("per_class")
        )
        names = self.models.card(model_name)["class_names"]
        return (model_name, gr.Dropdown(choices=names, value=used.labels), used.n, used.seed, picture, verdict,
                settings_text(used, **PUBLIC_KEYS))  # fmt: skip


def build(demo: gr.Blocks, models: Models) -> tuple[gr.Button, gr.Image] | None:
    """The tab; returns its "Caption this" button and the picture it sends."""
    if not models:
        gr.Markdown("No CGAN checkpoint is installed in `checkpoints/`.")
        return None
    ui = layout(models)
    wire(demo, Conditional(models), ui)
    return ui.caption_this, ui.grid


def layout(models: Models) -> SimpleNamespace:
    ui = SimpleNamespace(first=models.names[0])
    ui.class_names = models.card(ui.first)["class_names"]
    gr.Markdown(INTRO)
    with gr.Row():
        with gr.Column(scale=1, min_width=300):
            ui.model = gr.Dropdown(models.choices(), value=ui.first, label="Dataset")
            ui.classes = gr.Dropdown(
                ui.class_names, value=ui.class_names[:4], multiselect=True, allow_custom_value=True, label="Classes"
            )
            ui.per_class = gr.Slider(1, MAX_PER_CLASS, value=8, step=1, label="Samples per class")
            ui.seed, ui.dice = seed_input(0, elem_id="cgan-seed")
            ui.button = gr.Button("Generate", variant="primary", elem_id="cgan-generate")
        with gr.Column(scale=2, min_width=400):
            ui.grid = output_image("Samples", show_label=False, elem_id="cgan-grid")
            ui.caption_this = gr.Button("Caption this", size="sm")
            ui.verdict = gr.Markdown()
            ui.settings_out = gr.Code(label="Settings (copy to share; paste below to reproduce)", language="json")
    with gr.Accordion("Paste settings", open=False):
        ui.settings_in = gr.Textbox(label="Settings JSON", placeholder='{"model": "...", "seed": 0, ...}', lines=2)
        ui.apply = gr.Button("Apply settings")
    return ui


def wire(demo: gr.Blocks, conditional: Conditional, ui: SimpleNamespace) -> None:
    inputs, outputs = [ui.model, ui.classes, ui.per_class, ui.seed], [ui.grid, ui.verdict, ui.settings_out]
    ui.apply.click(friendly(conditional.apply_settings), ui.settings_in, [*inputs, *outputs],
                   api_name="cgan_apply_settings", preprocess=False)  # fmt: skip
    # preprocess=False: the pipeline validates raw values itself (one-sentence messages, also via the API).
    raw = {"fn": friendly(conditional.generate), "inputs": inputs, "outputs": outputs, "preprocess": False}
    ui.button.click(**raw, api_name="cgan_generate", show_progress="minimal")
    gr.on([ui.per_class.release, ui.seed.submit], **raw, trigger_mode="always_last", show_progress="hidden",
          api_visibility="private")  # fmt: skip
    ui.model.input(friendly(conditional.classes), ui.model, ui.classes, api_name="cgan_classes",
                   preprocess=False).then(**raw, api_visibility="private")  # fmt: skip
    ui.dice.click(random_seed, None, ui.seed, api_visibility="private").then(**raw, api_visibility="private")
    demo.load(**raw, api_visibility="private")
    first, names = ui.first, ui.class_names
    gr.Examples(
        examples=[[first, names, 6, 0], [first, names[5:8], 12, 123], [first, names[:1], 16, 7]],
        inputs=inputs, outputs=outputs, fn=raw["fn"], run_on_click=True, cache_examples=False, label="Try these",
    )  # fmt: skip
