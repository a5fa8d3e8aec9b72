"""Studio tab: train a DCGAN, CGAN or InfoGAN from the page on Fashion-MNIST, MNIST or a .zip of your pictures,
watch it learn, and use it at once in the other tabs. The training itself runs in its own process
(playground/studio/jobs.py → `python -m playground.train`); this module only wires widgets to it."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import gradio as gr
import pandas as pd
from PIL import Image

from .. import controls, settings
from ..errors import UserError
from ..imaging import enlarge
from ..pipelines.store import Models
from ..studio.jobs import FAMILIES, WHERE_TO_USE, Snapshot, Studio, TrainSettings, check_visitor, new_visitor
from ..studio.uploads import SIZES, builtin_choices
from .common import friendly, output_path, random_seed

INTRO = """Train a GAN here and use it right away. Pick a model and data — Fashion-MNIST or MNIST when this machine
has them, or a **.zip of your own pictures** (for a CGAN, one folder per class) — check the data, press **Start**
and watch the samples from fixed noise sharpen and both losses move. Training runs on the server in its own
process with the same loop as `python -m playground.train`, so it goes on if you reload or close the page (come
back to the same browser to find it). **Stop** saves; every epoch saves too. Your model then appears in the
Conditional tab (CGAN) or the Latent Explorer (InfoGAN) for you only, and **Download** gives its weights and card."""

DATA_ARGS = (  # the data arguments of prepare and begin, as their API pages describe them
    "visitor_id: your Studio id (32 hex digits; the page keeps one per browser).",
    'source_value: "fashion-mnist", "mnist" (when on the server) or "zip".',
    'upload_value: the .zip of pictures (when source_value is "zip").',
    "size_value: picture size for a zip: 28, 32 or 64.",
    "colour_value: 1 (grey) or 3 (colour), for a zip.",
)
PLOT_POINTS = 400  # per curve; longer histories are thinned evenly
STORAGE_KEY = "gan-playground-studio"


def documented(summary: str, *args: str) -> Callable[[Callable], Callable]:
    """Give a callback its docstring (what Gradio's API page reads) from a summary and `name: meaning` lines."""

    def attach(fn: Callable) -> Callable:
        fn.__doc__ = summary + "\n\nArgs:\n" + "\n".join(f"    {line}" for line in args)
        return fn

    return attach


def browser_secret() -> str:
    """The key the visitor id is encrypted with in the browser: kept in the runs folder so ids survive a restart
    (a fresh random key would make every stored id unreadable)."""
    path = settings.STUDIO_RUNS_DIR / ".browser-secret"
    try:
        return path.read_text().strip()
    except OSError:
        path.parent.mkdir(parents=True, exist_ok=True)
        value = secrets.token_hex(16)
        tmp = path.with_name(".browser-secret.tmp")
        tmp.write_text(value)
        tmp.replace(path)
        return path.read_text().strip()


def loss_frame(snapshot: Snapshot | None) -> pd.DataFrame | None:
    """The losses to plot, or None while there are none: a LinePlot first given an empty table draws no line for
    the data it gets later (Gradio 6.31), while one given None does."""
    points = snapshot.points if snapshot else []
    if not points:
        return None
    frame = pd.DataFrame(points, columns=["step", "epoch", "curve", "loss"])
    # typed even when empty: the plot takes its axes' kinds from the first value it gets (numbers, not names)
    frame = frame.astype({"step": "int64", "epoch": "float64", "curve": "str", "loss": "float64"})
    parts = []
    for _, curve in frame.groupby("curve", sort=False):
        every = max(1, len(curve) // PLOT_POINTS)
        parts.append(curve.iloc[::every])
    return pd.concat(parts) if parts else frame


def open_picture(path: Path) -> Image.Image:
    """A sample grid, doubled while its cells are small (28 or 32 px pictures)."""
    with Image.open(path) as image:
        picture = image.convert("RGB")
    return enlarge(picture, 2) if picture.height < 400 and picture.width < 700 else picture


def visitor_state() -> gr.BrowserState:
    """The browser's Studio id, kept in its localStorage. Make it outside any tab: a tab's components mount only
    when the tab is first opened, and a BrowserState that has not mounted reads as empty when the page loads."""
    return gr.BrowserState(None, storage_key=STORAGE_KEY, secret=browser_secret())


class StudioTab:
    """What the tab does, bound to the visitors' training jobs (`studio`) and to the model families their runs
    join (`models`: "cgan", "infogan" and "dcgan", each a store's Models); each public method is an endpoint."""

    def __init__(self, studio: Studio, models: dict[str, Models], sources: list[tuple[str, str]]) -> None:
        self.studio, self.models, self.sources = studio, models, sources
        self.picker_families: list[str] = []  # set by wire(): the families whose pickers this tab updates

    # -- what a snapshot shows ---------------------------------------------------------------------------
    def picker_updates(self, visitor_id: str) -> list[Any]:
        """Each picker's choices: the shipped models of its family, then this visitor's."""
        return [gr.Dropdown(choices=self.models[family].choices() + self.studio.models(visitor_id, family))
                for family in self.picker_families]  # fmt: skip

    def render(self, visitor_id: str, seen: dict[str, Any], *, everything: bool = False) -> list[Any]:
        """status, sample, plot, model text, commands, *pickers, timer, seen — only what changed since `seen`."""
        snap = self.studio.snapshot(visitor_id)
        skipped = [gr.skip()] * len(self.picker_families)
        if snap is None:
            return ["No training yet.", gr.skip(), gr.skip(), gr.skip(), gr.skip(),
                    *(self.picker_updates(visitor_id) if everything else skipped), gr.Timer(active=False), seen]  # fmt: skip
        fresh = everything or snap.run_id != seen.get("run")
        new_sample = snap.sample is not None and (fresh or snap.sample_step != seen.get("sample"))
        new_points = fresh or len(snap.points) != seen.get("points")
        model_key = f"{snap.model_label} {snap.state}"  # the commands change when the run ends
        new_model = fresh or model_key != seen.get("model")
        seen = {"sample": snap.sample_step, "points": len(snap.points), "model": model_key, "run": snap.run_id}
        return [
            snap.status,
            open_picture(snap.sample) if new_sample else gr.skip(),  # type: ignore[arg-type]
            loss_frame(snap) if new_points else gr.skip(),
            model_markdown(snap) if new_model else gr.skip(),
            snap.commands if new_model else gr.skip(),
            *(self.picker_updates(visitor_id) if new_model else skipped),
            gr.Timer(active=snap.live),
            seen,
        ]

    # -- endpoints ---------------------------------------------------------------------------------------
    def attach(self, visitor_id: Any, seen: dict[str, Any]) -> tuple[Any, ...]:
        """The page opens (or reloads): a visitor id for this browser, and its job if it has one."""
        try:
            visitor_id = check_visitor(visitor_id)
        except ValueError:
            visitor_id = new_visitor()
        pending = self.studio.pending(visitor_id)
        snap = None if pending else self.studio.snapshot(visitor_id)
        data = pending or (snap.data if snap else None)
        if data is not None and data.preview is None:
            data.preview = data.redraw()
        picked = gr.skip()  # the data radio shows the run's data (when that choice is still offered)
        if data is not None and ("zip" if not data.builtin else data.dataset) in [v for _, v in self.sources]:
            picked = "zip" if not data.builtin else data.dataset
        return (
            visitor_id, *self.render(visitor_id, seen, everything=True),
            data.preview if data and data.preview else gr.skip(), data.describe() if data else gr.skip(),
            snap.family if snap else gr.skip(), picked,
        )  # fmt: skip

    @documented(
        "Check the training data and show it: a grid (a row per class), the pictures per class and what was "
        "skipped and why.",
        *DATA_ARGS, 'family_value: "dcgan", "cgan" or "infogan" (a CGAN needs one folder per class).',
    )  # fmt: skip
    def prepare(self, visitor_id, source_value, upload_value, size_value, colour_value, family_value):
        preview = self.studio.prepare(check_visitor(visitor_id), source_value, upload_value, image_size=size_value,
                                      channels=colour_value, family=family_value)  # fmt: skip
        return preview.preview, preview.describe()

    def prepare_if_ready(self, visitor_id, source_value, upload_value, size_value, colour_value, family_value):
        """As prepare, once there is something to check (a zip source waits for its upload)."""
        if source_value == "zip" and not upload_value:
            return gr.skip(), gr.skip()
        return self.prepare(visitor_id, source_value, upload_value, size_value, colour_value, family_value)

    @documented(
        "Start training (in its own process on the server) and return at once; the data is checked first unless "
        "it just was.",
        *DATA_ARGS, 'family_value: "dcgan", "cgan" or "infogan".', "n_epochs: epochs to train.",
        "batch_size: pictures per step.",
        "net_width: channels of the first layers of both networks (8 to 64; wider learns more, slower).",
        "learning_rate: Adam's learning rate for both networks.",
        "seed_value: the training seed (same settings and seed, same model).",
        "epoch_steps: steps per epoch, 0 for every batch of the data.", "grid_every: steps between two sample grids.",
    )  # fmt: skip
    def begin(self, visitor_id, source_value, upload_value, size_value, colour_value, family_value, n_epochs,
              batch_size, net_width, learning_rate, seed_value, epoch_steps, grid_every):  # fmt: skip
        visitor_id = check_visitor(visitor_id)
        wanted = TrainSettings.checked(n_epochs, batch_size, net_width, learning_rate, seed_value, epoch_steps,
                                       grid_every)  # fmt: skip
        self.studio.admit(visitor_id)
        if self.studio.pending(visitor_id) is None:
            self.studio.prepare(visitor_id, source_value, upload_value, image_size=size_value, channels=colour_value,
                                family=family_value)  # fmt: skip
        self.studio.start(visitor_id, family_value, wanted)
        return "**Starting**…", gr.Timer(active=True)

    def pause(self, visitor_id):
        """Pause your training job after its current step."""
        self.studio.pause(check_visitor(visitor_id))
        return "**Paused**", gr.Timer(active=True)

    def resume(self, visitor_id, n_epochs):
        """Go on with your paused job. On a run that has ended: continue it where it stopped (`--resume`, same
        optimizers and data order) — up to its planned epochs if it was stopped, or for `n_epochs` more if it
        had finished them.

        Args:
            visitor_id: your Studio id.
            n_epochs: epochs to add to a finished run.
        """
        visitor_id = check_visitor(visitor_id)
        latest = self.studio.latest(visitor_id)
        if latest is not None and latest.live:
            self.studio.resume(visitor_id)
        else:
            self.studio.continue_run(visitor_id, n_epochs if latest is not None and latest.state == "finished" else 0)
        return "**Training**", gr.Timer(active=True)

    def stop(self, visitor_id):
        """Stop your training job: it finishes its step and saves the model first."""
        self.studio.stop(check_visitor(visitor_id))
        return "**Stopping**: finishing this step and saving…", gr.Timer(active=True)

    def refresh(self, visitor_id, seen):
        """Your job's progress: status line, latest fixed-noise grid, losses, your saved model."""
        return tuple(self.render(check_visitor(visitor_id), seen))

    def download(self, visitor_id):
        """Your latest run's model as a .zip: the generator's safetensors and card, plus `last` (to train on)."""
        return str(self.studio.download(check_visitor(visitor_id), output_path(".zip")))

    def samples(self, visitor_id, seed_value):
        """A grid of 36 samples from your latest DCGAN (sample i uses the noise of seed + i)."""
        snap = self.studio.snapshot(check_visitor(visitor_id))
        if snap is None or snap.model is None:
            raise UserError("Train a DCGAN first: its samples appear here from its first checkpoint on.")
        if snap.family != "dcgan":
            raise UserError(f"Your latest model is a {FAMILIES[snap.family]}: find it in {WHERE_TO_USE[snap.family]}.")
        return self.models["dcgan"][snap.model].grid(seed_value, n=36)


def model_markdown(snap: Snapshot) -> str:
    if snap.model is None:
        return "Your model appears here at its first checkpoint (the end of an epoch, or **Stop**)."
    return f"**{snap.model_label}** is saved: find it in {WHERE_TO_USE[snap.family]}."


def build(
    demo: gr.Blocks, studio: Studio, models: dict[str, Models], visitor: gr.BrowserState,
    pickers: dict[str, gr.Dropdown | None] | None = None,
) -> None:  # fmt: skip
    """`models`: the "cgan", "infogan" and "dcgan" families (a visitor's runs join them). `visitor`: from
    visitor_state(). `pickers`: the model dropdowns of other tabs by family ("cgan", "infogan"); each visitor's
    models join their choices (for that visitor only) when the page opens and whenever a run saves one."""
    sources = [*builtin_choices(), ("My pictures (.zip)", "zip")]
    tab = StudioTab(studio, models, sources)
    ui = layout(sources)
    wire(demo, tab, ui, visitor, {family: picker for family, picker in (pickers or {}).items() if picker is not None})


def layout(sources: list[tuple[str, str]]) -> SimpleNamespace:
    ui = SimpleNamespace(shown=gr.State({"sample": -2, "points": -1, "model": None, "run": None}))
    gr.Markdown(INTRO)
    with gr.Row():
        with gr.Column(scale=1, min_width=320):
            data_layout(ui, sources)
            settings_layout(ui)
            with gr.Row():
                ui.start = gr.Button("Start", variant="primary", elem_id="studio-start")
                ui.pause = gr.Button("Pause", elem_id="studio-pause")
                ui.resume = gr.Button("Go on", elem_id="studio-resume")
                ui.stop = gr.Button("Stop", variant="stop", elem_id="studio-stop")
        with gr.Column(scale=2, min_width=400):
            ui.data_grid = gr.Image(label="Your data (a row per class)", type="pil", format="png", interactive=False,
                                    elem_id="studio-data")  # fmt: skip
            ui.data_text = gr.Markdown(elem_id="studio-data-text")
    ui.status = gr.Markdown("No training yet.", elem_id="studio-status")
    with gr.Row():
        ui.sample = gr.Image(label="Samples from fixed noise (a row per class or category)", type="pil",
                             format="png", interactive=False, elem_id="studio-sample")  # fmt: skip
        ui.plot = gr.LinePlot(None, x="step", y="loss", color="curve", label="Losses", height=320,
                              elem_id="studio-losses")  # fmt: skip
    ui.model_text = gr.Markdown(elem_id="studio-model")
    with gr.Row():
        ui.download = gr.Button("Download the model (.zip: weights, card, training state)", elem_id="studio-download")
        ui.download_file = gr.File(label="Model", interactive=False, elem_id="studio-download-file")
    ui.commands = gr.Code(label="Go on from a shell in the repository", language="shell", interactive=False,
                          elem_id="studio-commands")  # fmt: skip
    with gr.Accordion("Samples from your model (DCGAN)", open=False):
        with gr.Row():
            ui.grid_seed = gr.Number(value=0, label="Seed", precision=0, minimum=0, maximum=controls.MAX_SEED)
            ui.grid_dice = gr.Button("🎲 Random seed")
            ui.grid_go = gr.Button("Generate", variant="primary", elem_id="studio-generate")
        ui.grid = gr.Image(show_label=False, type="pil", format="png", interactive=False, elem_id="studio-grid")
    ui.timer = gr.Timer(2.0, active=False)
    return ui


def data_layout(ui: SimpleNamespace, sources: list[tuple[str, str]]) -> None:
    ui.family = gr.Radio([(label, key) for key, label in FAMILIES.items()], value="cgan", label="Model",
                         elem_id="studio-family")  # fmt: skip
    ui.source = gr.Radio(sources, value=sources[0][1], label="Data", elem_id="studio-source")
    ui.upload = gr.File(label="A .zip of pictures (for a CGAN: one folder per class)", file_types=[".zip"],
                        type="filepath", elem_id="studio-zip")  # fmt: skip
    with gr.Row():
        ui.size = gr.Radio(list(SIZES), value=28, label="Picture size (px)", elem_id="studio-size")
        ui.colour = gr.Radio([("grey", 1), ("colour", 3)], value=1, label="Colour", elem_id="studio-colour")
    ui.check = gr.Button("Check the data", elem_id="studio-check")


def settings_layout(ui: SimpleNamespace) -> None:
    with gr.Accordion("Training settings", open=True):
        ui.epochs = gr.Slider(1, settings.STUDIO_MAX_EPOCHS, value=5, step=1, label="Epochs", elem_id="studio-epochs")
        with gr.Row():
            ui.batch = gr.Dropdown([16, 32, 64, 128], value=64, label="Batch size", elem_id="studio-batch")
            ui.width = gr.Slider(8, 64, value=32, step=8, label="Network width", elem_id="studio-width")
        with gr.Row():
            ui.lr = gr.Number(value=2e-4, label="Learning rate", minimum=1e-6, maximum=1e-2)
            ui.seed = gr.Number(value=0, label="Seed", precision=0, minimum=0, maximum=controls.MAX_SEED)
        with gr.Row():
            ui.steps_per_epoch = gr.Number(value=0, label="Steps per epoch (0 = all pictures)", precision=0,
                                           minimum=0)  # fmt: skip
            ui.sample_every = gr.Number(value=25, label="New sample grid every … steps", precision=0, minimum=1)
    ui.settings_in = [ui.epochs, ui.batch, ui.width, ui.lr, ui.seed, ui.steps_per_epoch, ui.sample_every]
    gr.Examples(
        examples=[[1, 64, 32, 2e-4, 0, 0, 25], [3, 64, 48, 2e-4, 1, 0, 50], [1, 32, 16, 2e-4, 7, 40, 10]],
        inputs=ui.settings_in, label="Settings to try (a quick look, a better model, a two-minute toy)",
    )  # fmt: skip


def wire(
    demo: gr.Blocks, tab: StudioTab, ui: SimpleNamespace, visitor: gr.BrowserState, pickers: dict[str, gr.Dropdown]
) -> None:
    tab.picker_families = list(pickers)
    watched = [ui.status, ui.sample, ui.plot, ui.model_text, ui.commands, *pickers.values(), ui.timer, ui.shown]
    data_in = [visitor, ui.source, ui.upload, ui.size, ui.colour, ui.family]
    demo.load(friendly(tab.attach), [visitor, ui.shown], [visitor, *watched, ui.data_grid, ui.data_text, ui.family,
              ui.source], api_visibility="private")  # fmt: skip
    ui.check.click(friendly(tab.prepare), data_in, [ui.data_grid, ui.data_text], api_name="studio_prepare")
    gr.on([ui.upload.upload, ui.source.input, ui.size.input, ui.colour.input, ui.family.input],
          friendly(tab.prepare_if_ready), data_in, [ui.data_grid, ui.data_text], api_visibility="private",
          trigger_mode="always_last")  # fmt: skip
    control = [ui.status, ui.timer]
    ui.start.click(friendly(tab.begin), [*data_in, *ui.settings_in], control, api_name="studio_start")
    ui.pause.click(friendly(tab.pause), visitor, control, api_name="studio_pause")
    ui.resume.click(friendly(tab.resume), [visitor, ui.epochs], control, api_name="studio_resume")
    ui.stop.click(friendly(tab.stop), visitor, control, api_name="studio_stop")
    ui.timer.tick(friendly(tab.refresh), [visitor, ui.shown], watched, api_name="studio_status",
                  show_progress="hidden", concurrency_limit=None)  # fmt: skip
    ui.download.click(friendly(tab.download), visitor, ui.download_file, api_name="studio_download")
    samples = friendly(tab.samples)
    ui.grid_go.click(samples, [visitor, ui.grid_seed], ui.grid, api_name="studio_samples")
    ui.grid_dice.click(random_seed, None, ui.grid_seed, api_visibility="private").then(
        samples, [visitor, ui.grid_seed], ui.grid, api_visibility="private"
    )
