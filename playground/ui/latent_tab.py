"""Latent Explorer tab: InfoGAN code sliders, category picker, seed, sweeps and interpolations."""

from __future__ import annotations

import gradio as gr

from .. import controls
from ..imaging import write_gif
from ..pipelines.latent import CODE_RANGE, MAX_FRAMES, MAX_SWEEP_SEEDS, MAX_SWEEP_STEPS, category_choices
from ..pipelines.store import Store
from .common import friendly, output_path, random_seed, settings_text

INTRO = """InfoGAN learns, without labels, a **category** code (which kind of item) and **continuous codes**
(how it is drawn: width, slant, thickness...). Training kept the codes in [−1, 1]; the sliders go to ±2, the
paper's extrapolation range. The category names come from matching each category to the judge classifier's
labels (`python -m playground.evaluate`)."""


def build(demo: gr.Blocks, store: Store) -> tuple[gr.Button, gr.Image] | None:
    names = store.names("infogan")
    if not names:
        gr.Markdown("No InfoGAN checkpoint is installed in `checkpoints/`.")
        return None
    first = names[0]
    choices = category_choices(store.cards[first])

    gr.Markdown(INTRO)
    with gr.Row():
        with gr.Column(scale=1, min_width=300):
            model = gr.Dropdown([(store.label(n), n) for n in names], value=first, label="Dataset")
            category = gr.Dropdown(choices, value=choices[0][1], label="Category", allow_custom_value=True)
            code_1 = gr.Slider(-CODE_RANGE, CODE_RANGE, value=0.0, step=0.05, label="Continuous code 1")
            code_2 = gr.Slider(-CODE_RANGE, CODE_RANGE, value=0.0, step=0.05, label="Continuous code 2")
            with gr.Row():
                seed = gr.Number(
                    value=42,
                    label="Seed",
                    precision=None,
                    minimum=0,
                    maximum=controls.MAX_SEED,
                    scale=3,
                    elem_id="latent-seed",
                )
                dice = gr.Button("🎲 Random seed", scale=1)
        with gr.Column(scale=1, min_width=300):
            image = gr.Image(
                label="Generated",
                type="pil",
                format="png",
                buttons=["download", "fullscreen"],
                height=300,
                interactive=False,
                elem_id="latent-image",
            )
            caption_this = gr.Button("Caption this", size="sm")
            settings_out = gr.Code(label="Settings (copy to share; paste below to reproduce)", language="json")
    with gr.Accordion("Paste settings", open=False):
        settings_in = gr.Textbox(label="Settings JSON", placeholder='{"model": "...", "seed": 42, ...}', lines=2)
        apply = gr.Button("Apply settings")

    with gr.Tab("Sweep a code"):
        gr.Markdown("Each row one category (or one seed), each column one value of the swept code from −2 to 2.")
        with gr.Row():
            sweep_code = gr.Radio([("code 1", 0), ("code 2", 1)], value=0, label="Swept code")
            sweep_rows = gr.Radio(["categories", "seeds"], value="categories", label="Rows")
            sweep_steps = gr.Slider(2, MAX_SWEEP_STEPS, value=9, step=1, label="Columns")
            sweep_seeds = gr.Slider(1, MAX_SWEEP_SEEDS, value=6, step=1, label="Seeds (when rows are seeds)")
        sweep_button = gr.Button("Sweep", variant="primary")
        sweep_image = gr.Image(label="Sweep", show_label=False, type="pil", format="png", buttons=["download"])

    with gr.Tab("Interpolate"):
        gr.Markdown("From the settings above to the ones here: noise by straight line or great circle (slerp).")
        with gr.Row():
            seed_b = gr.Number(value=7, label="End seed", precision=None, minimum=0, maximum=controls.MAX_SEED)
            category_b = gr.Dropdown(choices, value=choices[-1][1], label="End category", allow_custom_value=True)
            code_1_b = gr.Slider(-CODE_RANGE, CODE_RANGE, value=0.0, step=0.05, label="End code 1")
            code_2_b = gr.Slider(-CODE_RANGE, CODE_RANGE, value=0.0, step=0.05, label="End code 2")
        with gr.Row():
            frames = gr.Slider(2, MAX_FRAMES, value=16, step=1, label="Frames")
            mode = gr.Radio(["spherical", "linear"], value="spherical", label="Noise path")
        interp_button = gr.Button("Interpolate", variant="primary")
        strip_image = gr.Image(label="Frames", show_label=False, type="pil", format="png", buttons=["download"])
        with gr.Row():
            gif_view = gr.Image(label="Animation", type="filepath", height=240)
            gif_file = gr.File(label="Download GIF")

    # -- callbacks ---------------------------------------------------------------------------------------
    @friendly
    def generate(model_name, seed_value, category_value, c1, c2):
        """Draw one InfoGAN picture from a seed, a category and two continuous codes; the same values always
        give the same pixels.

        Args:
            model_name: "infogan-fashion-mnist" or "infogan-mnist".
            seed_value: the noise seed, an integer from 0 to 4294967295.
            category_value: the category code, 0-9 (or the class name the evaluation matched to it).
            c1: continuous code 1, from -2 to 2 (training used -1 to 1).
            c2: continuous code 2, from -2 to 2.
        Returns:
            The picture (PNG) and the settings as JSON.
        """
        picture, used = store.get(model_name).generate(seed_value, category_value, [c1, c2])
        return picture, settings_text(used)

    @friendly
    def sweep(model_name, seed_value, category_value, c1, c2, index, rows, steps, n_seeds):
        """Sweep one InfoGAN continuous code from -2 to 2 (columns) for every category or several seeds (rows),
        as a grid picture like the InfoGAN paper's figures.

        Args:
            model_name: "infogan-fashion-mnist" or "infogan-mnist".
            seed_value: the noise seed (first seed when rows are seeds).
            category_value: the category, 0-9, used when rows are seeds.
            c1: continuous code 1, from -2 to 2 (kept when code 2 is swept).
            c2: continuous code 2, from -2 to 2 (kept when code 1 is swept).
            index: which code to sweep, 0 for code 1 or 1 for code 2.
            rows: "categories" or "seeds".
            steps: number of columns.
            n_seeds: number of rows when rows are seeds.
        """
        pipe = store.get(model_name)
        return pipe.sweep(
            seed_value, category_value, [c1, c2], code_index=index, rows=rows, steps=steps, num_seeds=n_seeds
        )

    @friendly
    def interpolate(model_name, s_a, k_a, c1_a, c2_a, s_b, k_b, c1_b, c2_b, n_frames, path):
        """Morph between two InfoGAN settings: returns a strip of frames, a looping GIF and its download.

        Args:
            model_name: "infogan-fashion-mnist" or "infogan-mnist".
            s_a: start seed.
            k_a: start category, 0-9.
            c1_a: start code 1, from -2 to 2.
            c2_a: start code 2, from -2 to 2.
            s_b: end seed.
            k_b: end category, 0-9.
            c1_b: end code 1, from -2 to 2.
            c2_b: end code 2, from -2 to 2.
            n_frames: number of frames.
            path: "spherical" or "linear" path through the noise.
        """
        start = {"seed": s_a, "category": k_a, "codes": [c1_a, c2_a]}
        end = {"seed": s_b, "category": k_b, "codes": [c1_b, c2_b]}
        images, film = store.get(model_name).interpolate(start, end, frames=n_frames, mode=path)
        gif = str(write_gif(images, output_path(".gif")))
        return film, gif, gif

    def switch_model(model_name):
        if model_name not in store.cards:
            raise gr.Error(f"Unknown model {str(model_name)[:60]!r}.", print_exception=False)
        new = category_choices(store.cards[model_name])
        return gr.Dropdown(choices=new, value=new[0][1]), gr.Dropdown(choices=new, value=new[-1][1])

    @friendly
    def apply_settings(text):
        parsed = controls.settings_json(text)
        model_name = parsed.get("model", first)
        controls.choice(model_name, "model", names)
        codes = parsed.get("codes", [0.0, 0.0])
        if not isinstance(codes, list) or len(codes) != 2:
            raise ValueError('"codes" must be a list of two numbers.')
        picture, used = store.get(model_name).generate(parsed.get("seed"), parsed.get("category"), codes)
        new = category_choices(store.cards[model_name])
        return (
            model_name, used.seed, gr.Dropdown(choices=new, value=used.category),
            used.codes[0], used.codes[1], picture, settings_text(used),
        )  # fmt: skip

    controls_in = [model, seed, category, code_1, code_2]
    # preprocess=False: the pipelines validate raw values themselves, so a bad value from the API gets the
    # same one-sentence message as in the UI (and no framework traceback in the server log).
    live = {
        "fn": generate, "inputs": controls_in, "outputs": [image, settings_out], "show_progress": "hidden",
        "preprocess": False,
    }  # fmt: skip
    gr.on(
        [code_1.release, code_2.release, category.input, seed.submit], **live,
        trigger_mode="always_last", api_name="infogan_generate",
    )  # fmt: skip
    demo.load(**live, api_visibility="private")  # a picture is there when the page opens
    model.input(switch_model, model, [category, category_b], api_name="infogan_categories", preprocess=False).then(
        **live, api_visibility="private"
    )
    dice.click(random_seed, None, seed, api_name="random_seed").then(**live, api_visibility="private")
    apply.click(
        apply_settings, settings_in, [model, seed, category, code_1, code_2, image, settings_out],
        api_name="infogan_apply_settings", preprocess=False,
    )  # fmt: skip
    sweep_button.click(
        sweep, [*controls_in, sweep_code, sweep_rows, sweep_steps, sweep_seeds], sweep_image,
        api_name="infogan_sweep", show_progress="minimal", preprocess=False,
    )  # fmt: skip
    interp_button.click(
        interpolate, [*controls_in, seed_b, category_b, code_1_b, code_2_b, frames, mode],
        [strip_image, gif_view, gif_file], api_name="infogan_interpolate", show_progress="minimal", preprocess=False,
    )  # fmt: skip

    gr.Examples(
        # categories by name: Gradio's example table shows a bare index 0 as a blank cell
        examples=[[first, 42, choices[0][0], 0.0, 0.0], [first, 7, choices[3][0], 1.5, -1.0],
                  [first, 2024, choices[-1][0], -2.0, 2.0]],
        inputs=controls_in, outputs=[image, settings_out], fn=generate, run_on_click=True,
        cache_examples=False, label="Try these",
    )  # fmt: skip
    return caption_this, image
