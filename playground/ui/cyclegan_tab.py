"""CycleGAN tab: unpaired translation A↔B, with the cycle back and the identity mapping beside it."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

import gradio as gr

from .. import settings, weights
from ..errors import UserError
from ..imaging import open_image
from ..pipelines.store import Models
from ..pipelines.translate import DIRECTIONS, OFFICIAL, Translator, fetch_command, official_path
from . import weights_panel
from .common import ENLARGED, before_after, compare, friendly, output_image


def availability(key: str) -> str:
    """The picker's suffix for a published pair: here, or how big its download is."""
    entry = weights.get(f"cyclegan:{key}")
    if entry.present():
        return "ready"
    return f"download {entry.size_text}" if weights.downloads_allowed() else "not downloaded"


def weights_key(name: str) -> str | None:
    return f"cyclegan:{name}" if name in OFFICIAL else None


def ours_label(card: dict) -> str:
    return f"{' ↔ '.join(card['domains'])} (trained here)"


def status_text(ours: Models) -> str:
    """Which pairs translate right away and which need a download (named in the picker)."""
    ready = [ours_label(ours.card(n)) for n in ours]
    ready += [f"{p.label_a} ↔ {p.label_b}" for k, p in OFFICIAL.items() if weights.present(f"cyclegan:{k}")]
    missing = [k for k in OFFICIAL if not weights.present(f"cyclegan:{k}")]
    text = f"**Ready:** {', '.join(ready)}." if ready else ""
    if missing and weights.downloads_allowed():
        sizes = sorted({weights.get(f"cyclegan:{k}").size_mb for k in missing})
        span = f"{sizes[0]} MB" if len(sizes) == 1 else f"{sizes[0]}–{sizes[-1]} MB"
        text += f" **Needs a download:** {len(missing)} published pairs ({span} each, marked in the picker)."
    elif missing:
        text += (f" **Not downloaded, and downloads are off here:** {len(missing)} published pairs — fetch one from a "
                 "shell with `python -m playground.fetch cyclegan NAME`.")  # fmt: skip
    return text.strip()


EXAMPLES = settings.ASSETS_DIR / "examples"
# An example picture for each domain A of our own pairs, and photos for published pairs that fit them.
OWN_EXAMPLES = {"Sneaker": "fashion-sneaker.png", "Sandal": "fashion-sandal.png"}
PUBLISHED_EXAMPLES = (("house.png", "photo2monet"), ("beach.png", "style_vangogh"))

INTRO = """CycleGAN learns to translate between two collections of images that were never paired: A→B, B→A,
and the **cycle** A→B→A that should bring you back where you started. Our own pairs are trained here on
Fashion-MNIST classes; the published generators of the reference implementation (horse↔zebra, photo↔Monet,
...) download from this tab (the picker says which are here) or on first use — or from a shell with
`python -m playground.fetch cyclegan NAME`. Any size and aspect ratio comes back as it went in; very large
pictures are scaled down first, with a notice."""


def model_choices(ours: Models) -> list[tuple[str, str]]:
    published = [
        (f"{p.label_a} ↔ {p.label_b} (published{'' if p.b_to_a else ', one way'}) — {availability(k)}", k)
        for k, p in OFFICIAL.items()
    ]
    return [(ours_label(ours.card(n)), n) for n in ours] + published


class CycleGAN:
    """What the tab does: `translator(name)` gives a loaded pair (ours or published), `ours` our own pairs."""

    def __init__(self, ours: Models, translator: Callable[[str], Translator]) -> None:
        self.ours, self.translator = ours, translator

    def translate(self, image_value, name, way, with_identity, progress=gr.Progress()):
        """Translate a picture between two domains with a CycleGAN pair (e.g. horse to zebra), with the cycle
        back and optionally the identity mapping; any size in, the same size out.

        Args:
            image_value: the picture to translate.
            name: the pair, e.g. "cyclegan-sneaker-boot" or a published one such as "horse2zebra".
            way: "A→B" or "B→A".
            with_identity: also return the identity mapping (the picture through the other generator).
        """
        picture = open_image(image_value)
        if weights_key(name):  # a published pair's first use downloads it (online)
            weights_panel.ensure(weights_key(name), progress)
        pair = self.translator(name)
        result = pair.translation(picture, direction=way, identity=bool(with_identity))
        a, b = (pair.label_a, pair.label_b) if way == "A→B" else (pair.label_b, pair.label_a)
        text = f"**{a} → {b}** with {pair.label}. {result.notice}"
        if result.reconstruction is None:
            text += f" (No {b}→{a} generator was published, so there is no cycle back.)"
        return result.output, result.reconstruction, result.identity, text

    def list_models(self):
        """Every pair, whether its weights are here, and the command that fetches published ones."""
        rows = []
        for label, key in model_choices(self.ours):
            pair = OFFICIAL.get(key)
            files = [f for f in (pair.a_to_b, pair.b_to_a) if f] if pair else []
            local = all(official_path(f).exists() for f in files)
            rows.append({"name": key, "label": label, "available": local,
                         "size_mb": weights.get(f"cyclegan:{key}").size_mb if pair else 0,
                         "fetch": None if local else fetch_command(key)})  # fmt: skip
        return rows

    def weights_state(self, name):
        """The picker (marking which pairs are here), the status line and the download button."""
        return (gr.update(choices=model_choices(self.ours), value=name), status_text(self.ours),
                weights_panel.button_update(weights_key(name)))  # fmt: skip

    def download_pair(self, name, progress=gr.Progress()):
        """Download a published pair's generators (once), with a progress bar."""
        if weights_key(name) is None:
            raise UserError(f"{str(name)[:60]} is not a published pair: it has nothing to download.")
        weights_panel.fetch(weights_key(name), progress)
        return self.weights_state(name)


