"""Studio tab: train a DCGAN, CGAN or InfoGAN from the page on Fashion-MNIST, MNIST or a .zip of your pictures,
watch it learn, and use it at once in the other tabs. The training itself runs in its own process
(playground/studio/jobs.py → `python -m playground.train`); this module only wires widgets to it."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import gradio as gr
import pandas as pd
from PIL import Image

from .. import controls, settings
from ..imaging import enlarge
from ..pipelines.store import Store
from ..studio.jobs import FAMILIES, WHERE_TO_USE, Snapshot, Studio, TrainSettings, check_visitor, new_visitor
from ..studio.uploads import SIZES, builtin_choices
from .common import friendly, output_path, random_seed

INTRO = """Train a GAN here and use it right away. Pick a model and data — Fashion-MNIST or MNIST when this machine
has them, or a **.zip of your own pictures** (for a CGAN, one folder per class) — check the data, press **Start**
and watch the samples from fixed noise sharpen and both losses move. Training runs on the server in its own
process with the same loop as `python -m playground.train`, so it goes on if you reload or close the page (come
back to the same browser to find it). **Stop** saves; every epoch saves too. Your model then appears in the
Conditional tab (CGAN) or the Latent Explorer (InfoGAN) for you only, and **Download** gives its weights and card."""

PLOT_POINTS = 400  # per curve; longer histories are thinned evenly
STORAGE_KEY = "gan-playground-studio"


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


def build(
    demo: gr.Blocks, store: Store, studio: Studio, visitor: gr.BrowserState,
    pickers: dict[str, gr.Dropdown] | None = None,
) -> None:  # fmt: skip
    """`visitor`: from visitor_state(). `pickers`: the model dropdowns of other tabs by family ("cgan",
    "infogan"); each visitor's models join their choices (for that visitor only) when the page opens and
    whenever a run saves one."""
    pickers = {family: dropdown for family, dropdown in (pickers or {}).items() if dropdown is not None}
    picker_families = list(pickers)
    builtins = builtin_choices()
    sources = [*builtins, ("My pictures (.zip)", "zip")]

    shown = gr.State({"sample": -2, "points": -1, "model": None, "run": None})
    gr.Markdown(INTRO)
    with gr.Row():
        with gr.Column(scale=1, min_width=320):
            family = gr.Radio([(label, key) for key, label in FAMILIES.items()], value="cgan", label="Model",
                              elem_id="studio-family")  # fmt: skip
            source = gr.Radio(sources, value=sources[0][1], label="Data", elem_id="studio-source")
            upload = gr.File(label="A .zip of pictures (for a CGAN: one folder per class)", file_types=[".zip"],
                             type="filepath", elem_id="studio-zip")  # fmt: skip
            with gr.Row():
                size = gr.Radio(list(SIZES), value=28, label="Picture size (px)", elem_id="studio-size")
                colour = gr.Radio([("grey", 1), ("colour", 3)], value=1, label="Colour", elem_id="studio-colour")
            check = gr.Button("Check the data", elem_id="studio-check")
            with gr.Accordion("Training settings", open=True):
                epochs = gr.Slider(1, settings.STUDIO_MAX_EPOCHS, value=5, step=1, label="Epochs",
                                   elem_id="studio-epochs")  # fmt: skip
                with gr.Row():
                    batch = gr.Dropdown([16, 32, 64, 128], value=64, label="Batch size", elem_id="studio-batch")
                    width = gr.Slider(8, 64, value=32, step=8, label="Network width", elem_id="studio-width")
                with gr.Row():
                    lr = gr.Number(value=2e-4, label="Learning rate", minimum=1e-6, maximum=1e-2)
                    seed = gr.Number(value=0, label="Seed", precision=0, minimum=0, maximum=controls.MAX_SEED)
                with gr.Row():
                    steps_per_epoch = gr.Number(value=0, label="Steps per epoch (0 = all pictures)", precision=0,
                                                minimum=0)  # fmt: skip
                    sample_every = gr.Number(value=25, label="New sample grid every … steps", precision=0, minimum=1)
            with gr.Row():
                start = gr.Button("Start", variant="primary", elem_id="studio-start")
                pause = gr.Button("Pause", elem_id="studio-pause")
                resume = gr.Button("Go on", elem_id="studio-resume")
                stop = gr.Button("Stop", variant="stop", elem_id="studio-stop")
        with gr.Column(scale=2, min_width=400):
            data_grid = gr.Image(label="Your data (a row per class)", type="pil", format="png", interactive=False,
                                 elem_id="studio-data")  # fmt: skip
            data_text = gr.Markdown(elem_id="studio-data-text")
    status = gr.Markdown("No training yet.", elem_id="studio-status")
    with gr.Row():
        sample = gr.Image(label="Samples from fixed noise (a row per class or category)", type="pil", format="png",
                          interactive=False, elem_id="studio-sample")  # fmt: skip
        plot = gr.LinePlot(None, x="step", y="loss", color="curve", label="Losses", height=320,
                           elem_id="studio-losses")  # fmt: skip
    model_text = gr.Markdown(elem_id="studio-model")
    with gr.Row():
        download = gr.Button("Download the model (.zip: weights, card, training state)", elem_id="studio-download")
        download_file = gr.File(label="Model", interactive=False, elem_id="studio-download-file")
    commands = gr.Code(label="Go on from a shell in the repository", language="shell", interactive=False,
                       elem_id="studio-commands")  # fmt: skip
    with gr.Accordion("Samples from your model (DCGAN)", open=False):
        with gr.Row():
            grid_seed = gr.Number(value=0, label="Seed", precision=0, minimum=0, maximum=controls.MAX_SEED)
            grid_dice = gr.Button("🎲 Random seed")
            grid_go = gr.Button("Generate", variant="primary", elem_id="studio-generate")
        grid = gr.Image(show_label=False, type="pil", format="png", interactive=False, elem_id="studio-grid")
    timer = gr.Timer(2.0, active=False)

    # -- what a snapshot shows ---------------------------------------------------------------------------
    def picker_updates(visitor_id: str) -> list[Any]:
        updates = []
        for fam in picker_families:
            shipped = [(store.label(n), n) for n in store.names(fam)]
            updates.append(gr.Dropdown(choices=shipped + studio.models(visitor_id, fam)))
        return updates

    def model_markdown(snap: Snapshot) -> str:
        if snap.model is None:
            return "Your model appears here at its first checkpoint (the end of an epoch, or **Stop**)."
        return f"**{snap.model_label}** is saved: find it in {WHERE_TO_USE[snap.family]}."

    def render(visitor_id: str, seen: dict[str, Any], *, everything: bool = False) -> list[Any]:
        """status, sample, plot, model text, commands, *pickers, timer, seen"""
        snap = studio.snapshot(visitor_id)
        if snap is None:
            return ["No training yet.", gr.skip(), gr.skip(), gr.skip(), gr.skip(),
                    *(picker_updates(visitor_id) if everything else [gr.skip()] * len(pickers)),
                    gr.Timer(active=False), seen]  # fmt: skip
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
            *(picker_updates(visitor_id) if new_model else [gr.skip()] * len(pickers)),
            gr.Timer(active=snap.live),
            seen,
        ]

    watched = [status, sample, plot, model_text, commands, *pickers.values(), timer, shown]

    # -- callbacks ---------------------------------------------------------------------------------------
    @friendly
    def attach(visitor_id, seen):
        """The page opens (or reloads): a visitor id for this browser, and its job if it has one."""
        try:
            visitor_id = check_visitor(visitor_id)
        except ValueError:
            visitor_id = new_visitor()
        pending = studio.pending(visitor_id)
        snap = None if pending else studio.snapshot(visitor_id)
        data = pending or (snap.data if snap else None)
        if data is not None and data.preview is None:
            data.preview = data.redraw()
        picked = gr.skip()  # the data radio shows the run's data (when that choice is still offered)
        if data is not None and ("zip" if not data.builtin else data.dataset) in [v for _, v in sources]:
            picked = "zip" if not data.builtin else data.dataset
        return (
            visitor_id, *render(visitor_id, seen, everything=True),
            data.preview if data and data.preview else gr.skip(), data.describe() if data else gr.skip(),
            snap.family if snap else gr.skip(), picked,
        )  # fmt: skip

    @friendly
    def prepare(visitor_id, source_value, upload_value, size_value, colour_value, family_value):
        """Check the training data and show it: a grid (a row per class), the pictures per class and what was
        skipped and why.

        Args:
            visitor_id: your Studio id (32 hex digits; the page keeps one per browser).
            source_value: "fashion-mnist", "mnist" (when on the server) or "zip".
            upload_value: the .zip of pictures (when source_value is "zip").
            size_value: picture size for a zip: 28, 32 or 64.
            colour_value: 1 (grey) or 3 (colour), for a zip.
            family_value: "dcgan", "cgan" or "infogan" (a CGAN needs one folder per class).
        """
        preview = studio.prepare(check_visitor(visitor_id), source_value, upload_value, image_size=size_value,
                                 channels=colour_value, family=family_value)  # fmt: skip
        return preview.preview, preview.describe()

    def prepare_if_ready(visitor_id, source_value, upload_value, size_value, colour_value, family_value):
        if source_value == "zip" and not upload_value:
            return gr.skip(), gr.skip()
        return prepare(visitor_id, source_value, upload_value, size_value, colour_value, family_value)

    @friendly
    def begin(visitor_id, source_value, upload_value, size_value, colour_value, family_value, n_epochs, batch_size,
              net_width, learning_rate, seed_value, epoch_steps, grid_every):  # fmt: skip
        """Start training (in its own process on the server) and return at once; the data is checked first
        unless it just was.

        Args:
            visitor_id: your Studio id (32 hex digits; the page keeps one per browser).
            source_value: "fashion-mnist", "mnist" (when on the server) or "zip".
            upload_value: the .zip of pictures (when source_value is "zip").
            size_value: picture size for a zip: 28, 32 or 64.
            colour_value: 1 (grey) or 3 (colour), for a zip.
            family_value: "dcgan", "cgan" or "infogan".
            n_epochs: epochs to train.
            batch_size: pictures per step.
            net_width: channels of the first layers of both networks (8 to 64; wider learns more, slower).
            learning_rate: Adam's learning rate for both networks.
            seed_value: the training seed (same settings and seed, same model).
            epoch_steps: steps per epoch, 0 for every batch of the data.
            grid_every: steps between two sample grids.
        """
        visitor_id = check_visitor(visitor_id)
        wanted = TrainSettings.checked(n_epochs, batch_size, net_width, learning_rate, seed_value, epoch_steps,
                                       grid_every)  # fmt: skip
        studio.admit(visitor_id)
        if studio.pending(visitor_id) is None:
            studio.prepare(visitor_id, source_value, upload_value, image_size=size_value, channels=colour_value,
                           family=family_value)  # fmt: skip
        studio.start(visitor_id, family_value, wanted)
        return "**Starting**…", gr.Timer(active=True)

    @friendly
    def pause_job(visitor_id):
        """Pause your training job after its current step."""
        studio.pause(check_visitor(visitor_id))
        return "**Paused**", gr.Timer(active=True)

    @friendly
    def resume_job(visitor_id, n_epochs):
        """Go on with your paused job. On a run that has ended: continue it where it stopped (`--resume`, same
        optimizers and data order) — up to its planned epochs if it was stopped, or for `n_epochs` more if it
        had finished them.

        Args:
            visitor_id: your Studio id.
            n_epochs: epochs to add to a finished run.
        """
        visitor_id = check_visitor(visitor_id)
        latest = studio.latest(visitor_id)
        if latest is not None and latest.live:
            studio.resume(visitor_id)
        else:
            studio.continue_run(visitor_id, n_epochs if latest is not None and latest.state == "finished" else 0)
        return "**Training**", gr.Timer(active=True)

    @friendly
    def stop_job(visitor_id):
        """Stop your training job: it finishes its step and saves the model first."""
        studio.stop(check_visitor(visitor_id))
        return "**Stopping**: finishing this step and saving…", gr.Timer(active=True)

    @friendly
    def refresh(visitor_id, seen):
        """Your job's progress: status line, latest fixed-noise grid, losses, your saved model."""
        return tuple(render(check_visitor(visitor_id), seen))

    @friendly
    def download_model(visitor_id):
        """Your latest run's model as a .zip: the generator's safetensors and card, plus `last` (to train on)."""
        return str(studio.download(check_visitor(visitor_id), output_path(".zip")))

    @friendly
    def samples(visitor_id, seed_value):
        """A grid of 36 samples from your latest DCGAN (sample i uses the noise of seed + i)."""
        snap = studio.snapshot(check_visitor(visitor_id))
        if snap is None or snap.model is None:
            raise ValueError("Train a DCGAN first: its samples appear here from its first checkpoint on.")
        if snap.family != "dcgan":
            raise ValueError(f"Your latest model is a {FAMILIES[snap.family]}: find it in {WHERE_TO_USE[snap.family]}.")
        return store.get(snap.model).grid(seed_value, n=36)

    data_in = [visitor, source, upload, size, colour, family]
    demo.load(attach, [visitor, shown], [visitor, *watched, data_grid, data_text, family, source],
              api_visibility="private")  # fmt: skip
    check.click(prepare, data_in, [data_grid, data_text], api_name="studio_prepare")
    gr.on([upload.upload, source.input, size.input, colour.input, family.input], prepare_if_ready, data_in,
          [data_grid, data_text], api_visibility="private", trigger_mode="always_last")  # fmt: skip
    settings_in = [epochs, batch, width, lr, seed, steps_per_epoch, sample_every]
    start.click(begin, [*data_in, *settings_in], [status, timer], api_name="studio_start")
    pause.click(pause_job, visitor, [status, timer], api_name="studio_pause")
    resume.click(resume_job, [visitor, epochs], [status, timer], api_name="studio_resume")
    stop.click(stop_job, visitor, [status, timer], api_name="studio_stop")
    timer.tick(refresh, [visitor, shown], watched, api_name="studio_status", show_progress="hidden",
               concurrency_limit=None)  # fmt: skip
    download.click(download_model, visitor, download_file, api_name="studio_download")
    grid_go.click(samples, [visitor, grid_seed], grid, api_name="studio_samples")
    grid_dice.click(random_seed, None, grid_seed, api_visibility="private").then(
        samples, [visitor, grid_seed], grid, api_visibility="private"
    )
