"""Captioning tab: greedy vs beam search side by side, the n-best list, and where the model looked."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import gradio as gr

from .. import settings
from ..errors import UserError
from ..imaging import open_image
from ..pipelines.caption import REGISTRY, Captioner, CaptionReport, canonical, overlay
from . import weights_panel
from .common import friendly

WEIGHTS = [f"caption:{key}" for key in REGISTRY]


def weights_key(source: str) -> str | None:
    """The download a captioner needs (registry models only: folders are local, other Hub ids are fetched
    from a shell)."""
    return f"caption:{source}" if source in REGISTRY else None


INTRO = """An image encoder (ViT or Swin) reads the picture; a GPT-2 decoder writes the caption, looking back at
the image through **cross-attention** at every word. Greedy search takes the likeliest word each step; beam
search keeps several partial captions and returns the best complete ones — compare their log-probabilities.
Models download once — from this tab (the button names the model and its size), or from a shell with
`python -m playground.fetch caption NAME` — and then run offline."""


def report_markdown(report: CaptionReport) -> str:
    rows = [
        "| decoding | caption | log p (Σ) | log p / token | time |",
        "|---|---|---|---|---|",
        f"| greedy | {report.greedy.text or '∅'} | {report.greedy.log_prob:.2f} | {report.greedy.per_token:.2f} "
        f"| {report.greedy_seconds * 1000:.0f} ms |",
    ]
    for rank, c in enumerate(report.beams, 1):
        when = f"{report.beam_seconds * 1000:.0f} ms" if rank == 1 else ""
        rows.append(f"| beam #{rank} | {c.text or '∅'} | {c.log_prob:.2f} | {c.per_token:.2f} | {when} |")
    return "\n".join(rows)


# The JSON result keeps the names transformers users know for the decoding settings.
PUBLIC_SETTINGS = {"beams": "num_beams", "n": "num_return", "steps": "max_new_tokens"}


def report_json(report: CaptionReport) -> dict:
    def one(c):
        return {"text": c.text, "log_prob": round(c.log_prob, 4), "tokens": c.tokens}

    return {
        "greedy": {**one(report.greedy), "seconds": round(report.greedy_seconds, 4)},
        "beam": {"n_best": [one(c) for c in report.beams], "seconds": round(report.beam_seconds, 4)},
        "settings": {PUBLIC_SETTINGS.get(k, k): v for k, v in report.settings.items()},
    }


class Captioning:
    """What the tab does: `captioner(source)` gives a loaded captioner; `extra_models` are the command line's."""

    def __init__(self, captioner: Callable[[str], Captioner], extra_models: list[str]) -> None:
        self.load, self.extra_models = captioner, list(extra_models)
        # Only the registry and the command line's --caption-model values: a request never names a folder.
        self.allowed = {canonical(m) for m in [*REGISTRY, *extra_models]}

    def captioner(self, source: Any, progress: gr.Progress) -> Captioner:
        if not isinstance(source, str) or len(source) > 500 or canonical(source) not in self.allowed:
            raise UserError(f"Unknown captioner; choose one from the list ({', '.join(REGISTRY)} or the server's own).")
        if weights_key(source):  # the first use downloads the model when it is missing and we are online
            weights_panel.ensure(weights_key(source), progress)
        return self.load(source)

    def caption(self, image_value, source, n_beams, n, max_new, ngram, rep, lp, progress=gr.Progress()):
        """Caption a picture with a vision encoder-decoder: greedy decoding beside beam search, with the n-best
        list, log-probabilities and timings.

        Args:
            image_value: the picture to caption.
            source: the captioner, e.g. "vit-gpt2" or "blip".
            n_beams: beam width.
            n: how many beam hypotheses to return.
            max_new: the most tokens to generate.
            ngram: no-repeat n-gram size, 0 for none.
            rep: repetition penalty, 1 for none.
            lp: length penalty of beam search.
        Returns:
            A Markdown table and the same result as JSON.
        """
        picture = open_image(image_value)
        report = self.captioner(source, progress).captions(
            picture, beams=n_beams, n=n, steps=max_new, no_repeat_ngram_size=ngram, repetition_penalty=rep,
            length_penalty=lp,
        )  # fmt: skip
        return report_markdown(report), report_json(report)

    def attention(self, image_value, source, which, max_new, progress=gr.Progress()):
        """Where the captioner looked: the decoder's cross-attention over the picture for every generated word.

        Args:
            image_value: the picture to caption.
            source: the captioner, e.g. "vit-gpt2".
            which: "mean" over layers, or one layer's index.
            max_new: the most tokens to generate.
        Returns:
            A gallery: one heat map over the picture per word.
        """
        picture = open_image(image_value)
        report = self.captioner(source, progress).attention(picture, steps=max_new, layer=which)
        pairs = zip(report.tokens, report.maps, strict=True)
        return [(overlay(picture, heat), f"{i + 1}. {token}") for i, (token, heat) in enumerate(pairs)]

    def weights_state(self, source):
        """Which captioners are on this machine, and the download button for the picked one."""
        local = [f"local: {m}" for m in self.extra_models]
        return weights_panel.status_text(WEIGHTS, local), weights_panel.button_update(weights_key(source))

    def download_model(self, source, progress=gr.Progress()):
        """Download the picked captioner from the Hugging Face Hub (once), with a progress bar."""
        if weights_key(source) is None:
            raise UserError(f"{str(source)[:60]} is not one of the captioners this tab downloads.")
        weights_panel.fetch(weights_key(source), progress)
        return self.weights_state(source)