def build(demo: gr.Blocks, ours: Models, translator: Callable[[str], Translator]) -> None:
    cyclegan = CycleGAN(ours, translator)
    ui = layout(ours)
    translate = friendly(cyclegan.translate)
    show_compare = {"fn": friendly(compare), "inputs": [ui.image, ui.outputs[0]], "outputs": ui.compare,
                    "api_visibility": "private", "preprocess": False}  # fmt: skip
    ui.go.click(translate, [ui.image, ui.model, ui.direction, ui.identity], ui.outputs, api_name="cyclegan_translate",
                preprocess=False).then(
        cyclegan.weights_state, ui.model, ui.weights, api_visibility="private").then(**show_compare)  # fmt: skip
    demo.load(friendly(cyclegan.weights_state), ui.model, ui.weights, api_name="cyclegan_weights")
    ui.model.input(lambda name: weights_panel.button_update(weights_key(name)), ui.model, ui.download,
                   api_visibility="private")  # fmt: skip
    ui.download.click(friendly(cyclegan.download_pair), ui.model, ui.weights, api_name="cyclegan_download",
                      concurrency_limit=None)  # fmt: skip
    listing = gr.Button(visible=False)
    listing.click(friendly(cyclegan.list_models), None, gr.JSON(visible=False), api_name="cyclegan_models")
    examples(ours, ui, translate, show_compare)


def layout(ours: Models) -> SimpleNamespace:
    ui = SimpleNamespace()
    choices = model_choices(ours)
    gr.Markdown(INTRO)
    with gr.Row():
        with gr.Column(scale=1, min_width=320):
            ui.image = gr.Image(
                label="Input", type="filepath", sources=["upload", "clipboard"], height=300, elem_id="cyclegan-input"
            )
            ui.model = gr.Dropdown(choices, value=choices[0][1], label="Model pair", elem_id="cyclegan-model")
            status = gr.Markdown(elem_id="cyclegan-weights")
            ui.download = gr.Button(visible=False, variant="secondary", elem_id="cyclegan-download")
            ui.direction = gr.Radio(list(DIRECTIONS), value="A→B", label="Direction")
            ui.identity = gr.Checkbox(value=False, label="Also show the identity mapping")
            ui.go = gr.Button("Translate", variant="primary", elem_id="cyclegan-go")
        with gr.Column(scale=2, min_width=480):
            notice = gr.Markdown()
            with gr.Row():
                # a 28 × 28 item fills its box (pixels stay crisp) instead of being drawn 28 px high
                big = {"height": 260, "elem_classes": [ENLARGED]}
                translated = output_image("Translation", elem_id="cyclegan-output", **big)
                cycled = output_image("Cycle back (reconstruction)", **big)
                same = output_image("Identity", **big)
            ui.compare = before_after("Before | after (drag the divider)", elem_id="cyclegan-compare")
    ui.outputs = [translated, cycled, same, notice]
    ui.weights = [ui.model, status, ui.download]
    return ui


def examples(ours: Models, ui: SimpleNamespace, translate: Callable, show_compare: dict) -> None:
    inputs = [ui.image, ui.model, ui.direction, ui.identity]
    own = [[str(EXAMPLES / OWN_EXAMPLES[ours.card(n)["domains"][0]]), n, "A→B", True]
           for n in ours if ours.card(n)["domains"][0] in OWN_EXAMPLES]  # fmt: skip
    if own:  # instant: they run on click
        rows = gr.Examples(examples=own, inputs=inputs, label="Fashion items for our own pairs (our drawings, CC0)")
        # the Translate button's chain, run when a row fills the inputs (the same function: the same lane)
        rows.load_input_event.then(translate, inputs, ui.outputs, api_visibility="private", preprocess=False).then(
            **show_compare
        )
    gr.Examples(
        examples=[[str(EXAMPLES / f), key, "A→B", False] for f, key in PUBLISHED_EXAMPLES if key in OFFICIAL],
        inputs=inputs, label="Pictures for the published pairs (press Translate: the first use downloads the pair)",
    )  # fmt: skip
