"""Lab, 2-D GAN: watch a GAN learn a point cloud, live."""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

import gradio as gr
import numpy as np

from .. import controls, settings
from ..errors import UserError
from ..imaging import open_image, upload_path, write_gif
from ..pipelines.lab import LOSSES, LabSettings, Toy2DTrainer
from ..pipelines.lab_plot import film, frame
from ..toy_data import DISTRIBUTIONS, points_from_csv, points_from_drawing
from .common import (
    MAX_UNREAD,
    SessionJobs,
    friendly,
    friendly_stream,
    output_image,
    output_path,
    sketchpad,
    unread,
    with_parameters,
)  # fmt: skip

MAX_CSV_BYTES = 2 * 1024 * 1024
GIF_FRAMES = 60
TICK_S = 0.25  # a running Lab job yields at least this often, so a stop lands within one step

INTRO = """A generator turns 2-D noise into points; a discriminator shades the plane by how *real* it finds each
place (mint = real, lavender = fake). Press **Train** and watch the purple points chase the green ones — the
D2L book's "fit a Gaussian", GAN Lab's picture. Pause, step, change the learning rates mid-run, or draw
your own distribution."""


def custom_points(csv_file: Any, drawing: Any):
    """Points from the sketch if anything is drawn, else from the CSV. Both arrive raw (the events skip
    Gradio's preprocessing): the CSV as a file path or FileData dict, the drawing as the editor's dict whose
    composite is a FileData (or, from Python callers, an array)."""
    composite = drawing.get("composite") if isinstance(drawing, dict) else None
    if isinstance(composite, dict):
        composite = (
            np.asarray(open_image(composite, max_pixels=4_000_000).convert("RGBA")) if composite.get("path") else None
        )
    if composite is not None:
        try:
            return points_from_drawing(composite)
        except ValueError:
            if not csv_file:
                raise
    if csv_file:
        path = upload_path(csv_file)
        try:
            size = path.stat().st_size
        except OSError:
            raise UserError("The CSV could not be read; upload it again.") from None
        if size > MAX_CSV_BYTES:
            raise UserError(f"The CSV is larger than {MAX_CSV_BYTES // 1024 // 1024} MB.")
        try:
            return points_from_csv(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError:
            raise UserError("The CSV is not UTF-8 text.") from None
    return None


# The controls every Lab endpoint takes, in order (their names are what gradio_client shows), then the burst.
CONTROLS = ["distribution", "hidden", "layers", "lr_g", "lr_d", "d_steps", "loss", "seed", "csv_file", "drawing"]
PARAMETERS = ["trainer", *CONTROLS, "steps_per_picture"]


def burst(value: Any) -> int:
    """Steps between two pictures, and per press of Step (settings.LAB_MAX_STEPS_PER_CALL at most)."""
    return controls.whole(value, "Steps per picture", 1, settings.LAB_MAX_STEPS_PER_CALL)


def prepare(trainer: Toy2DTrainer | None, values: tuple) -> Toy2DTrainer:
    """The session's trainer with these controls: the same run with new learning rates where only those
    changed, else a fresh run (always for custom points, which may have been redrawn)."""
    dist, n_hidden, n_layers, g_lr, d_lr, n_d, loss_name, seed_value, csv_path, sketch = values
    wanted = LabSettings(
        distribution=dist, hidden=n_hidden, layers=n_layers, lr_g=g_lr, lr_d=d_lr, d_steps=n_d, loss=loss_name,
        seed=seed_value if seed_value is not None else 0,
    ).checked()  # fmt: skip
    if trainer is not None and trainer.settings.structure() == wanted.structure() and dist != "custom":
        trainer.update_live(wanted)
        return trainer
    points = custom_points(csv_path, sketch) if dist == "custom" else None
    fresh = Toy2DTrainer(wanted, points)
    fresh.snapshot()
    return fresh


def describe(trainer: Toy2DTrainer) -> str:
    s = trainer.settings
    return (
        f"**step {trainer.steps}** · energy distance to the real sample **{trainer.distance():.3f}** "
        f"(0 = same distribution) · {s.loss}, D:G {s.d_steps}:1, lr G {s.lr_g:g} / D {s.lr_d:g}"
    )


class Lab2D:
    """What the tab does; a visitor's trainer lives in their session state and is passed in and out."""

    def __init__(self, demo: gr.Blocks) -> None:
        self.demo = demo
        # One Lab job per visitor at a time: a second tab or a script cannot pile up training runs.
        self.jobs = SessionJobs(
            settings.LAB_JOBS_PER_SESSION,
            "The Lab is busy with your previous job: stop it or wait for it to finish, then try again.",
        )

    def run_for(self, trainer: Toy2DTrainer, every: int, steps: int, request: gr.Request | None):
        """Train `steps` steps, yielding a picture every `every` steps and, in between, a status line at
        least every TICK_S seconds: Gradio closes a stream only at a yield, so a stopped or abandoned job
        ends within one step instead of running on unseen. Pictures nobody reads stop the job too."""
        started = time.monotonic()
        for snap in trainer.stream(steps, every=every, tick_s=TICK_S):
            yield (gr.skip() if snap is None else frame(trainer, snap)), describe(trainer), trainer
            if unread(self.demo, request) > MAX_UNREAD:
                return
            if time.monotonic() - started > settings.MAX_JOB_SECONDS:
                limit = f"stopped after {settings.MAX_JOB_SECONDS:.0f} s, this server's limit for one run"
                yield (
                    frame(trainer, trainer.snapshot()),
                    f"{describe(trainer)} · {limit}: press Train to go on",
                    trainer,
                )
                return

    def train(self, trainer, *values, request: gr.Request = None):
        """Train the 2-D GAN for up to settings.LAB_MAX_STEPS_PER_RUN steps, streaming pictures."""
        every = burst(values[-1])
        with self.jobs.slot(request):
            trainer = prepare(trainer, values[:-1])
            yield from self.run_for(trainer, every, settings.LAB_MAX_STEPS_PER_RUN, request)

    def step(self, trainer, *values, request: gr.Request = None):
        """Train one burst of "steps per picture" steps."""
        steps = burst(values[-1])
        with self.jobs.slot(request):
            trainer = prepare(trainer, values[:-1])
            yield from self.run_for(trainer, steps, steps, request)

    @staticmethod
    def reset(trainer, *values):
        """Start a fresh run with these controls."""
        fresh = prepare(None, values[:-1])
        return frame(fresh), describe(fresh), fresh

    @staticmethod
    def pause(trainer):
        if trainer is not None:
            trainer.pause()

    @staticmethod
    def export_gif(trainer):
        if trainer is None or len(trainer.snapshots) < 2:
            raise UserError("Train for a moment first: there is nothing to animate yet.")
        # 60 frames of 64 colours: a long run's GIF stays a few MB (every snapshot in full colour was 17 MB)
        return str(write_gif(film(trainer, GIF_FRAMES), output_path(".gif"), fps=8, bounce=False, colours=64))


def build(demo: gr.Blocks) -> None:
    gr.Markdown(INTRO)
    ui = SimpleNamespace(trainer=gr.State(None))
    with gr.Row():
        with gr.Column(scale=1, min_width=320):
            controls_layout(ui)
        with gr.Column(scale=2, min_width=500):
            ui.picture = output_image("Training", show_label=False, elem_id="lab-picture")
            ui.status = gr.Markdown()
            with gr.Row():
                ui.train = gr.Button("▶ Train", variant="primary")
                ui.pause = gr.Button("Pause")
                ui.step = gr.Button("Step", elem_id="lab-step")
                ui.reset = gr.Button("Reset")
                ui.export = gr.Button("Export GIF")
            ui.gif = gr.File(label="Animation", interactive=False)
    wire(demo, Lab2D(demo), ui)


def controls_layout(ui: SimpleNamespace) -> None:
    ui.distribution = gr.Radio(list(DISTRIBUTIONS), value="gaussian", label="Real data")
    with gr.Accordion("Custom points (distribution 'custom')", open=False):
        ui.csv_file = gr.File(label="CSV of x,y points", file_types=[".csv", ".txt"], type="filepath")
        ui.drawing = sketchpad("…or draw them", side=240, brush_size=5, elem_id="lab-drawing")
    ui.loss = gr.Radio(list(LOSSES), value="non-saturating", label="Loss")
    with gr.Row():
        ui.hidden = gr.Slider(8, 256, value=64, step=8, label="Hidden units")
        ui.layers = gr.Slider(1, 4, value=2, step=1, label="Hidden layers")
    with gr.Row():
        ui.lr_g = gr.Slider(1e-4, 1e-2, value=1e-3, step=1e-4, label="G learning rate")
        ui.lr_d = gr.Slider(1e-4, 1e-2, value=1e-3, step=1e-4, label="D learning rate")
    with gr.Row():
        ui.d_steps = gr.Slider(1, 5, value=1, step=1, label="D steps per G step")
        ui.per_frame = gr.Slider(1, 50, value=10, step=1, label="Steps per picture")
    ui.seed = gr.Number(value=0, label="Seed", precision=0, minimum=0)


def wire(demo: gr.Blocks, lab: Lab2D, ui: SimpleNamespace) -> None:
    controls_in = [getattr(ui, name) for name in CONTROLS]
    inputs, outputs = [ui.trainer, *controls_in, ui.per_frame], [ui.picture, ui.status, ui.trainer]
    # preprocess=False everywhere: LabSettings.checked() gives bad numbers one plain sentence (also via the API).
    train = friendly_stream(with_parameters(lab.train, PARAMETERS, request=True))
    ui.train.click(train, inputs, outputs, api_name="lab_train_2d", show_progress="hidden", preprocess=False)
    # Pause asks the running stream to stop at its next step (it then shows that step); a visitor's Stop in the
    # page's own progress bar, or leaving, cancels the stream instead
    ui.pause.click(Lab2D.pause, ui.trainer, None, api_visibility="private", concurrency_limit=None)
    step = friendly_stream(with_parameters(lab.step, PARAMETERS, request=True))
    ui.step.click(step, inputs, outputs, api_name="lab_step_2d", show_progress="hidden", preprocess=False)
    reset = friendly(with_parameters(lab.reset, PARAMETERS))
    ui.reset.click(reset, inputs, outputs, api_name="lab_reset_2d", show_progress="hidden", preprocess=False)
    ui.export.click(friendly(lab.export_gif), ui.trainer, ui.gif, api_name="lab_export_gif", preprocess=False)
    demo.load(reset, inputs, outputs, api_visibility="private", preprocess=False)
    gr.Examples(
        examples=[["ring", 128, 3, 1e-3, 1e-3, 1, "non-saturating", 0], ["moons", 64, 2, 5e-4, 1e-3, 2, "lsgan", 1],
                  ["spiral", 128, 3, 5e-4, 5e-4, 5, "wgan-gp", 2]],
        inputs=controls_in[:8], label="Try these",
    )  # fmt: skip
