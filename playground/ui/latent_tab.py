"""Latent Explorer tab: InfoGAN code sliders, category picker, seed, sweeps, interpolations, and your own
picture found in the latent space."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import gradio as gr

from .. import controls
from ..errors import UserError
from ..imaging import open_image, write_gif, write_mp4
from ..pipelines.inversion import DEFAULT_STEPS, MAX_STEPS
from ..pipelines.latent import CODE_RANGE, MAX_FRAMES, MAX_SWEEP_COLUMNS, MAX_SWEEP_SEEDS, category_choices
from ..pipelines.sketch import filled, sketch_image
from ..pipelines.store import Models
from .common import (
    INVERSION_UPDATE_EVERY,
    friendly,
    friendly_stream,
    output_image,
    output_path,
    picture_or_drawing,
    random_seed,
    save_json,
    seed_input,
    settings_text,
    with_parameters,
)  # fmt: skip
from .history import generator_tab
from .share import copy_link_button, link_settings

INTRO = """InfoGAN learns, without labels, a **category** code (which kind of item) and **continuous codes**
(how it is drawn: width, slant, thickness...). Training kept the codes in [−1, 1]; the sliders go to ±2, the
paper's extrapolation range. Each category is named after the class the judge classifier sees in most of its
samples, with how often (`python -m playground.evaluate`); "unnamed" where no class has half of them. Under
**Your own picture**, upload or draw an item to find it in the latent space, then edit it with every control."""


class LatentExplorer:
    """What the tab does, bound to its InfoGAN pipelines. Each method is an endpoint; the number of code
    values each takes comes from the model cards (`codes`), and the last value of the drawing endpoints is the
    visitor's current latent (an inverted picture's noise, or None for the seed's)."""

    def __init__(self, models: Models) -> None:
        self.models = models
        self.codes = max(models.card(n)["config"]["num_continuous"] for n in models)

    def _codes(self, model_name: str, values: tuple) -> list[float]:
        return list(values[: self.models.card(model_name)["config"]["num_continuous"]])

    def generate(self, model_name: str, seed_value: Any, category_value: Any, *values: Any) -> tuple[Any, str]:
        """Draw one InfoGAN picture from a seed, a category and the continuous codes; the same values always
        give the same pixels.

        Args:
            model_name: "infogan-fashion-mnist" or "infogan-mnist".
            seed_value: the noise seed, an integer from 0 to 4294967295.
            category_value: the category code, 0-9 (or the class name it is named after).
            c1: continuous code 1, from -2 to 2 (training used -1 to 1).
            c2: continuous code 2, from -2 to 2.
        Returns:
            The picture (PNG) and the settings as JSON.
        """
        model, codes, latent = self.models[model_name], values[: self.codes], values[self.codes]
        picture, used = model.picture(
            seed_value, category=category_value, codes=self._codes(model_name, codes), latent=latent
        )
        return picture, settings_text(used)

    def _sweep_options(self, model_name: str, category_value: Any, values: tuple) -> dict:
        codes, (index, rows, columns, n_seeds, latent) = values[: self.codes], values[self.codes :]
        return {"category": category_value, "codes": self._codes(model_name, codes), "code": index, "rows": rows,
                "n": columns, "n_seeds": n_seeds, "latent": latent}  # fmt: skip

    def sweep(self, model_name: str, seed_value: Any, category_value: Any, *values: Any) -> Any:
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
        model = self.models[model_name]
        return model.sweep(seed_value, **self._sweep_options(model_name, category_value, values))

    def sweep_video(self, model_name: str, seed_value: Any, category_value: Any, *values: Any) -> list[str]:
        """The same sweep as an animation, one frame per value of the swept code: a looping GIF, an MP4 and
        the settings as JSON (same parameters as /infogan_sweep)."""
        model = self.models[model_name]
        options = self._sweep_options(model_name, category_value, values)
        frames = model.sweep_frames(seed_value, **options)
        return animation_files(frames, {"model": model_name, "seed": seed_value, **options}, fps=4)

    def _ends(self, model_name: str, values: tuple) -> tuple[dict, dict, Any, Any]:
        k = self.codes
        ends = [values[: 2 + k], values[2 + k : 4 + 2 * k]]
        n_frames, path, latent = values[4 + 2 * k :]
        start, end = ({"seed": s, "category": c, "codes": self._codes(model_name, rest)} for s, c, *rest in ends)
        return {**start, "latent": latent}, end, n_frames, path

    def interpolate(self, model_name: str, *values: Any) -> tuple[Any, str, str]:
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
        model = self.models[model_name]
        start, end, n_frames, path = self._ends(model_name, values)
        images, film = model.interpolation(start, end, n=n_frames, mode=path)
        gif = str(write_gif(images, output_path(".gif")))
        return film, gif, gif

    def interpolate_video(self, model_name: str, *values: Any) -> list[str]:
        """The same interpolation as an MP4 (forward and back, like the GIF) and its settings as JSON (same
        parameters as /infogan_interpolate)."""
        model = self.models[model_name]
        start, end, n_frames, path = self._ends(model_name, values)
        images, _ = model.interpolation(start, end, n=n_frames, mode=path)
        settings = {"model": model_name, "start": start, "end": end, "n": n_frames, "mode": path}
        return animation_files(images, settings, gif=False)

    def invert(self, model_name, image_value, drawing, seed_value, steps, progress=gr.Progress()):
        """Find your own picture (an upload, or a drawing) in the InfoGAN's latent space: the best of a seeded
        pool of latents, then Adam on noise and codes against pixel and judge-feature losses. Streams the
        original beside its reconstruction; at the end the category, codes and latent are the current point.

        Args:
            model_name: "infogan-fashion-mnist" or "infogan-mnist".
            image_value: a picture of one item (or None when drawing).
            drawing: a sketchpad drawing, used when no picture is given.
            seed_value: the seed of the candidate pool.
            steps: optimisation steps, 1-1000 (100 is plenty).
        """
        model = self.models[model_name]
        picture = open_image(image_value) if image_value else filled(sketch_image(drawing))
        total = controls.whole(steps, "Steps", 1, MAX_STEPS)
        skip = [gr.skip()] * (self.codes + 4)  # the controls change once, at the end
        for found in model.inversion(picture, seed=seed_value, steps=total, every=INVERSION_UPDATE_EVERY):
            progress(found.step.step / total, desc=f"step {found.step.step}/{total}")
            original, reconstruction, gap = found.pictures()
            if found.step.step < total:  # the last step is shown once, with the controls, below
                yield (original, reconstruction), gap, inversion_status(found, total), *skip
        used = found.settings
        shown, settings = model.picture(used.seed, category=used.category, codes=used.codes, latent=used.latent)
        codes = used.codes + [0.0] * (self.codes - len(used.codes))
        yield (original, reconstruction), gap, inversion_status(found, total), used.category, *codes, used.latent, \
            shown, settings_text(settings)  # fmt: skip

    def first_picture(self, model_name: str, seed_value: Any, category_value: Any, *values: Any,
                      request: gr.Request = None) -> tuple[Any, ...]:  # fmt: skip
        """The picture when the page opens: a shared link's settings if the link names this tab, else the
        controls' own (the controls keep their values then)."""
        shared = link_settings(request, TAB)
        if shared is not None:
            return self.apply_settings(shared)
        picture, settings = self.generate(model_name, seed_value, category_value, *values)
        return (*[gr.skip()] * (3 + self.codes), picture, settings, gr.skip())

    def thumbnail(self, text: str) -> Any:
        """A history entry's picture, drawn again from its settings."""
        return self.apply_settings(text)[3 + self.codes]

    def categories(self, model_name: str) -> tuple[Any, Any]:
        """The category pickers (start and end) for another model."""
        if model_name not in self.models:
            raise UserError(f"Unknown model {str(model_name)[:60]!r}.")
        choices = category_choices(self.models.card(model_name))
        return gr.Dropdown(choices=choices, value=choices[0][1]), gr.Dropdown(choices=choices, value=choices[-1][1])

    def code_sliders(self, model_name: str) -> list[Any]:
        """The start and end code sliders, as many shown as the model has codes."""
        shown = self.models.card(model_name)["config"]["num_continuous"] if model_name in self.models else self.codes
        return [gr.Slider(visible=i % self.codes < shown) for i in range(2 * self.codes)]

    def apply_settings(self, text: Any) -> tuple[Any, ...]:
        """Settings JSON pasted back: the controls set to them and the same picture drawn."""
        parsed = controls.settings_json(text)
        model_name = self.models.check(parsed.get("model", self.models.names[0]))
        codes = parsed.get("codes", [0.0] * self.models.card(model_name)["config"]["num_continuous"])
        if not isinstance(codes, list):
            raise UserError('"codes" must be a list of numbers.')
        picture, used = self.models[model_name].picture(
            parsed.get("seed"), category=parsed.get("category"), codes=codes, latent=parsed.get("latent")
        )
        padded = used.codes + [0.0] * (self.codes - len(used.codes))
        choices = category_choices(self.models.card(model_name))
        return (model_name, used.seed, gr.Dropdown(choices=choices, value=used.category), *padded, picture,
                settings_text(used), used.latent)  # fmt: skip


