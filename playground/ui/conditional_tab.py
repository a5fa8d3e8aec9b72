"""Conditional tab: a CGAN draws the classes a person picks; the judge says whether it agrees."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import gradio as gr

from .. import controls
from ..errors import UserError
from ..imaging import open_image
from ..pipelines.conditional import MAX_PER_CLASS
from ..pipelines.inversion import DEFAULT_STEPS, MAX_STEPS
from ..pipelines.sketch import filled, sketch_image
from ..pipelines.store import Models
from .common import (
    INVERSION_UPDATE_EVERY,
    friendly,
    friendly_stream,
    output_image,
    picture_or_drawing,
    random_seed,
    seed_input,
    settings_text,
)
from .history import generator_tab
from .share import copy_link_button, link_settings

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

    def swap(self, model_name, image_value, drawing, label, seed_value, steps, progress=gr.Progress()):
        """Your own picture as every class: find it in the CGAN's noise for its class (picked, or the judge's
        guess when empty), then draw that noise as each class — "this T-shirt as a pullover, a dress, a coat".
        Streams the grid; at the end its settings (with the noise as `latent`) are the tab's.

        Args:
            model_name: "cgan-fashion-mnist" or "cgan-mnist".
            image_value: a picture of one item (or None when drawing).
            drawing: a sketchpad drawing, used when no picture is given.
            label: the picture's class, or "" for the judge's guess.
            seed_value: the seed of the candidate pool.
            steps: optimisation steps, 1-1000 (100 is plenty).
        """
        model = self.models[model_name]
        picture = open_image(image_value) if image_value else filled(sketch_image(drawing))
        total = controls.whole(steps, "Steps", 1, MAX_STEPS)
        for found in model.inversion(
            picture, label=label or None, seed=seed_value, steps=total, every=INVERSION_UPDATE_EVERY
        ):
            progress(found.step.step / total, desc=f"step {found.step.step}/{total}")
            if found.step.step < total:  # the last step is shown once, with its settings, below
                yield found.grid, found.pictures(), swap_status(found, total), gr.skip()
        yield found.grid, found.pictures(), swap_status(found, total), settings_text(found.settings, **PUBLIC_KEYS)

    def first_grid(self, model_name, picked, n, seed_value, request: gr.Request = None) -> tuple[Any, ...]:
        """The grid when the page opens: a shared link's settings if the link names this tab, else the
        controls' own."""
        shared = link_settings(request, TAB)
        if shared is not None:
            return self.apply_settings(shared)
        return (*[gr.skip()] * 4, *self.generate(model_name, picked, n, seed_value))

    def thumbnail(self, text: str) -> Any:
        """A history entry's grid, drawn again from its settings, small."""
        grid = self.apply_settings(text)[4].copy()
        grid.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
        return grid

    def classes(self, model_name: str) -> Any:
        """The class picker for another model (its first four classes picked)."""
        if model_name not in self.models:
            raise UserError(f"Unknown model {str(model_name)[:60]!r}.")
        names = self.models.card(model_name)["class_names"]
        return gr.Dropdown(choices=names, value=names[:4])

    def apply_settings(self, text: Any) -> tuple[Any, ...]:
        """Settings JSON pasted back: the controls set to them and the same grid drawn."""
        parsed = controls.settings_json(text)
        model_name = self.models.check(parsed.get("model", self.models.names[0]))
        picture, verdict, used = self.models[model_name].grid(
            parsed.get("seed"), labels=parsed.get("classes"), n=parsed.get("per_class"), latent=parsed.get("latent")
        )
        names = self.models.card(model_name)["class_names"]
        return (model_name, gr.Dropdown(choices=names, value=used.labels), used.n, used.seed, picture, verdict,
                settings_text(used, **PUBLIC_KEYS))  # fmt: skip


def swap_status(found: Any, total: int) -> str:
    others = ", ".join(f"{name} {p * 100:.0f} %" for name, p in found.agreement.items())
    return (f"Step {found.step.step}/{total}: found in **{found.label}** (loss {found.step.loss:.4f}, "
            f"{found.step.seconds:.1f} s). The judge's agreement with each row: {others}.")  # fmt: skip


TAB = "conditional"  # this tab's id in gr.Tabs, in shared links and in the history
THUMBNAIL_SIDE = 320


def build(demo: gr.Blocks, models: Models) -> SimpleNamespace | None:
    """The tab; returns its "Caption this" button and the picture it sends (`caption`), and what the history
    needs of it (`history`)."""
    if not models:
        gr.Markdown("No CGAN checkpoint is installed in `checkpoints/`.")
        return None
    ui, conditional = layout(models), Conditional(models)
    wire(demo, conditional, ui)
    return generator_tab(TAB, ui, ui.grid, conditional)


def layout(models: Models) -> SimpleNamespace:
    ui = SimpleNamespace(first=models.names[0])
    ui.class_names = models.card(ui.first)["class_names"]
    gr.Markdown(INTRO)
    with gr.Row():
        with gr.Column(scale=1, min_width=300):
            ui.model = gr.Dropdown(models.choices(), value=ui.first, label="Dataset", elem_id="cgan-model")
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
            copy_link_button(TAB, ui.settings_out)
    with gr.Accordion("Paste settings", open=False):
        ui.settings_in = gr.Textbox(label="Settings JSON", placeholder='{"model": "...", "seed": 0, ...}', lines=2)
        ui.apply = gr.Button("Apply settings")
    ui.applied = [ui.model, ui.classes, ui.per_class, ui.seed, ui.grid, ui.verdict, ui.settings_out]
    swap_layout(ui)
    return ui


def swap_layout(ui: SimpleNamespace) -> None:
    with gr.Accordion("Your own picture, as every class", open=False, elem_id="cgan-own"):
        gr.Markdown("Upload or draw one item: the CGAN finds it in the noise of its class, then draws the same noise "
                    "as every other class — the same item, another kind.")  # fmt: skip
        with gr.Row():
            ui.swap_upload, ui.swap_pad = picture_or_drawing("cgan-swap", 220)
            with gr.Column():
                ui.swap_label = gr.Dropdown([("the judge's guess", ""), *[(n, n) for n in ui.class_names]], value="",
                                            label="Its class")  # fmt: skip
                ui.swap_steps = gr.Slider(20, MAX_STEPS, value=DEFAULT_STEPS, step=10, label="Optimisation steps")
                ui.swap_go = gr.Button("Show it as every class", variant="primary", elem_id="cgan-swap-go")
        with gr.Row():
            ui.swap_compare = gr.ImageSlider(label="Your picture | found in its class", type="filepath", format="png",
                                             interactive=False, elem_id="cgan-swap-compare")  # fmt: skip
            ui.swap_status = gr.Markdown(elem_id="cgan-swap-status")


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
    ui.swap_go.click(friendly_stream(conditional.swap),
                     [ui.model, ui.swap_upload, ui.swap_pad, ui.swap_label, ui.seed, ui.swap_steps],
                     [ui.grid, ui.swap_compare, ui.swap_status, ui.settings_out], api_name="cgan_swap",
                     preprocess=False)  # fmt: skip
    demo.load(friendly(conditional.first_grid), inputs, ui.applied, api_visibility="private", preprocess=False)
    first, names = ui.first, ui.class_names
    gr.Examples(
        examples=[[first, names, 6, 0], [first, names[5:8], 12, 123], [first, names[:1], 16, 7]],
        inputs=inputs, outputs=outputs, fn=raw["fn"], run_on_click=True, cache_examples=False, label="Try these",
    )  # fmt: skip
