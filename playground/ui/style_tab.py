"""Style transfer tab: a fast feed-forward engine and Gatys' optimisation on VGG19, side by side."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

import gradio as gr

from .. import controls, settings
from ..errors import UserError
from ..imaging import open_image
from ..pipelines.fast_style import BUILTIN_STYLES, FastStyle
from ..pipelines.style import MAX_SCALES, STYLE_LAYERS, Gatys, GatysProgress, GatysSettings
from . import weights_panel
from .common import MAX_UNREAD, before_after, compare, friendly, friendly_stream, output_image, unread

INTRO = """Give a **content** picture and one or more **style** pictures. The *fast* engine (Ghiasi et al.'s
arbitrary-style network, or one of its 26 built-in styles) answers in well under a second. *Gatys*
optimises the picture itself against VGG19's features — slow, tunable, and you watch it happen; stop it
whenever it looks right. *Preserve colour* transfers brightness only and keeps the content's colours."""

EXAMPLES = settings.ASSETS_DIR / "examples"
# (content, style pictures): one style each, so both engines run them as they come (the default is the fast one)
EXAMPLES_ONE_STYLE = [
    [str(EXAMPLES / content), [str(EXAMPLES / style)]]
    for content, style in (("house.png", "swirls.png"), ("night-city.png", "mosaic.png"), ("beach.png", "mosaic.png"))
]
# (content, style pictures, blend weights): several styles are Gatys' alone, so this one sits in its tab
BLEND_EXAMPLES = [[str(EXAMPLES / "beach.png"), [str(EXAMPLES / "swirls.png"), str(EXAMPLES / "mosaic.png")], "1, 0.5"]]


def parse_weights(text: str, n: int) -> list[float]:
    """'1, 0.5' → [1.0, 0.5]; empty → equal weights for the n styles."""
    if not str(text or "").strip():
        return [1.0] * n
    parts = [p for p in str(text).replace(";", ",").split(",") if p.strip()]
    if len(parts) != n:
        raise UserError(f"Give one blend weight per style image: {n} styles, {len(parts)} weights.")
    return [controls.bounded(p.strip(), "A blend weight", 0, 1000) for p in parts]


MAX_STYLE_IMAGES = 8  # a blend of more is not worth its cost; each one is opened and encoded by VGG19


def style_files(value) -> list:
    if not value:
        raise UserError("Upload at least one style image.")
    return controls.items(value if isinstance(value, list) else [value], "style image", MAX_STYLE_IMAGES)