def inversion_status(found: Any, total: int) -> str:
    said, redrawn = found.judged
    verdict = f" · the judge calls your picture **{said}**, the reconstruction **{redrawn}**" if said else ""
    return (f"Step {found.step.step}/{total} · PSNR **{found.psnr():.1f} dB** · loss {found.step.loss:.4f} · "
            f"{found.step.seconds:.1f} s{verdict}")  # fmt: skip


def animation_files(frames: list, settings: dict, *, fps: float = 8.0, gif: bool = True) -> list[str]:
    """An animation's downloads: the GIF (when asked), the MP4 and its settings as JSON."""
    files = [str(write_gif(frames, output_path(".gif"), fps=fps))] if gif else []
    files.append(str(write_mp4(frames, output_path(".mp4"), fps=fps)))
    return [*files, save_json(settings)]


def code_names(k: int, suffix: str = "") -> list[str]:
    return [f"c{i + 1}{suffix}" for i in range(k)]


TAB = "latent"  # this tab's id in gr.Tabs, in shared links and in the history


def build(demo: gr.Blocks, models: Models) -> SimpleNamespace | None:
    """The tab; returns its "Caption this" button and the picture it sends (`caption`), and what the history
    needs of it (`history`)."""
    if not models:
        gr.Markdown("No InfoGAN checkpoint is installed in `checkpoints/`.")
        return None
    explorer = LatentExplorer(models)
    ui = layout(models, explorer.codes)
    wire(demo, explorer, ui)
    return generator_tab(TAB, ui, ui.image, explorer)


