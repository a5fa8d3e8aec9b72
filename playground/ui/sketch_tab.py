"""Lab, Pix2Pix: draw an outline, get a Fashion-MNIST item."""

from __future__ import annotations

import gradio as gr

from .. import settings
from ..imaging import open_image
from ..pipelines.sketch import sketch_image
from ..pipelines.store import Models
from .common import friendly, output_image, sketchpad

INTRO = """Pix2Pix learned to fill in Fashion-MNIST items from their outlines (edge maps). Draw one — a T-shirt,
trousers, a boot, a bag — or upload an outline; the middle picture is the edge map the model actually sees,
the right one what it draws, and below, what the judge classifier thinks it is."""


def build(demo: gr.Blocks, models: Models) -> None:
    """The tab, drawing with the first Pix2Pix checkpoint."""
    if not models:
        gr.Markdown("No Pix2Pix checkpoint is installed in `checkpoints/`.")
        return
    gr.Markdown(INTRO)
    with gr.Row():
        with gr.Column(scale=1, min_width=300):
            pad = sketchpad("Draw here", elem_id="sketch-pad")
            upload = gr.Image(
                label="…or upload an outline", type="filepath", sources=["upload"], height=140, elem_id="sketch-upload"
            )
            go = gr.Button("Draw it in", variant="primary", elem_id="sketch-go")
        with gr.Column(scale=2, min_width=480):
            with gr.Row():
                seen = output_image("Edge map the model sees", height=260)
                item = output_image("Generated item", height=260, elem_id="sketch-item")
            verdict = gr.Markdown()

    @friendly
    def render(drawing, outline_file):
        """Pix2Pix: turn an outline drawing into a Fashion-MNIST item; returns the edge map the model sees, the
        item, and what the judge classifier calls it.

        Args:
            drawing: a sketchpad drawing (leave empty when outline_file is given).
            outline_file: a picture of an outline, dark lines on a light background.
        """
        picture = open_image(outline_file) if outline_file else sketch_image(drawing)
        edges, drawn, judged = models[models.names[0]].item(picture)
        return edges, drawn, f"The judge calls it: {judged}" if judged else ""

    go.click(render, [pad, upload], [seen, item, verdict], api_name="pix2pix_render", preprocess=False)
    examples = settings.ASSETS_DIR / "examples"
    gr.Examples(
        examples=[[None, str(examples / f"sketch-{n}.png")] for n in ("tshirt", "trousers", "boot")],
        inputs=[pad, upload], outputs=[seen, item, verdict], fn=render, run_on_click=True, cache_examples=False,
        label="Example outlines (our own, CC0)",
    )  # fmt: skip