class StyleTransfer:
    """What the tab does: `fast_style()` and `gatys()` give the two engines, loaded on first use."""

    def __init__(self, demo: gr.Blocks, fast_style: Callable[[], FastStyle], gatys: Callable[[], Gatys]) -> None:
        self.demo, self.fast_style, self.gatys_engine = demo, fast_style, gatys

    def fast(self, content_value, style_value, keep_colour, where, picked, amount):
        """Fast style transfer (under a second): repaint a content picture in a built-in style or in the style
        of one uploaded picture.

        Args:
            content_value: the content picture.
            style_value: style pictures (only one, used when where is "style image").
            keep_colour: keep the content's colours and take only the style's texture.
            where: "style image" or "built-in styles".
            picked: built-in style numbers, 0-25 (several are blended).
            amount: style strength, 0 to 1.
        """
        picture = open_image(content_value)
        engine = self.fast_style()
        if where == "built-in styles":
            style, used = (
                picked or [],
                f"built-in style{'s' if len(picked or []) > 1 else ''} {', '.join(map(str, picked or []))}",
            )
        else:
            files = style_files(style_value)
            if len(files) > 1:
                raise UserError("The fast engine takes one style picture; use Gatys to blend several.")
            style, used = open_image(files[0]), "the uploaded style picture"
        out = engine.stylized(picture, style=style, strength=amount, preserve_color=keep_colour)
        return out, f"Fast engine, {used}, strength {amount:g}: {out.width}×{out.height}."

    def gatys(self, content_value, style_value, weight_text, keep_colour, n_steps, side, w_style, w_content, w_tv,
              opt, start, style_layers, n_scales=3, request: gr.Request = None, progress=gr.Progress()):  # fmt: skip
        """Gatys style transfer: optimise a picture so its VGG19 features match the content picture and its
        Gram matrices match one or several style pictures; streams intermediate pictures.

        Args:
            content_value: the content picture.
            style_value: one or several style pictures.
            weight_text: blend weights for several styles, comma-separated (e.g. "0.7, 0.3"), or empty.
            keep_colour: keep the content's colours.
            n_steps: optimisation steps.
            side: longest side of the result in pixels.
            w_style: style loss weight.
            w_content: content loss weight.
            w_tv: total-variation (smoothness) weight.
            opt: "lbfgs" or "adam".
            start: start from "content", "style" or "noise".
            style_layers: VGG19 layers whose Gram matrices are matched, e.g. ["conv1_1", "conv2_1", "conv3_1"].
            n_scales: coarse-to-fine scales: 1 optimises at full size only; 3 starts at a quarter of the size, then
                half, then full (most steps where they are cheap; about 3× faster at 512 px).
        """
        picture = open_image(content_value)
        files = style_files(style_value)
        blend = parse_weights(weight_text, len(files))
        styles = [(open_image(f), w) for f, w in zip(files, blend, strict=True)]
        if not style_layers:
            raise UserError("Pick at least one style layer.")
        config = GatysSettings(
            steps=n_steps, size=side, style_weight=w_style, content_weight=w_content, tv_weight=w_tv, optimizer=opt,
            init=start, preserve_color=bool(keep_colour), style_layers=tuple(controls.items(style_layers, "style layer")),
            scales=n_scales,
        )  # fmt: skip
        weights_panel.ensure("vgg19", progress)  # the first use downloads VGG19 (online)
        # A yield every step (a picture every 10th): Gradio closes a stream only at a yield, so Stop or a
        # visitor leaving ends the optimisation within one step.
        for update in self.gatys_engine().stylized(picture, styles=styles, settings=config, every=1):
            progress(update.step / config.steps, desc=f"step {update.step}/{config.steps}")
            yield from self._shown(update, config.steps)
            if unread(self.demo, request) > MAX_UNREAD:
                return
            if update.seconds > settings.MAX_JOB_SECONDS and update.step < config.steps:
                yield (
                    update.image,
                    (
                        f"Stopped at step {update.step}/{config.steps} after {update.seconds:.0f} s, this server's "
                        "limit for one run: fewer steps or a smaller size finish sooner."
                    ),
                )
                return

    @staticmethod
    def _shown(update: GatysProgress, steps: int):
        losses = ", ".join(f"{k} {v:.3g}" for k, v in update.losses.items())
        shown = update.image if update.step % 10 == 0 or update.step == steps else gr.skip()
        size = f"{update.image.width}×{update.image.height}"
        yield shown, f"Step {update.step}/{steps} at {size} · {update.seconds:.1f} s · {losses}"

    def show_styles(self, content_value):
        sample = open_image(content_value) if content_value else open_image(EXAMPLES / "house.png")
        return self.fast_style().gallery(sample)

    @staticmethod
    def weights_state():
        """Whether VGG19 is on this machine, and the download button while it is not."""
        ready = [f"the fast engine and its {BUILTIN_STYLES} built-in styles (no download)"]
        return weights_panel.status_text(["vgg19"], ready), weights_panel.button_update("vgg19")

    def download_vgg19(self, progress=gr.Progress()):
        """Download VGG19's ImageNet weights (once) for the Gatys engine, with a progress bar."""
        weights_panel.fetch("vgg19", progress)
        return self.weights_state()

    @staticmethod
    def pick(evt: gr.SelectData):
        return "built-in styles", [evt.index]


def build(
    demo: gr.Blocks, fast_style: Callable[[], FastStyle], gatys: Callable[[], Gatys]
) -> tuple[gr.Button, gr.Image]:
    """The tab; returns its "Caption this" button and the picture it sends."""
    tab = StyleTransfer(demo, fast_style, gatys)
    gr.Markdown(INTRO)
    ui = SimpleNamespace()
    with gr.Row():
        with gr.Column(scale=1, min_width=340):
            inputs_layout(ui)
            with gr.Tab("Fast"):
                fast_layout(ui)
            with gr.Tab("Gatys (VGG19)"):
                gatys_layout(ui)
        with gr.Column(scale=1, min_width=380):
            ui.result = output_image("Result", height=460, elem_id="style-result")
            ui.status = gr.Markdown()
            ui.compare = before_after("Content | result (drag the divider)", elem_id="style-compare")
            ui.caption_this = gr.Button("Caption this", size="sm")
    wire(demo, tab, ui)
    return ui.caption_this, ui.result


def inputs_layout(ui: SimpleNamespace) -> None:
    ui.content = gr.Image(
        label="Content", type="filepath", sources=["upload", "clipboard"], height=260, elem_id="style-content"
    )
    ui.styles = gr.File(label="Style image(s)", file_count="multiple", file_types=["image"], type="filepath")
    ui.weights = gr.Textbox(label="Blend weights (one per style, e.g. 1, 0.5; empty = equal)", max_lines=1)
    ui.preserve = gr.Checkbox(value=False, label="Preserve the content's colours")
    ui.weights_status = gr.Markdown(elem_id="style-weights")  # Gatys needs VGG19: said before any click
    ui.download = gr.Button(visible=False, variant="secondary", elem_id="style-download")


