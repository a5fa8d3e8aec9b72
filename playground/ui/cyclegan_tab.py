"""CycleGAN tab: unpaired translation A↔B, with the cycle back and the identity mapping beside it."""

from __future__ import annotations

import gradio as gr

from .. import settings, weights
from ..imaging import open_image
from ..pipelines.store import Store
from ..pipelines.translate import DIRECTIONS, OFFICIAL, WeightsMissing, fetch_command, official_path
from . import weights_panel
from .common import USER_ERRORS, as_files, friendly


def availability(key: str) -> str:
    """The picker's suffix for a published pair: here, or how big its download is."""
    entry = weights.get(f"cyclegan:{key}")
    if entry.present():
        return "ready"
    return f"download {entry.size_text}" if weights.downloads_allowed() else "not downloaded"


def weights_key(name: str) -> str | None:
    return f"cyclegan:{name}" if name in OFFICIAL else None


def status_text(store: Store) -> str:
    """Which pairs translate right away and which need a download (named in the picker)."""
    ready = [f"{' ↔ '.join(store.cards[n]['domains'])} (trained here)" for n in store.names("cyclegan")]
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
OWN_EXAMPLES = {"Sneaker": "fashion-sneaker.png", "T-shirt/top": "fashion-tshirt.png"}
PUBLISHED_EXAMPLES = (("house.png", "photo2monet"), ("beach.png", "style_vangogh"))

INTRO = """CycleGAN learns to translate between two collections of images that were never paired: A→B, B→A,
and the **cycle** A→B→A that should bring you back where you started. Our own pairs are trained here on
Fashion-MNIST classes; the published generators of the reference implementation (horse↔zebra, photo↔Monet,
...) download from this tab (the picker says which are here) or on first use — or from a shell with
`python -m playground.fetch cyclegan NAME`. Any size and aspect ratio comes back as it went in; very large
pictures are scaled down first, with a notice."""


def model_choices(store: Store) -> list[tuple[str, str]]:
    ours = [(f"{' ↔ '.join(store.cards[n]['domains'])} (trained here)", n) for n in store.names("cyclegan")]
    published = [
        (f"{p.label_a} ↔ {p.label_b} (published{'' if p.b_to_a else ', one way'}) — {availability(k)}", k)
        for k, p in OFFICIAL.items()
    ]
    return ours + published