def build(demo: gr.Blocks, captioner: Callable[[str], Captioner], extra_models: list[str]) -> gr.Image:
    """The tab; returns the image input, so other tabs can send their pictures here ("Caption this")."""
    tab = Captioning(captioner, extra_models)
    choices = [(spec.label, key) for key, spec in REGISTRY.items()] + [(f"local: {m}", m) for m in extra_models]
    gr.Markdown(INTRO)
    ui = SimpleNamespace()
    with gr.Row():
        with gr.Column(scale=1, min_width=320):
            ui.image = gr.Image(
                label="Image", type="filepath", sources=["upload", "clipboard"], height=300, elem_id="caption-input"
            )
            ui.model = gr.Dropdown(choices, value=(extra_models[0] if extra_models else "vit-gpt2"), label="Captioner",
                                   info="more with `python app.py --caption-model FOLDER_OR_HUB_ID`")  # fmt: skip
            ui.weights_status = gr.Markdown(elem_id="caption-weights")
            ui.download = gr.Button(visible=False, variant="secondary", elem_id="caption-download")
            decoding_layout(ui)
            ui.go = gr.Button("Caption", variant="primary", elem_id="caption-go")
        with gr.Column(scale=1, min_width=380):
            ui.table = gr.Markdown(elem_id="caption-table")
            ui.result = gr.JSON(label="Result (as the API returns it)", open=False)
            with gr.Accordion("Where it looked (cross-attention per word)", open=True):
                ui.layer = gr.Dropdown([("mean over layers", "mean")] + [(f"layer {i}", i) for i in range(12)],
                                       value="mean", label="Layers")  # fmt: skip
                ui.look = gr.Button("Show attention")
                ui.maps = gr.Gallery(label="Pick a word", columns=5, height=320, object_fit="contain")
    gr.Examples(
        examples=[[str(settings.ASSETS_DIR / "examples" / name)] for name in ("house.png", "beach.png", "night-city.png")],
        inputs=ui.image, label="Example pictures (CC0, assets/SOURCES.md)",
    )  # fmt: skip
    wire(demo, tab, ui)
    return ui.image


def decoding_layout(ui: SimpleNamespace) -> None:
    with gr.Accordion("Decoding", open=True):
        with gr.Row():
            beams = gr.Slider(1, 8, value=4, step=1, label="Beams")
            n_best = gr.Slider(1, 8, value=3, step=1, label="n-best shown (at most one per beam)")
        with gr.Row():
            ui.max_tokens = gr.Slider(4, 40, value=20, step=1, label="Max new tokens")
            no_repeat = gr.Slider(0, 4, value=0, step=1, label="No-repeat n-gram size")
        with gr.Row():
            repetition = gr.Slider(1.0, 2.0, value=1.0, step=0.05, label="Repetition penalty")
            length = gr.Slider(-1.0, 2.0, value=1.0, step=0.1, label="Length penalty (beam)")
    ui.decoding = [beams, n_best, ui.max_tokens, no_repeat, repetition, length]


def wire(demo: gr.Blocks, tab: Captioning, ui: SimpleNamespace) -> None:
    weights_out = [ui.weights_status, ui.download]
    ui.go.click(friendly(tab.caption), [ui.image, ui.model, *ui.decoding], [ui.table, ui.result], api_name="caption",
                preprocess=False).then(
        tab.weights_state, ui.model, weights_out, api_visibility="private")  # fmt: skip
    ui.look.click(friendly(tab.attention), [ui.image, ui.model, ui.layer, ui.max_tokens], ui.maps,
                  api_name="caption_attention", preprocess=False)  # fmt: skip
    demo.load(friendly(tab.weights_state), ui.model, weights_out, api_name="caption_weights")
    ui.model.change(tab.weights_state, ui.model, weights_out, api_visibility="private")
    ui.download.click(friendly(tab.download_model), ui.model, weights_out, api_name="caption_download",
                      concurrency_limit=None)  # fmt: skip