def layout(models: Models, k: int) -> SimpleNamespace:
    ui = SimpleNamespace(latent=gr.State(None))  # the visitor's inverted noise, or None: the seed's
    first = models.names[0]
    ui.choices = choices = category_choices(models.card(first))
    gr.Markdown(INTRO)
    with gr.Row():
        with gr.Column(scale=1, min_width=300):
            ui.model = gr.Dropdown(models.choices(), value=first, label="Dataset", elem_id="latent-model")
            ui.category = gr.Dropdown(choices, value=choices[0][1], label="Category", allow_custom_value=True)
            ui.codes = code_sliders("Continuous code", k, "latent-code")
            ui.seed, ui.dice = seed_input(42, elem_id="latent-seed")
            ui.latent_note = gr.Markdown(elem_id="latent-note")
        with gr.Column(scale=1, min_width=300):
            ui.image = output_image("Generated", height=300, elem_id="latent-image")
            ui.caption_this = gr.Button("Caption this", size="sm")
            ui.settings_out = gr.Code(label="Settings (copy to share; paste below to reproduce)", language="json")
            copy_link_button(TAB, ui.settings_out)
    with gr.Accordion("Paste settings", open=False):
        ui.settings_in = gr.Textbox(label="Settings JSON", placeholder='{"model": "...", "seed": 42, ...}', lines=2)
        ui.apply = gr.Button("Apply settings")
    ui.applied = [ui.model, ui.seed, ui.category, *ui.codes, ui.image, ui.settings_out, ui.latent]
    inversion_layout(ui)
    sweep_layout(ui, k)
    interpolation_layout(ui, k)
    return ui


def code_sliders(label: str, k: int, elem_id: str) -> list[gr.Slider]:
    return [gr.Slider(-CODE_RANGE, CODE_RANGE, value=0.0, step=0.05, label=f"{label} {i + 1}",
                      elem_id=f"{elem_id}-{i + 1}") for i in range(k)]  # fmt: skip