def build(demo: gr.Blocks, store: Store) -> None:
    choices = model_choices(store)
    gr.Markdown(INTRO)
    with gr.Row():
        with gr.Column(scale=1, min_width=320):
            image = gr.Image(
                label="Input", type="filepath", sources=["upload", "clipboard"], height=300, elem_id="cyclegan-input"
            )
            model = gr.Dropdown(choices, value=choices[0][1], label="Model pair", elem_id="cyclegan-model")
            weights_status = gr.Markdown(elem_id="cyclegan-weights")
            download = gr.Button(visible=False, variant="secondary", elem_id="cyclegan-download")
            direction = gr.Radio(list(DIRECTIONS), value="A→B", label="Direction")
            identity = gr.Checkbox(value=False, label="Also show the identity mapping")
            go = gr.Button("Translate", variant="primary", elem_id="cyclegan-go")
        with gr.Column(scale=2, min_width=480):
            notice = gr.Markdown()
            with gr.Row():
                translated = gr.Image(
                    label="Translation", type="pil", format="png", buttons=["download"], elem_id="cyclegan-output"
                )
                cycled = gr.Image(label="Cycle back (reconstruction)", type="pil", format="png", buttons=["download"])
                same = gr.Image(label="Identity", type="pil", format="png", buttons=["download"], visible=True)

    def translate(image_value, name, way, with_identity, progress=gr.Progress()):
        """Translate a picture between two domains with a CycleGAN pair (e.g. horse to zebra), with the cycle
        back and optionally the identity mapping; any size in, the same size out.

        Args:
            image_value: the picture to translate.
            name: the pair, e.g. "cyclegan-sneaker-boot" or a published one such as "horse2zebra".
            way: "A→B" or "B→A".
            with_identity: also return the identity mapping (the picture through the other generator).
        """
        try:
            picture = open_image(image_value)
            if weights_key(name):  # a published pair's first use downloads it (online)
                weights_panel.ensure(weights_key(name), progress)
            pair = store.translator(name)
            result = pair.translate(picture, way, with_identity=bool(with_identity))
        except WeightsMissing as exc:
            raise gr.Error(str(exc), print_exception=False) from None
        except USER_ERRORS as exc:
            raise gr.Error(str(exc), print_exception=False) from None
        a, b = (pair.label_a, pair.label_b) if way == "A→B" else (pair.label_b, pair.label_a)
        text = f"**{a} → {b}** with {pair.label}. {result.notice}"
        if result.reconstruction is None:
            text += f" (No {b}→{a} generator was published, so there is no cycle back.)"
        return as_files((result.output, result.reconstruction, result.identity, text))

    def list_models():
        """Every pair, whether its weights are here, and the command that fetches published ones."""
        rows = []
        for label, key in model_choices(store):
            pair = OFFICIAL.get(key)
            files = [f for f in (pair.a_to_b, pair.b_to_a) if f] if pair else []
            local = all(official_path(f).exists() for f in files)
            rows.append({"name": key, "label": label, "available": local,
                         "size_mb": weights.get(f"cyclegan:{key}").size_mb if pair else 0,
                         "fetch": None if local else fetch_command(key)})  # fmt: skip
        return rows

    def weights_state(name):
        """The picker (marking which pairs are here), the status line and the download button."""
        return (gr.update(choices=model_choices(store), value=name), status_text(store),
                weights_panel.button_update(weights_key(name)))  # fmt: skip

    def download_pair(name, progress=gr.Progress()):
        """Download a published pair's generators (once), with a progress bar."""
        if weights_key(name) is None:
            raise ValueError(f"{str(name)[:60]} is not a published pair: it has nothing to download.")
        weights_panel.fetch(weights_key(name), progress)
        return weights_state(name)

    go.click(translate, [image, model, direction, identity], [translated, cycled, same, notice],
             api_name="cyclegan_translate", preprocess=False, concurrency_limit=2).then(
        weights_state, model, [model, weights_status, download], api_visibility="private")  # fmt: skip
    demo.load(weights_state, model, [model, weights_status, download], api_name="cyclegan_weights")
    model.input(lambda name: weights_panel.button_update(weights_key(name)), model, download,
                api_visibility="private")  # fmt: skip
    download.click(friendly(download_pair), model, [model, weights_status, download], api_name="cyclegan_download",
                   concurrency_limit=None)  # fmt: skip
    catalogue = gr.JSON(visible=False)
    listing = gr.Button(visible=False)
    listing.click(list_models, None, catalogue, api_name="cyclegan_models")
    ours = [[str(EXAMPLES / OWN_EXAMPLES[store.cards[n]["domains"][0]]), n, "A→B", True]
            for n in store.names("cyclegan") if store.cards[n]["domains"][0] in OWN_EXAMPLES]  # fmt: skip
    if ours:  # instant: they run on click
        gr.Examples(examples=ours, inputs=[image, model, direction, identity], outputs=[translated, cycled, same, notice],
                    fn=translate, run_on_click=True, cache_examples=False,
                    label="Fashion items for our own pairs (our drawings, CC0)")  # fmt: skip
    gr.Examples(
        examples=[[str(EXAMPLES / f), key, "A→B", False] for f, key in PUBLISHED_EXAMPLES if key in OFFICIAL],
        inputs=[image, model, direction, identity],
        label="Pictures for the published pairs (press Translate: the first use downloads the pair)",
    )  # fmt: skip