def fast_layout(ui: SimpleNamespace) -> None:
    ui.source = gr.Radio(["style image", "built-in styles"], value="style image", label="Style from",
                         elem_id="style-source")  # fmt: skip
    ui.builtin = gr.Dropdown([(f"style {i}", i) for i in range(BUILTIN_STYLES)], value=[7], multiselect=True,
                             label="Built-in styles (several = a blend)")  # fmt: skip
    ui.strength = gr.Slider(0, 1, value=1.0, step=0.05, label="Style strength")
    ui.fast_go = gr.Button("Stylize (fast)", variant="primary", elem_id="style-fast")
    with gr.Accordion("The 26 built-in styles", open=False):
        ui.show = gr.Button("Show them on the content picture", size="sm")
        ui.gallery = gr.Gallery(columns=6, height=300, allow_preview=False, label="Click one to pick it")


def gatys_layout(ui: SimpleNamespace) -> None:
    with gr.Row():
        ui.steps = gr.Slider(10, 1000, value=200, step=10, label="Steps")
        ui.size = gr.Slider(64, 1024, value=384, step=32, label="Output size (longest side)")
    with gr.Row():
        ui.style_weight = gr.Number(value=1e6, label="Style weight")
        ui.content_weight = gr.Number(value=1.0, label="Content weight")
        ui.tv_weight = gr.Number(value=1e-3, label="Total-variation weight")
    with gr.Row():
        ui.optimizer = gr.Radio(["lbfgs", "adam"], value="lbfgs", label="Optimiser")
        ui.init = gr.Radio(["content", "style", "noise"], value="content", label="Start from")
    ui.layers = gr.CheckboxGroup([*STYLE_LAYERS, "conv2_2", "conv3_2", "conv4_2"], value=list(STYLE_LAYERS),
                                 label="Style layers")  # fmt: skip
    ui.scales = gr.Slider(1, MAX_SCALES, value=3, step=1, label="Scales, coarse to fine",
                          info="1: every step at full size. 3: a quarter, half, then full size — the same steps, "
                          "about 3× sooner at 512 px (sides under 64 px are skipped).")  # fmt: skip
    with gr.Row():
        ui.gatys_go = gr.Button("Run Gatys", variant="primary")
        ui.stop = gr.Button("Stop")
    # A blend of several styles is Gatys' alone (the fast engine takes one picture): its example lives here.
    gr.Examples(examples=BLEND_EXAMPLES, inputs=[ui.content, ui.styles, ui.weights],
                label="A blend of two styles, weighted 1 : 0.5")  # fmt: skip


def wire(demo: gr.Blocks, tab: StyleTransfer, ui: SimpleNamespace) -> None:
    # preprocess=False: uploads are opened by open_image (size and pixel caps before decoding).
    side_by_side = {"fn": friendly(compare), "inputs": [ui.content, ui.result], "outputs": ui.compare,
                    "api_visibility": "private", "preprocess": False}  # fmt: skip
    ui.fast_go.click(friendly(tab.fast), [ui.content, ui.styles, ui.preserve, ui.source, ui.builtin, ui.strength],
                     [ui.result, ui.status], api_name="style_fast", preprocess=False).then(
        **side_by_side)  # fmt: skip
    gatys_inputs = [ui.content, ui.styles, ui.weights, ui.preserve, ui.steps, ui.size, ui.style_weight,
                    ui.content_weight, ui.tv_weight, ui.optimizer, ui.init, ui.layers, ui.scales]  # fmt: skip
    running = ui.gatys_go.click(friendly_stream(tab.gatys), gatys_inputs, [ui.result, ui.status],
                                api_name="style_gatys", preprocess=False)  # fmt: skip
    ui.stop.click(None, None, None, cancels=[running], api_visibility="private")
    weights_out = [ui.weights_status, ui.download]
    running.then(tab.weights_state, None, weights_out, api_visibility="private").then(**side_by_side)
    demo.load(friendly(tab.weights_state), None, weights_out, api_name="style_weights")
    ui.download.click(friendly(tab.download_vgg19), None, weights_out, api_name="style_download",
                      concurrency_limit=None)  # fmt: skip
    ui.show.click(friendly(tab.show_styles), ui.content, ui.gallery, api_name="style_builtin_gallery",
                  preprocess=False)  # fmt: skip
    ui.gallery.select(tab.pick, None, [ui.source, ui.builtin], api_visibility="private")
    gr.Examples(examples=EXAMPLES_ONE_STYLE, inputs=[ui.content, ui.styles],
                label="Examples, one style each: both engines (our own CC0 drawings, assets/SOURCES.md)")  # fmt: skip