def inversion_layout(ui: SimpleNamespace) -> None:
    with gr.Tab("Your own picture", elem_id="latent-own"):
        gr.Markdown("Upload a picture of one item, or draw one (a closed outline is filled in): the explorer finds the "
                    "closest picture its generator can make, then every control above edits it (sweep and interpolate "
                    "start from it too).")  # fmt: skip
        with gr.Row():
            ui.invert_upload, ui.invert_pad = picture_or_drawing("latent-invert", 240)
        with gr.Row():
            ui.invert_steps = gr.Slider(
                20, MAX_STEPS, value=DEFAULT_STEPS, step=10, label="Optimisation steps", elem_id="latent-invert-steps"
            )
            ui.invert_go = gr.Button("Find it in the latent space", variant="primary", elem_id="latent-invert-go")
        with gr.Row():
            ui.invert_compare = gr.ImageSlider(label="Your picture | the generator's closest", type="filepath",
                                               format="png", interactive=False, elem_id="latent-invert-compare")  # fmt: skip
            ui.invert_gap = output_image("Where they differ", elem_id="latent-invert-gap")
        ui.invert_status = gr.Markdown(elem_id="latent-invert-status")


def sweep_layout(ui: SimpleNamespace, k: int) -> None:
    with gr.Tab("Sweep a code"):
        gr.Markdown("Each row one category (or one seed), each column one value of the swept code from −2 to 2.")
        with gr.Row():
            ui.sweep_code = gr.Radio([(f"code {i + 1}", i) for i in range(k)], value=0, label="Swept code")
            ui.sweep_rows = gr.Radio(["categories", "seeds"], value="categories", label="Rows")
            ui.sweep_columns = gr.Slider(2, MAX_SWEEP_COLUMNS, value=9, step=1, label="Columns")
            ui.sweep_seeds = gr.Slider(1, MAX_SWEEP_SEEDS, value=6, step=1, label="Seeds (when rows are seeds)")
        ui.sweep_button = gr.Button("Sweep", variant="primary")
        ui.sweep_image = output_image("Sweep", show_label=False)
        ui.sweep_files = gr.File(label="The sweep as an animation (GIF, MP4) and its settings", file_count="multiple",
                                 interactive=False)  # fmt: skip


def interpolation_layout(ui: SimpleNamespace, k: int) -> None:
    with gr.Tab("Interpolate"):
        gr.Markdown("From the settings above (or your picture) to the ones here: noise by straight line or great "
                    "circle (slerp).")  # fmt: skip
        with gr.Row():
            ui.seed_b = gr.Number(value=7, label="End seed", precision=None, minimum=0, maximum=controls.MAX_SEED)
            ui.category_b = gr.Dropdown(
                ui.choices, value=ui.choices[-1][1], label="End category", allow_custom_value=True
            )
            ui.codes_b = code_sliders("End code", k, "latent-end-code")
        with gr.Row():
            ui.frames = gr.Slider(2, MAX_FRAMES, value=16, step=1, label="Frames")
            ui.mode = gr.Radio(["spherical", "linear"], value="spherical", label="Noise path")
        ui.interp_button = gr.Button("Interpolate", variant="primary")
        ui.strip_image = output_image("Frames", show_label=False)
        with gr.Row():
            ui.gif_view = gr.Image(label="Animation", type="filepath", height=240, interactive=False)
            ui.gif_file = gr.File(label="Download GIF", interactive=False)
            ui.video_files = gr.File(label="MP4 and settings", file_count="multiple", interactive=False)


LATENT_NOTE = ("Drawing from **your picture's latent** (the seed is not used): type a seed or press 🎲 to go "
               "back to seeds.")  # fmt: skip


def note(latent: Any) -> str:
    return LATENT_NOTE if latent else ""


