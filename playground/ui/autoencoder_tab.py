"""Lab, autoencoders: reconstruct and denoise, sample the VAE, k-means on a latent map, decode anywhere."""

from __future__ import annotations

import gradio as gr

from ..imaging import open_image
from ..pipelines.autoencode import MAP_SIDE
from ..pipelines.store import Store
from .common import friendly

INTRO = """Four autoencoders trained on Fashion-MNIST squeeze a 28×28 picture through a small code and rebuild
it: a **stacked** (MLP) one, a **convolutional** one, a **denoising** one trained to remove noise, and a **VAE**
whose 2-D code you can see whole. Pick a test picture or upload your own (it is turned into a 28×28 grey
item); add noise to see who cleans it up; cluster the codes with k-means; click the map to decode that point."""


def build(demo: gr.Blocks, store: Store) -> None:
    names = store.names("autoencoder")
    if not names:
        gr.Markdown("No autoencoder checkpoint is installed in `checkpoints/`.")
        return
    labels = {"ae-stacked": "stacked (MLP)", "ae-conv": "convolutional", "ae-denoising": "denoising", "vae": "VAE"}

    def label(name: str) -> str:
        return next((v for k, v in labels.items() if name.startswith(k + "-")), name)

    choices = [(label(n), n) for n in names]
    vaes = [n for n in names if store.cards[n]["config"]["kind"] == "vae"]
    gr.Markdown(INTRO)
    with gr.Row():
        with gr.Column(scale=1, min_width=300):
            model = gr.Dropdown(choices, value=choices[0][1], label="Autoencoder")
            example = gr.Slider(0, 99, value=0, step=1, label="Test picture")
            upload = gr.Image(
                label="…or your own picture", type="filepath", sources=["upload", "clipboard"], height=160
            )
            noise = gr.Slider(0, 1.0, value=0.0, step=0.05, label="Noise σ (pixels on [0, 1])", elem_id="ae-noise")
            seed = gr.Number(value=0, label="Noise seed", precision=0, minimum=0)
            go = gr.Button("Reconstruct", variant="primary", elem_id="ae-go")
        with gr.Column(scale=2, min_width=480):
            with gr.Row():
                clean = gr.Image(label="Input (28×28, as the model sees it)", type="pil", height=240)
                noisy = gr.Image(label="Noisy input", type="pil", height=240)
                output = gr.Image(label="Output", type="pil", format="png", buttons=["download"], height=240,
                                  elem_id="ae-output")  # fmt: skip
            quality = gr.Markdown()
    with gr.Row():
        with gr.Column(scale=1, min_width=300):
            map_model = gr.Dropdown(choices, value=(vaes or names)[0], label="Latent map of")
            k = gr.Slider(2, 20, value=10, step=1, label="k-means clusters (k)")
            draw = gr.Button("Draw the map")
            purity = gr.Markdown()
        with gr.Column(scale=1, min_width=420):
            latent_map = gr.Image(label="Test codes by class (× = k-means centres); click to decode", type="pil",
                                  interactive=False, elem_id="ae-map")  # fmt: skip
        with gr.Column(scale=1, min_width=240):
            decoded = gr.Image(label="Decoded from the clicked point", type="pil", height=240)
    if vaes:
        with gr.Row():
            sample_seed = gr.Number(value=0, label="VAE sample seed", precision=0, minimum=0)
            sample = gr.Button("Sample the VAE")
            samples = gr.Image(label="Samples", type="pil", buttons=["download"])
        sample.click(friendly(lambda seed_value: store.get(vaes[0]).sample(seed_value, 16)), sample_seed, samples,
                     api_name="vae_sample")  # fmt: skip

    @friendly
    def reconstruct(name, index, picture, sigma, seed_value):
        """Reconstruct a picture with an autoencoder (optionally after adding Gaussian noise) and report the PSNR.

        Args:
            name: the autoencoder checkpoint, e.g. "ae-conv-fashion-mnist" or "vae-fashion-mnist".
            index: which built-in test picture to use when no picture is given, 0-9.
            picture: an optional picture of your own (it is made grey and 28x28).
            sigma: standard deviation of the added noise, 0 for none.
            seed_value: the seed of the noise.
        """
        pipe = store.get(name)
        image = open_image(picture) if picture else None
        a, b, c, before, after = pipe.reconstruct(image, example=index, noise=sigma, seed=seed_value)
        text = f"PSNR against the clean input: output **{after:.1f} dB**"
        if sigma:
            text += f" (noisy input {before:.1f} dB: {after - before:+.1f} dB)"
        return a, b, c, text

    @friendly
    def draw_map(name, clusters):
        picture, score, _ = store.get(name).latent_map(clusters)  # the picture carries its colour key
        return picture, f"k-means with k = {int(clusters)}: cluster purity **{score:.3f}**"

    @friendly
    def decode_click(name, evt: gr.SelectData):
        x, y = evt.index  # pixels on the map picture, origin top-left
        if y >= MAP_SIDE:
            raise ValueError("Click on the map itself, above the colour key.")
        return store.get(name).decode_at(x / MAP_SIDE, 1 - y / MAP_SIDE)

    go.click(reconstruct, [model, example, upload, noise, seed], [clean, noisy, output, quality],
             api_name="ae_reconstruct", preprocess=False)  # fmt: skip
    draw.click(draw_map, [map_model, k], [latent_map, purity], api_name="vae_map", preprocess=False)
    latent_map.select(decode_click, map_model, decoded, api_visibility="private")
    demo.load(draw_map, [map_model, k], [latent_map, purity], api_visibility="private", preprocess=False)
    gr.Examples(examples=[[choices[0][1], 3, 0.0], [choices[-1][1], 17, 0.5]], inputs=[model, example, noise],
                label="Try these")  # fmt: skip
