"""Lab, autoencoders: reconstruct and denoise, sample the VAE, k-means on a latent map, decode anywhere."""

from __future__ import annotations

from types import SimpleNamespace

import gradio as gr

from ..errors import UserError
from ..imaging import open_image
from ..pipelines.autoencode import MAP_SIDE
from ..pipelines.store import Models
from .common import before_after, compare, friendly, output_image

INTRO = """Four autoencoders trained on Fashion-MNIST squeeze a 28×28 picture through a small code and rebuild
it: a **stacked** (MLP) one, a **convolutional** one, a **denoising** one trained to remove noise, and a **VAE**
whose 2-D code you can see whole. Pick a test picture or upload your own (it is turned into a 28×28 grey
item); add noise to see who cleans it up; cluster the codes with k-means; click the map to decode that point."""


LABELS = {"ae-stacked": "stacked (MLP)", "ae-conv": "convolutional", "ae-denoising": "denoising", "vae": "VAE"}
SAMPLES = 16  # VAE samples per press


def label(name: str) -> str:
    return next((v for k, v in LABELS.items() if name.startswith(k + "-")), name)


class Autoencoders:
    """What the tab does, bound to its autoencoder pipelines; each method is an endpoint."""

    def __init__(self, models: Models) -> None:
        self.models = models
        self.vaes = [n for n in models if models.card(n)["config"]["kind"] == "vae"]

    def reconstruct(self, name, index, picture, sigma, seed_value):
        """Reconstruct a picture with an autoencoder (optionally after adding Gaussian noise) and report the PSNR.

        Args:
            name: the autoencoder checkpoint, e.g. "ae-conv-fashion-mnist" or "vae-fashion-mnist".
            index: which built-in test picture to use when no picture is given, 0-9.
            picture: an optional picture of your own (it is made grey and 28x28).
            sigma: standard deviation of the added noise, 0 for none.
            seed_value: the seed of the noise.
        """
        model = self.models[name]
        image = open_image(picture) if picture else None
        a, b, c, before, after = model.reconstruction(image, example=index, noise=sigma, seed=seed_value)
        text = f"PSNR against the clean input: output **{after:.1f} dB**"
        if sigma:
            text += f" (noisy input {before:.1f} dB: {after - before:+.1f} dB)"
        return a, b, c, text

    def draw_map(self, name, clusters):
        picture, score, _ = self.models[name].latent_map(n=clusters)  # the picture carries its colour key
        return picture, f"k-means with k = {int(clusters)}: cluster purity **{score:.3f}**"

    def decode_click(self, name, evt: gr.SelectData):
        x, y = evt.index  # pixels on the map picture, origin top-left
        if y >= MAP_SIDE:
            raise UserError("Click on the map itself, above the colour key.")
        return self.models[name].decoded(x / MAP_SIDE, 1 - y / MAP_SIDE)

    def sample(self, seed_value):
        return self.models[self.vaes[0]].samples(seed_value, n=SAMPLES)


def build(demo: gr.Blocks, models: Models) -> None:
    if not models:
        gr.Markdown("No autoencoder checkpoint is installed in `checkpoints/`.")
        return
    autoencoders = Autoencoders(models)
    gr.Markdown(INTRO)
    ui = SimpleNamespace(choices=[(label(n), n) for n in models])
    reconstruction_layout(ui)
    map_layout(ui, (autoencoders.vaes or models.names)[0])
    if autoencoders.vaes:
        with gr.Row():
            sample_seed = gr.Number(value=0, label="VAE sample seed", precision=0, minimum=0)
            sample = gr.Button("Sample the VAE")
            samples = output_image("Samples")
        sample.click(friendly(autoencoders.sample), sample_seed, samples, api_name="vae_sample")
    wire(demo, autoencoders, ui)


def reconstruction_layout(ui: SimpleNamespace) -> None:
    with gr.Row():
        with gr.Column(scale=1, min_width=300):
            ui.model = gr.Dropdown(ui.choices, value=ui.choices[0][1], label="Autoencoder")
            ui.example = gr.Slider(0, 99, value=0, step=1, label="Test picture")
            ui.upload = gr.Image(
                label="…or your own picture", type="filepath", sources=["upload", "clipboard"], height=160
            )
            ui.noise = gr.Slider(0, 1.0, value=0.0, step=0.05, label="Noise σ (pixels on [0, 1])", elem_id="ae-noise")
            ui.seed = gr.Number(value=0, label="Noise seed", precision=0, minimum=0)
            ui.go = gr.Button("Reconstruct", variant="primary", elem_id="ae-go")
        with gr.Column(scale=2, min_width=480):
            with gr.Row():
                ui.clean = output_image("Input (28×28, as the model sees it)", height=240)
                ui.noisy = output_image("Noisy input", height=240)
                ui.output = output_image("Output", height=240, elem_id="ae-output")
            ui.quality = gr.Markdown()
            ui.compare = before_after("Noisy input | output (drag the divider)", elem_id="ae-compare")


def map_layout(ui: SimpleNamespace, first: str) -> None:
    with gr.Row():
        with gr.Column(scale=1, min_width=300):
            ui.map_model = gr.Dropdown(ui.choices, value=first, label="Latent map of")
            ui.k = gr.Slider(2, 20, value=10, step=1, label="k-means clusters (k)")
            ui.draw = gr.Button("Draw the map")
            ui.purity = gr.Markdown()
        with gr.Column(scale=1, min_width=420):
            ui.latent_map = output_image(
                "Test codes by class (× = k-means centres); click to decode", buttons=["download"], elem_id="ae-map"
            )
        with gr.Column(scale=1, min_width=240):
            ui.decoded = output_image("Decoded from the clicked point", height=240)


def wire(demo: gr.Blocks, autoencoders: Autoencoders, ui: SimpleNamespace) -> None:
    ui.go.click(friendly(autoencoders.reconstruct), [ui.model, ui.example, ui.upload, ui.noise, ui.seed],
                [ui.clean, ui.noisy, ui.output, ui.quality], api_name="ae_reconstruct", preprocess=False).then(
        friendly(compare), [ui.noisy, ui.output], ui.compare, api_visibility="private", preprocess=False)  # fmt: skip
    draw_map = friendly(autoencoders.draw_map)
    ui.draw.click(draw_map, [ui.map_model, ui.k], [ui.latent_map, ui.purity], api_name="vae_map", preprocess=False)
    ui.latent_map.select(friendly(autoencoders.decode_click), ui.map_model, ui.decoded, api_visibility="private")
    demo.load(draw_map, [ui.map_model, ui.k], [ui.latent_map, ui.purity], api_visibility="private",
              preprocess=False)  # fmt: skip
    gr.Examples(examples=[[ui.choices[0][1], 3, 0.0], [ui.choices[-1][1], 17, 0.5]], inputs=[ui.model, ui.example,
                ui.noise], label="Try these")  # fmt: skip