def wire(demo: gr.Blocks, explorer: LatentExplorer, ui: SimpleNamespace) -> None:
    k = explorer.codes
    controls_in = [ui.model, ui.seed, ui.category, *ui.codes]
    names = ["model_name", "seed_value", "category_value", *code_names(k)]
    generate = friendly(with_parameters(explorer.generate, names, optional=["latent"]))
    # preprocess=False: the pipelines validate raw values themselves, so a bad value from the API gets the
    # same one-sentence message as in the UI (and no framework traceback in the server log).
    live = {"fn": generate, "inputs": [*controls_in, ui.latent], "outputs": [ui.image, ui.settings_out],
            "show_progress": "hidden", "preprocess": False}  # fmt: skip
    gr.on([*(c.release for c in ui.codes), ui.category.input], **live, trigger_mode="always_last",
          api_name="infogan_generate")  # fmt: skip
    first = friendly(with_parameters(explorer.first_picture, names, optional=["latent"], request=True))
    demo.load(first, [*controls_in, ui.latent], ui.applied, api_visibility="private", preprocess=False).then(
        note, ui.latent, ui.latent_note, api_visibility="private")  # a picture is there when the page opens  # fmt: skip
    forget = {"fn": lambda: (None, ""), "inputs": None, "outputs": [ui.latent, ui.latent_note],
              "api_visibility": "private"}  # a seed of one's own: back to seeds  # fmt: skip
    ui.seed.submit(**forget).then(**live, api_visibility="private")
    ui.model.input(friendly(explorer.categories), ui.model, [ui.category, ui.category_b], api_name="infogan_categories",
                   preprocess=False).then(**forget).then(**live, api_visibility="private")  # fmt: skip
    ui.model.input(explorer.code_sliders, ui.model, [*ui.codes, *ui.codes_b], api_visibility="private",
                   preprocess=False)  # fmt: skip
    ui.dice.click(random_seed, None, ui.seed, api_name="random_seed").then(**forget).then(
        **live, api_visibility="private")  # fmt: skip
    ui.apply.click(friendly(explorer.apply_settings), ui.settings_in, ui.applied, api_name="infogan_apply_settings",
                   preprocess=False).then(note, ui.latent, ui.latent_note, api_visibility="private")  # fmt: skip
    wire_inversion(explorer, ui)
    wire_animations(explorer, ui, controls_in, names)
    first = explorer.models.names[0]
    shown = [value for _, value in ui.choices if value != 0]
    gr.Examples(
        # Gradio's example table shows category 0 as a blank cell (and a label as one too): other categories
        examples=[[first, 42, shown[0], *([0.0] * k)], [first, 7, shown[2], 1.5, *([-1.0] * (k - 1))],
                  [first, 2024, shown[-1], -2.0, *([2.0] * (k - 1))]],
        inputs=controls_in, outputs=[ui.image, ui.settings_out], fn=generate, run_on_click=True,
        cache_examples=False, label="Try these",
    )  # fmt: skip


def wire_inversion(explorer: LatentExplorer, ui: SimpleNamespace) -> None:
    invert = friendly_stream(explorer.invert)
    outputs = [ui.invert_compare, ui.invert_gap, ui.invert_status, ui.category, *ui.codes, ui.latent, ui.image,
               ui.settings_out]  # fmt: skip
    ui.invert_go.click(invert, [ui.model, ui.invert_upload, ui.invert_pad, ui.seed, ui.invert_steps], outputs,
                       api_name="infogan_invert", preprocess=False).then(
        note, ui.latent, ui.latent_note, api_visibility="private")  # fmt: skip


def wire_animations(explorer: LatentExplorer, ui: SimpleNamespace, controls_in: list, names: list[str]) -> None:
    k = explorer.codes
    sweep_names = [*names, "index", "rows", "steps", "n_seeds", "latent"]
    sweep_in = [*controls_in, ui.sweep_code, ui.sweep_rows, ui.sweep_columns, ui.sweep_seeds, ui.latent]
    sweep = friendly(with_parameters(explorer.sweep, sweep_names))
    sweep_video = friendly(with_parameters(explorer.sweep_video, sweep_names))
    ui.sweep_button.click(sweep, sweep_in, ui.sweep_image, api_name="infogan_sweep", show_progress="minimal",
                          preprocess=False).then(sweep_video, sweep_in, ui.sweep_files,
                                                 api_name="infogan_sweep_video", preprocess=False)  # fmt: skip
    interp_names = ["model_name", "s_a", "k_a", *code_names(k, "_a"), "s_b", "k_b", *code_names(k, "_b"), "n_frames",
                    "path", "latent"]  # fmt: skip
    interp_in = [*controls_in, ui.seed_b, ui.category_b, *ui.codes_b, ui.frames, ui.mode, ui.latent]
    interpolate = friendly(with_parameters(explorer.interpolate, interp_names))
    interpolate_video = friendly(with_parameters(explorer.interpolate_video, interp_names))
    ui.interp_button.click(
        interpolate, interp_in, [ui.strip_image, ui.gif_view, ui.gif_file], api_name="infogan_interpolate",
        show_progress="minimal", preprocess=False,
    ).then(interpolate_video, interp_in, ui.video_files, api_name="infogan_interpolate_video", preprocess=False)  # fmt: skip
