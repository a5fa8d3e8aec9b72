"""Conditional tab: a CGAN draws the classes a person picks; the judge says whether it agrees."""

from __future__ import annotations

import gradio as gr

from .. import controls
from ..pipelines.conditional import MAX_PER_CLASS
from ..pipelines.store import Store
from .common import friendly, random_seed, settings_text

INTRO = """A class-conditional GAN: pick one or several classes; each row is one class, and column *j* uses the
same noise (seed + *j*) in every row, so rows differ only in the class asked for. Below the grid, the judge
classifier says how often it agrees with the class requested."""


def build(demo: gr.Blocks, store: Store) -> tuple[gr.Button, gr.Image] | None:
    names = store.names("cgan")
    if not names:
        gr.Markdown("No CGAN checkpoint is installed in `checkpoints/`.")
        return None
    first = names[0]
    first_classes = store.cards[first]["class_names"]

    gr.Markdown(INTRO)
    with gr.Row():
        with gr.Column(scale=1, min_width=300):
            model = gr.Dropdown([(store.label(n), n) for n in names], value=first, label="Dataset")
            classes = gr.Dropdown(
                first_classes, value=first_classes[:4], multiselect=True, allow_custom_value=True, label="Classes"
            )
            per_class = gr.Slider(1, MAX_PER_CLASS, value=8, step=1, label="Samples per class")
            with gr.Row():
                seed = gr.Number(
                    value=0,
                    label="Seed",
                    precision=None,
                    minimum=0,
                    maximum=controls.MAX_SEED,
                    scale=3,
                    elem_id="cgan-seed",
                )
                dice = gr.Button("🎲 Random seed", scale=1)
            button = gr.Button("Generate", variant="primary", elem_id="cgan-generate")
        with gr.Column(scale=2, min_width=400):
            grid = gr.Image(
                label="Samples",
                show_label=False,
                type="pil",
                format="png",
                buttons=["download", "fullscreen"],
                interactive=False,
                elem_id="cgan-grid",
            )
            caption_this = gr.Button("Caption this", size="sm")
            verdict = gr.Markdown()
            settings_out = gr.Code(label="Settings (copy to share; paste below to reproduce)", language="json")
    with gr.Accordion("Paste settings", open=False):
        settings_in = gr.Textbox(label="Settings JSON", placeholder='{"model": "...", "seed": 0, ...}', lines=2)
        apply = gr.Button("Apply settings")

    @friendly
    def generate(model_name, picked, n, seed_value):
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
        picture, explanation, used = store.get(model_name).generate(picked, n, seed_value)
        return picture, explanation, settings_text(used)

    def switch_model(model_name):
        if model_name not in store.cards:
            raise gr.Error(f"Unknown model {str(model_name)[:60]!r}.", print_exception=False)
        new = store.cards[model_name]["class_names"]
        return gr.Dropdown(choices=new, value=new[:4])

    @friendly
    def apply_settings(text):
        parsed = controls.settings_json(text)
        model_name = controls.choice(parsed.get("model", first), "model", names)
        picture, explanation, used = store.get(model_name).generate(
            parsed.get("classes"), parsed.get("per_class"), parsed.get("seed")
        )
        new = store.cards[model_name]["class_names"]
        return (
            model_name, gr.Dropdown(choices=new, value=used.classes), used.per_class, used.seed,
            picture, explanation, settings_text(used),
        )  # fmt: skip

    inputs, outputs = [model, classes, per_class, seed], [grid, verdict, settings_out]
    apply.click(apply_settings, settings_in, [*inputs, *outputs], api_name="cgan_apply_settings", preprocess=False)
    # preprocess=False: the pipeline validates raw values itself (one-sentence messages, also via the API).
    raw = {"fn": generate, "inputs": inputs, "outputs": outputs, "preprocess": False}
    button.click(**raw, api_name="cgan_generate", show_progress="minimal")
    gr.on([per_class.release, seed.submit], **raw, trigger_mode="always_last", show_progress="hidden",
          api_visibility="private")  # fmt: skip
    model.input(switch_model, model, classes, api_name="cgan_classes", preprocess=False).then(
        **raw, api_visibility="private"
    )
    dice.click(random_seed, None, seed, api_visibility="private").then(**raw, api_visibility="private")
    demo.load(**raw, api_visibility="private")
    gr.Examples(
        examples=[[first, first_classes, 6, 0], [first, first_classes[5:8], 12, 123], [first, first_classes[:1], 16, 7]],
        inputs=inputs, outputs=outputs, fn=generate, run_on_click=True, cache_examples=False, label="Try these",
    )  # fmt: skip
    return caption_this, grid
