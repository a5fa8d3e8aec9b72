"""Studio jobs: each visitor's training runs as `python -m playground.train FAMILY ...` in its own process —
the one shared loop and recipes, never a copy — followed through the loop's `--progress-file` and steered with
its signals (SIGTSTP pause, SIGCONT go on, SIGTERM stop-and-save; see playground/train/control.py).

Everything a job writes lives in `settings.STUDIO_RUNS_DIR/<visitor>/<run>/`: the pictures from the visitor's
zip (`data/`), the loop's checkpoint (`last.*`), export (`NAME.*`), grids and progress, and `published/`, hard
links to the last complete checkpoint, which the app loads and the download zips (the loop may be replacing
its files at that moment; the links never change). A visitor is a random id the page keeps in the browser
(gr.BrowserState), so a reload finds its job again; the job runs in the server, not in the page.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .. import checkpoints, controls, settings
from ..device import use_cores
from ..errors import UserError
from .uploads import BUILTIN_LABELS, SIZES, DataPreview, prepare_zip, preview_builtin

FAMILIES = {"dcgan": "DCGAN", "cgan": "CGAN", "infogan": "InfoGAN"}
WHERE_TO_USE = {
    "cgan": "the **Conditional** tab's model picker",
    "infogan": "the **Latent Explorer**'s model picker",
    "dcgan": "**Samples from your model** below",
}
VISITOR = re.compile(r"[0-9a-f]{32}")
RUN_ID = re.compile(r"[0-9a-f]{12}")
WATCH_FLAGS = ("--progress-file", "--sample-every", "--time-limit")  # the Studio's own; left out of shell commands
MAX_POINTS = 20_000  # loss points kept per run (the plot thins them further)


def training_device(app_device: Any) -> str:
    """settings.STUDIO_DEVICE, or for "auto" the app's own device type — but the CPU on a ZeroGPU Space, whose
    GPU exists only inside a request."""
    if settings.STUDIO_DEVICE != "auto":
        return settings.STUDIO_DEVICE
    from ..gpu import on_zero_gpu

    return "cpu" if on_zero_gpu() else getattr(app_device, "type", str(app_device))


def new_visitor() -> str:
    return uuid.uuid4().hex


def check_visitor(value: Any) -> str:
    if not isinstance(value, str) or not VISITOR.fullmatch(value):
        raise UserError("This page has no Studio id yet; reload the page.")
    return value


def shown_path(path: Path | str) -> str:
    """A path as a shell in the repository would type it: relative when inside it."""
    path = Path(path).resolve()
    return str(path.relative_to(settings.REPO_ROOT)) if path.is_relative_to(settings.REPO_ROOT) else str(path)


@dataclass
class TrainSettings:
    """What a visitor picks besides family and data; checked before anything starts."""

    epochs: int = 5
    batch_size: int = 64
    width: int = 32
    lr: float = 2e-4
    seed: int = 0
    steps_per_epoch: int = 0  # 0 = every batch
    sample_every: int = 25

    @classmethod
    def checked(cls, epochs: Any, batch_size: Any, width: Any, lr: Any, seed: Any, steps_per_epoch: Any = 0,
                sample_every: Any = 25) -> TrainSettings:  # fmt: skip
        batch = controls.whole(batch_size, "The batch size", 4, 512)
        w = controls.whole(width, "The network width", 4, 128)
        return cls(
            epochs=controls.whole(epochs, "Epochs", 1, settings.STUDIO_MAX_EPOCHS), batch_size=batch, width=w,
            lr=controls.bounded(lr, "The learning rate", 1e-6, 1e-2), seed=controls.seed(seed),
            steps_per_epoch=controls.whole(steps_per_epoch or 0, "Steps per epoch", 0, 100_000),
            sample_every=controls.whole(sample_every, "Steps between sample grids", 1, 10_000),
        )  # fmt: skip


class Progress:
    """What a run's progress file says so far, read incrementally (only whole lines)."""

    def __init__(self, path: Path) -> None:
        self.path, self.offset = path, 0
        self.start: dict[str, Any] = {}
        self.points: list[tuple[int, float, str, float]] = []  # (step, epoch, loss name, value)
        self.last: dict[str, Any] = {}  # the latest `log` event
        self.sample_step = -1
        self.checkpoint: dict[str, Any] = {}  # the latest `checkpoint` event
        self.paused = False
        self.end: dict[str, Any] | None = None
        self.events = 0

    def read(self) -> bool:
        """Take in the lines written since the last call; True when there were any."""
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                chunk = f.read()
        except FileNotFoundError:
            return False
        whole = chunk[: chunk.rfind(b"\n") + 1]
        self.offset += len(whole)
        for line in whole.splitlines():
            try:
                self._take(json.loads(line))
            except (json.JSONDecodeError, TypeError, KeyError, AttributeError):
                continue
        return bool(whole)

    def _take(self, event: dict[str, Any]) -> None:
        kind = event["event"]
        self.events += 1
        if kind == "start":
            self.start, self.end, self.paused = event, None, False
        elif kind == "log":
            self.last = event
            for name, value in event["losses"].items():
                self.points.append((event["step"], event["epoch"], name, value))
            del self.points[:-MAX_POINTS]
        elif kind == "sample":
            self.sample_step = event["step"]
        elif kind == "checkpoint":
            self.checkpoint = event
        elif kind == "paused":
            self.paused = True
        elif kind == "resumed":
            self.paused = False
        elif kind == "end":
            self.end, self.paused = event, False

    @property
    def step(self) -> int:
        return max(self.last.get("step", 0), (self.end or {}).get("step", 0), self.start.get("step", 0))


