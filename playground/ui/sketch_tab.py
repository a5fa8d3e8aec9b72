"""Lab, Pix2Pix: draw an outline, get a Fashion-MNIST item."""

from __future__ import annotations

import gradio as gr

from .. import settings
from ..imaging import open_image
from ..pipelines.sketch import sketch_image
from ..pipelines.store import Store
from .common import USER_ERRORS, as_files, sketchpad

INTRO = """Pix2Pix learned to fill in Fashion-MNIST items from their outlines (edge maps). Draw one — a T-shirt,
trousers, a boot, a bag — or upload an outline; the middle picture is the edge map the model actually sees,
the right one what it draws, and below, what the judge classifier thinks it is."""


def build(demo: gr.Blocks, store: Store) -> None:
    names = store.names("pix2pix")
    if not names:
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
                seen = gr.Image(label="Edge map the model sees", type="pil", height=260)
                item = gr.Image(label="Generated item", type="pil", format="png", buttons=["download"], height=260,
                                elem_id="sketch-item")  # fmt: skip
            verdict = gr.Markdown()

    def render(drawing, outline_file):
        """Pix2Pix: turn an outline drawing into a Fashion-MNIST item; returns the edge map the model sees, the
        item, and what the judge classifier calls it.

        Args:
            drawing: a sketchpad drawing (leave empty when outline_file is given).
            outline_file: a picture of an outline, dark lines on a light background.
        """
        try:
            picture = open_image(outline_file) if outline_file else sketch_image(drawing)
            edges, drawn, judged = store.get(names[0]).render(picture)
        except USER_ERRORS as exc:
            raise gr.Error(str(exc), print_exception=False) from None
        return as_files((edges, drawn, f"The judge calls it: {judged}" if judged else ""))

    go.click(render, [pad, upload], [seen, item, verdict], api_name="pix2pix_render", preprocess=False)
    examples = settings.ASSETS_DIR / "examples"
    gr.Examples(
        examples=[[None, str(examples / f"sketch-{n}.png")] for n in ("tshirt", "trousers", "boot")],
        inputs=[pad, upload], outputs=[seen, item, verdict], fn=render, run_on_click=True, cache_examples=False,
        label="Example outlines (our own, CC0)",
    )  # fmt: skip