@dataclass
class Snapshot:
    """A run as the page shows it."""

    run_id: str
    family: str
    state: str  # starting, training, paused, stopping, finished, stopped, failed, interrupted
    status: str  # one Markdown line
    live: bool
    points: list[tuple[int, float, str, float]] = field(default_factory=list)
    sample: Path | None = None
    sample_step: int = -1
    model: str | None = None  # the store name of its latest published model
    model_label: str = ""
    commands: str = ""
    data: DataPreview | None = None


class Run:
    """One run folder, its metadata (`studio.json`), its progress and, while it trains, its process."""

    def __init__(self, folder: Path, meta: dict[str, Any]) -> None:
        self.folder, self.meta = folder, meta
        self.id = folder.name
        self.progress = Progress(folder / "progress.jsonl")
        self.process: subprocess.Popen | None = None
        self.asked: str | None = None  # "pause" or "stop" while the process has not answered yet
        self.lock = threading.Lock()
        self.published: Path | None = None
        self.published_step = -1
        self.reaped = False  # its ended process has been seen and its files settled
        self.preview: DataPreview | None = None  # the data, as checked (before the run starts)

    @classmethod
    def load(cls, folder: Path) -> Run | None:
        try:
            meta = json.loads((folder / "studio.json").read_text())
        except (OSError, json.JSONDecodeError):
            return None
        run = cls(folder, meta)
        run.progress.read()
        return run

    def save_meta(self) -> None:
        tmp = self.folder / "studio.json.tmp"
        tmp.write_text(json.dumps(self.meta, indent=2))
        os.replace(tmp, self.folder / "studio.json")

    @property
    def name(self) -> str:
        return self.meta["name"]

    @property
    def family(self) -> str:
        return self.meta["family"]

    @property
    def store_name(self) -> str:
        return f"studio-{self.id}"

    @property
    def live(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def state(self) -> str:
        end = self.progress.end
        if self.live:
            if self.asked == "stop":
                return "stopping"
            if self.progress.paused or self.asked == "pause":
                return "paused"
            return "training" if self.progress.start else "starting"
        if end is None:
            failed = self.process is not None and self.process.returncode not in (0, None)
            return "failed" if failed else "interrupted"
        return {"done": "finished", "error": "failed"}.get(end["reason"], "stopped")

    def signal(self, sig: int) -> None:
        if self.live:
            assert self.process is not None
            self.process.send_signal(sig)


class Studio:
    """Every visitor's runs; at most settings.STUDIO_MAX_JOBS processes at once, one per visitor."""

    def __init__(self, runs_dir: Path | None = None, *, store: Any = None, device: str = "cpu",
                 python: str = sys.executable) -> None:  # fmt: skip
        self.runs_dir = Path(runs_dir or settings.STUDIO_RUNS_DIR)
        self.store, self.device, self.python = store, device, python
        self._runs: dict[str, dict[str, Run]] = {}  # visitor → run id → run
        self._pending: dict[str, Run] = {}  # visitor → a run whose data is ready but that has not started
        self._lock = threading.Lock()
        self._watcher: threading.Thread | None = None

    # -- runs on disk ------------------------------------------------------------------------------------
    def _folder(self, visitor: str) -> Path:
        return self.runs_dir / check_visitor(visitor)

    def runs(self, visitor: str) -> dict[str, Run]:
        """The visitor's runs, newest first, read from disk the first time (they survive a restart)."""
        with self._lock:
            if visitor not in self._runs:
                found = {}
                folder = self._folder(visitor)
                for sub in sorted(folder.iterdir()) if folder.is_dir() else []:
                    run = Run.load(sub) if RUN_ID.fullmatch(sub.name) else None
                    if run is not None and run.meta.get("started"):
                        found[run.id] = run
                self._runs[visitor] = found
            runs = self._runs[visitor]
            return dict(sorted(runs.items(), key=lambda kv: kv[1].meta.get("started", 0), reverse=True))

    def latest(self, visitor: str) -> Run | None:
        return next(iter(self.runs(visitor).values()), None)

    def live_jobs(self) -> int:
        with self._lock:
            return sum(run.live for runs in self._runs.values() for run in runs.values())

    # -- data ----------------------------------------------------------------------------------------------
    def _new_run(self, visitor: str, meta: dict[str, Any]) -> Run:
        folder = self._folder(visitor) / uuid.uuid4().hex[:12]
        folder.mkdir(parents=True)
        run = Run(folder, {"id": folder.name, "created": time.time(), **meta})
        run.save_meta()
        return run

    def _drop_pending(self, visitor: str) -> None:
        old = self._pending.pop(visitor, None)
        if old is not None:
            shutil.rmtree(old.folder, ignore_errors=True)

    def prepare(self, visitor: str, source: str, upload: Any = None, *, image_size: int = 28, channels: int = 1,
                family: str = "dcgan") -> DataPreview:  # fmt: skip
        """The data a next run will train on: a built-in dataset's name, or "zip" with the upload."""
        visitor = check_visitor(visitor)
        controls.choice(family, "family", list(FAMILIES))
        with self._lock:
            self._drop_pending(visitor)
        if source in BUILTIN_LABELS:
            preview = preview_builtin(source)
            run = self._new_run(visitor, {"data": preview.as_json()})
        elif source == "zip":
            if upload is None:
                raise UserError("Upload a .zip of pictures first (one folder per class for a CGAN).")
            run = self._new_run(visitor, {})
            try:
                size = controls.whole(image_size, "The picture size", min(SIZES), max(SIZES))
                colours = controls.whole(channels, "The number of colour channels", 1, 3)
                preview = prepare_zip(upload, run.folder / "data", image_size=size, channels=colours,
                                      need_classes=family == "cgan")  # fmt: skip
            except BaseException:
                shutil.rmtree(run.folder, ignore_errors=True)
                raise
            run.meta["data"] = preview.as_json()
            run.meta["need_classes"] = family == "cgan"
            run.save_meta()
        else:
            raise UserError(f"Pick {', '.join(BUILTIN_LABELS.values())} or your own pictures (.zip).")
        run.preview = preview
        with self._lock:
            self._pending[visitor] = run
        return preview

    def pending(self, visitor: str) -> DataPreview | None:
        run = self._pending.get(visitor)
        return run.preview if run is not None else None

    # -- start, pause, stop --------------------------------------------------------------------------------
    def start(self, visitor: str, family: str, wanted: TrainSettings) -> Run:
        visitor = check_visitor(visitor)
        family = controls.choice(family, "family", list(FAMILIES))
        self.prune()
        with self._lock:
            self._admit(visitor)
            run = self._pending.get(visitor)
            if run is None:
                raise UserError("Pick the data first: Fashion-MNIST, MNIST or a .zip of your pictures.")
            preview = DataPreview.from_json(run.meta["data"])
            if family == "cgan" and not preview.builtin and not run.meta.get("need_classes"):
                raise UserError("Check the data again for a CGAN: it needs the pictures in class folders.")
            images = min(preview.total, (wanted.steps_per_epoch or preview.total) * wanted.batch_size)
            if preview.total < wanted.batch_size:
                raise UserError(
                    f"{preview.total} pictures are fewer than one batch of {wanted.batch_size}; pick a smaller batch."
                )
            name = f"{family}-{tag(preview)}"
            argv = train_argv(family, preview, wanted, run.folder, name, self.device, images)
            watch = ["--progress-file", str(run.folder / "progress.jsonl"), "--sample-every", str(wanted.sample_every),
                     "--time-limit", str(settings.STUDIO_MAX_JOB_SECONDS), "--stop-with-parent"]  # fmt: skip
            run.meta.update(family=family, name=name, settings=asdict(wanted), argv=argv, watch=watch,
                            started=time.time(), visitor=visitor)  # fmt: skip
            run.save_meta()
            del self._pending[visitor]
            self._runs.setdefault(visitor, {})[run.id] = run
            self._launch(run)
        self._watch()
        return run

    def continue_run(self, visitor: str, more_epochs: int = 0) -> Run:
        """Go on with the latest run where it stopped (`--resume`), with `more_epochs` on top of its target."""
        visitor = check_visitor(visitor)
        run = self.latest(visitor)
        if run is None:
            raise UserError("There is no run to continue yet; start one first.")
        with self._lock:
            self._admit(visitor)
            argv = list(run.meta["argv"])
            at = argv.index("--epochs") + 1
            epochs = int(argv[at]) + controls.whole(more_epochs, "More epochs", 0, settings.STUDIO_MAX_EPOCHS)
            done = run.progress.checkpoint.get("epoch", 0)
            if run.state == "finished" and epochs <= done:
                raise UserError(f"This run has finished its {done} epochs; ask for more epochs to go on.")
            argv[at] = str(min(epochs, settings.STUDIO_MAX_EPOCHS))
            run.meta["argv"] = argv
            run.save_meta()
            run.reaped = False
            self._launch(run, resume=True)
        self._watch()
        return run

    def admit(self, visitor: str) -> None:
        """Raise the sentence a visitor gets when a job cannot start now (theirs is running, or the server's cap)."""
        with self._lock:
            self._admit(check_visitor(visitor))

    def _admit(self, visitor: str) -> None:
        mine = sum(r.live for r in self._runs.get(visitor, {}).values())
        if mine >= settings.STUDIO_JOBS_PER_VISITOR:
            raise UserError("You already have a training job running; stop it (or let it finish) first.")
        running = sum(r.live for runs in self._runs.values() for r in runs.values())
        if running >= settings.STUDIO_MAX_JOBS:
            raise UserError(
                f"The server is already training {running} models, the most it runs at once; "
                "try again when one of them finishes."
            )

    def _launch(self, run: Run, *, resume: bool = False) -> None:
        cmd = [self.python, "-m", "playground.train", *run.meta["argv"], *run.meta["watch"]]
        if resume:
            cmd.append("--resume")
        env = dict(os.environ)
        if run.meta["argv"][run.meta["argv"].index("--device") + 1] == "cpu":
            # one core for training, the rest for the web server (and a lower priority than its requests)
            env.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
            if shutil.which("nice"):
                cmd = ["nice", "-n", "10", *cmd]
        log = open(run.folder / "train.log", "ab")  # noqa: SIM115 (the child writes it; closed below)
        try:
            run.process = subprocess.Popen(
                cmd, cwd=settings.REPO_ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
            use_cores(None, run.process.pid)  # not the core of the server's Python this thread may be on
            # In the server's own session on purpose: with Linux's autogroup scheduling (on by default), a new
            # session is a new group with a full share of the CPU however `nice` it is; in the server's group,
            # nice 10 gives way to the server's requests. (A Ctrl-C at the server's terminal reaches the job too:
            # it stops and saves, as it would when the server is gone.)
        finally:
            log.close()
        run.asked = None

    def pause(self, visitor: str) -> Run:
        run = self._live(visitor)
        run.asked = "pause"
        run.signal(signal.SIGTSTP)
        return run

    def resume(self, visitor: str) -> Run:
        run = self._live(visitor)
        run.asked = None
        run.signal(signal.SIGCONT)
        return run

    def stop(self, visitor: str) -> Run:
        """Stop after the current step; the loop saves the checkpoint and the export first."""
        run = self._live(visitor)
        run.asked = "stop"
        run.signal(signal.SIGTERM)
        run.signal(signal.SIGCONT)
        return run

    def _live(self, visitor: str) -> Run:
        run = self.latest(check_visitor(visitor))
        if run is None or not run.live:
            raise UserError("No training job of yours is running.")
        return run

    def shutdown(self, timeout: float = 30.0) -> None:
        """Stop every job (each saves), waiting up to `timeout` s in all."""
        with self._lock:
            live = [r for runs in self._runs.values() for r in runs.values() if r.live]
        for run in live:
            run.signal(signal.SIGTERM)
            run.signal(signal.SIGCONT)
        deadline = time.monotonic() + timeout
        for run in live:
            try:
                run.process.wait(max(0.1, deadline - time.monotonic()))  # type: ignore[union-attr]
            except subprocess.TimeoutExpired:
                run.process.kill()  # type: ignore[union-attr]

    # -- following a run -----------------------------------------------------------------------------------
    def update(self, run: Run) -> None:
        """Read new progress; publish a new checkpoint for the app; reap an ended process."""
        with run.lock:
            run.progress.read()
            settled = False
            if run.process is not None and not run.reaped and run.process.poll() is not None:
                run.progress.read()  # the lines written just before it exited
                for stem in (run.folder / "last", run.folder / run.name):
                    checkpoints.recover(stem)  # nobody writes any more: finish a save cut short, if any
                run.reaped = settled = True
            exported = settled and run.published is None and checkpoints.paths(run.folder / run.name)[1].exists()
            if run.progress.checkpoint.get("step", -1) > run.published_step or exported:
                self._publish(run)

    def _publish(self, run: Run) -> None:
        """Hard-link the export and the resume checkpoint into `published/<save id>/` once both pairs are
        complete and from the same step; the app (and downloads) read only these links."""
        export, last = run.folder / run.name, run.folder / "last"
        for _ in range(5):
            try:
                card = json.loads(Path(f"{export}.json").read_text())
                state_card = json.loads(Path(f"{last}.json").read_text())
                same = (card.get("save_id") == checkpoints.save_id(export)
                        and state_card.get("save_id") == checkpoints.save_id(last)
                        and card.get("steps") == state_card.get("steps"))  # fmt: skip
            except (OSError, json.JSONDecodeError, checkpoints.CheckpointError):
                same = False
            if same:
                break
            time.sleep(0.2)  # the loop is replacing the pair right now
        else:
            return
        target = run.folder / "published" / card["save_id"][:12]
        if not target.exists():
            tmp = target.with_name(target.name + ".tmp")
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir(parents=True)
            # the export is linked under the store's name: a pipeline's settings then name the model as the
            # pickers do ("studio-<run>"); the download gives the files their run's name back
            links = {f"{export}.safetensors": f"{run.store_name}.safetensors", f"{export}.json": f"{run.store_name}.json",
                     f"{export}.png": f"{run.store_name}.png", f"{last}.safetensors": "last.safetensors",
                     f"{last}.json": "last.json"}  # fmt: skip
            for source, name in links.items():
                if Path(source).exists():
                    os.link(source, tmp / name)
            if card.get("save_id") != checkpoints.save_id(tmp / run.store_name):  # replaced while linking
                shutil.rmtree(tmp, ignore_errors=True)
                return
            self._add_judge(card, tmp)
            os.replace(tmp, target)
        if self.store is not None:
            self.store.add(run.store_name, target / run.store_name)
        run.published, run.published_step = target / run.store_name, int(card.get("steps", 0))
        for old in (run.folder / "published").iterdir():
            if old != target:
                shutil.rmtree(old, ignore_errors=True)

    def _add_judge(self, card: dict[str, Any], folder: Path) -> None:
        """A run on Fashion-MNIST or MNIST gets the shipped judge beside it, so the app can grade its samples."""
        source = getattr(self.store, "checkpoint_dir", None)
        if source is None or card.get("dataset") not in BUILTIN_LABELS:
            return
        for path in checkpoints.paths(Path(source) / f"judge-{card['dataset']}"):
            if path.exists():
                shutil.copyfile(path, folder / path.name)

    def snapshot(self, visitor: str) -> Snapshot | None:
        """The visitor's latest run as the page shows it (None before the first)."""
        run = self.latest(check_visitor(visitor))
        if run is None:
            return None
        self.update(run)
        with run.lock:
            p = run.progress
            sample = run.folder / "samples" / "latest.png"
            return Snapshot(
                run_id=run.id, family=run.family, state=run.state, status=status_line(run), live=run.live,
                points=list(p.points), sample=sample if sample.exists() else None, sample_step=p.sample_step,
                model=run.store_name if run.published else None, model_label=model_label(run),
                commands=shell_commands(run), data=DataPreview.from_json(run.meta["data"]),
            )  # fmt: skip

    def models(self, visitor: str, family: str) -> list[tuple[str, str]]:
        """(label, store name) of the visitor's published models of `family`, newest first, each served by the
        store (runs from before a restart are published again on first ask)."""
        out = []
        for run in self.runs(check_visitor(visitor)).values():
            if run.family != family:
                continue
            if run.published is None:
                if run.live:
                    self.update(run)
                else:
                    self._republish(run)
            if run.published is not None:
                out.append((model_label(run), run.store_name))
        return out

    def _republish(self, run: Run) -> None:
        """A finished run read from disk: serve what `published/` holds (or publish it now)."""
        with run.lock:
            folder = run.folder / "published"
            found = [p for p in folder.iterdir() if not p.name.endswith(".tmp")] if folder.is_dir() else []
            if found and (found[0] / f"{run.store_name}.json").exists():
                stem = found[0] / run.store_name
                if self.store is not None:
                    self.store.add(run.store_name, stem)
                card = json.loads(Path(f"{stem}.json").read_text())
                run.published, run.published_step = stem, int(card.get("steps", 0))
            elif checkpoints.paths(run.folder / run.name)[1].exists():
                for stem in (run.folder / "last", run.folder / run.name):
                    checkpoints.recover(stem)
                self._publish(run)

    def download(self, visitor: str, target: Path) -> Path:
        """The latest run's model as a zip: the export (what the app loads) and `last` (to train on)."""
        run = self.latest(check_visitor(visitor))
        if run is None:
            raise UserError("There is no model to download yet; start a run first.")
        self.update(run)
        if run.published is None:
            raise UserError("The run has not saved a checkpoint yet; wait for the first epoch or press Stop.")
        folder = run.published.parent
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(folder.iterdir()):
                if not path.name.startswith("judge-"):
                    archive.write(path, f"{run.name}/{path.name.replace(run.store_name, run.name)}")
            archive.writestr(f"{run.name}/README.txt", readme(run))
        return target

    # -- the watcher thread, and pruning --------------------------------------------------------------------
    def watch(self) -> None:
        """Start the daemon thread that follows every run with a process (publishing its checkpoints, reaping
        it when it ends) and prunes old runs every minute; once is enough."""
        with self._lock:
            if self._watcher is None:
                self._watcher = threading.Thread(target=self._follow, name="studio-watch", daemon=True)
                self._watcher.start()

    _watch = watch

    def _follow(self) -> None:
        last_prune = 0.0
        while True:
            with self._lock:
                followed = [r for runs in self._runs.values() for r in runs.values() if r.process and not r.reaped]
            for run in followed:
                try:
                    self.update(run)
                except OSError:
                    continue
            if time.monotonic() - last_prune > 60:
                with contextlib.suppress(OSError):
                    self.prune()
                last_prune = time.monotonic()
            time.sleep(1.0)

    def prune(self, now: float | None = None) -> list[Path]:
        """Delete runs not written to for settings.STUDIO_MAX_RUN_AGE_S, each visitor's oldest beyond
        settings.STUDIO_MAX_RUNS_PER_VISITOR, data checked over an hour ago but never trained on, and the
        server's oldest beyond settings.STUDIO_MAX_RUNS; never a live run (nor, but for the server-wide cap, the
        data a visitor has just checked)."""
        now = time.time() if now is None else now
        removed: list[Path] = []
        if not self.runs_dir.is_dir():
            return removed
        with self._lock:
            live = {r.folder for runs in self._runs.values() for r in runs.values() if r.live}
            keep = live | {r.folder for r in self._pending.values()}
        for visitor_dir in self.runs_dir.iterdir():
            if not VISITOR.fullmatch(visitor_dir.name) or not visitor_dir.is_dir():
                continue
            folders = sorted((f for f in visitor_dir.iterdir() if f.is_dir()), key=last_write, reverse=True)
            kept = sum(f in keep for f in folders)
            for folder in folders:
                if folder in keep:
                    continue
                age = now - last_write(folder)
                started = (folder / "progress.jsonl").exists()
                if (
                    age > settings.STUDIO_MAX_RUN_AGE_S
                    or kept >= settings.STUDIO_MAX_RUNS_PER_VISITOR
                    or (not started and age > 3600)
                ):
                    self._remove(visitor_dir.name, folder)
                    removed.append(folder)
                else:
                    kept += 1
            with contextlib.suppress(OSError):
                visitor_dir.rmdir()  # only when empty
        everyone = sorted((f for v in self.runs_dir.iterdir() if VISITOR.fullmatch(v.name) and v.is_dir()
                           for f in v.iterdir() if f.is_dir()), key=last_write, reverse=True)  # fmt: skip
        for folder in [f for f in everyone if f not in live][max(0, settings.STUDIO_MAX_RUNS - len(live)) :]:
            self._remove(folder.parent.name, folder)
            removed.append(folder)
        return removed

    def _remove(self, visitor: str, folder: Path) -> None:
        with self._lock:
            self._runs.get(visitor, {}).pop(folder.name, None)
            if visitor in self._pending and self._pending[visitor].folder == folder:
                del self._pending[visitor]
        if self.store is not None:
            self.store.remove(f"studio-{folder.name}")
        shutil.rmtree(folder, ignore_errors=True)


def last_write(folder: Path) -> float:
    """When a run was last written to: its progress file, metadata or folder, whichever is newest."""
    times = []
    for path in (folder, folder / "studio.json", folder / "progress.jsonl"):
        try:
            times.append(path.stat().st_mtime)
        except OSError:
            continue
    return max(times, default=0.0)


def tag(preview: DataPreview) -> str:
    """The dataset part of a run's name: the built-in name, or the zip's name made safe."""
    if preview.builtin:
        return preview.dataset
    stem = Path(preview.source).stem.lower()
    return re.sub(r"[^a-z0-9]+", "-", stem).strip("-")[:30] or "pictures"


def train_argv(
    family: str, preview: DataPreview, wanted: TrainSettings, run_dir: Path, name: str, device: str, images: int
) -> list[str]:
    """The `python -m playground.train` arguments of a run (the Studio adds only its watch flags)."""
    argv = [family, "--dataset", preview.dataset]
    if preview.builtin:
        argv += ["--data-dir", str(preview.data_dir)]
    else:
        argv += ["--image-size", str(preview.image_size), "--channels", str(preview.channels)]
    steps = max(1, images // wanted.batch_size)
    argv += [
        "--epochs", str(wanted.epochs), "--batch-size", str(wanted.batch_size), "--lr", f"{wanted.lr:g}",
        "--seed", str(wanted.seed), "--model", f"g_width={wanted.width}", "--model", f"d_width={wanted.width}",
        "--log-every", str(max(1, min(25, steps // 4))), "--name", name, "--run-dir", str(run_dir),
        "--device", device,
    ]  # fmt: skip
    if wanted.steps_per_epoch:
        argv += ["--steps-per-epoch", str(wanted.steps_per_epoch)]
    return argv


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "…"
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def status_line(run: Run) -> str:
    p, state = run.progress, run.state
    total = p.last.get("total_steps") or p.start.get("total_steps")
    epochs = p.start.get("epochs")
    at = p.step
    where = f"step {at:,}/{total:,}" if total else f"step {at:,}"
    if p.last:
        where += f" · epoch {p.last['epoch']:.2f}/{epochs}"
    speed = f" · {p.last['steps_per_s']:.1f} steps/s" if p.last.get("steps_per_s") else ""
    eta = f" · about {duration(p.last.get('eta_s'))} left" if state == "training" and p.last.get("eta_s") else ""
    reason = (p.end or {}).get("reason")
    why = {
        "starting": "**Starting** (loading the data and building the networks)…",
        "training": "**Training**",
        "paused": "**Paused**",
        "stopping": "**Stopping**: finishing this step and saving…",
        "finished": "**Finished**",
        "stopped": {"time-limit": "**Stopped** at the time limit; saved",
                    "parent-gone": "**Stopped** when the server stopped; saved"}.get(reason, "**Stopped**; saved"),
        "failed": f"**Failed**: {(p.end or {}).get('message') or 'the training process exited with an error'}",
        "interrupted": "**Interrupted** (the server stopped before it could save)",
    }[state]  # fmt: skip
    return f"{why} · {FAMILIES.get(run.family, run.family)} on {run.meta['data']['source']} · {where}{speed}{eta}"


def model_label(run: Run) -> str:
    epochs = run.progress.checkpoint.get("epoch", 0)
    return f"Yours: {run.name} ({epochs} epoch{'s' if epochs != 1 else ''}, {run.published_step:,} steps)"


def shell_commands(run: Run) -> str:
    """How to go on from a shell in the repository: the same run (`--resume`), or a new stage (`--init-from`)."""
    argv = run.meta["argv"]
    epochs = int(argv[argv.index("--epochs") + 1])
    more = epochs + 5 if run.state == "finished" else epochs
    resume = [*argv]
    resume[resume.index("--epochs") + 1] = str(more)
    resume = [shown_path(a) if a.startswith("/") else a for a in resume]
    stage = list(resume)
    stage[stage.index("--name") + 1] = f"{run.name}-stage2"
    stage[stage.index("--run-dir") + 1] = shown_path(run.folder.with_name(run.id + "-stage2"))
    stage[stage.index("--epochs") + 1] = "5"
    lines = [
        "# go on with this run where it stopped (same optimizers and data order):",
        shlex.join(["python", "-m", "playground.train", *resume, "--resume"]),
        "# or start a second stage from its weights (fresh optimizers):",
        shlex.join(["python", "-m", "playground.train", *stage, "--init-from", shown_path(run.folder / "last")]),
    ]
    return "\n".join(lines)


def readme(run: Run) -> str:
    argv = run.meta["argv"]
    kept = ("--image-size", "--channels", "--model", "--batch-size")
    same = [x for i, a in enumerate(argv) if a in kept for x in (a, argv[i + 1])]
    dataset = argv[argv.index("--dataset") + 1] if run.meta["data"]["dataset"] in BUILTIN_LABELS else "PICTURES"
    command = ["python", "-m", "playground.train", run.family, "--dataset", dataset, *same, "--epochs", "5",
               "--init-from", f"{run.name}/last"]  # fmt: skip
    return f"""{run.name}: a {FAMILIES.get(run.family, run.family)} trained in the GAN Playground's Studio.

{run.name}.safetensors + {run.name}.json: the generator and its model card (what the app loads)
last.safetensors + last.json: the whole training state (both networks, optimizers, progress)

Train it further from a shell in the repository (PICTURES: a folder with one sub-folder per class):
  {shlex.join(command)}
"""
