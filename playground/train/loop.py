"""The one training loop: data, devices, DistributedDataParallel, progress, checkpoints, exports.

Families plug in through a `Recipe` (build the modules, one optimisation step, a sample batch); the loop
does everything else the same way for all of them.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import math
import os
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, DistributedSampler, Sampler
from tqdm import tqdm

from .. import checkpoints, settings
from ..data import ImageData
from ..device import pick_device, seeded_generator
from .control import DONE, ERROR, ProgressLog, RunControl
from .plots import save_loss_curve, save_sample_grid
from .recipe import Recipe


class TrainingDiverged(RuntimeError):
    """A loss became NaN or infinite."""


@dataclass(frozen=True)
class Distributed:
    rank: int
    world: int
    device: torch.device

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def init_distributed(device_name: str) -> Distributed:
    """Join the torchrun process group when WORLD_SIZE > 1: NCCL on GPUs, gloo on the CPU."""
    device = pick_device(device_name)
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world == 1:
        return Distributed(0, 1, device)
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if device.type == "cuda":
        torch.cuda.set_device(local_rank)
        device = torch.device("cuda", local_rank)
    else:
        # Share the cores between the processes on this host instead of oversubscribing them.
        local_world = int(os.environ.get("LOCAL_WORLD_SIZE", str(world)))
        torch.set_num_threads(max(1, (os.cpu_count() or 1) // local_world))
    dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return Distributed(dist.get_rank(), world, device)


def lr_factor(schedule: str, epoch: int, epochs: int) -> float:
    """'linear': constant for the first half, then linearly to zero (CycleGAN); 'cosine': over all epochs."""
    if schedule == "linear":
        half = epochs // 2
        return 1.0 if epoch < half else 1.0 - (epoch - half) / max(1, epochs - half)
    if schedule == "cosine":
        return 0.5 * (1 + math.cos(math.pi * epoch / epochs))
    return 1.0


def epoch_seed(seed: int, rank: int, epoch: int) -> int:
    """Seeds derived from (seed, rank, epoch): a resumed run draws exactly what an uninterrupted one would."""
    return (seed * 1_000_003 + rank * 10_007 + epoch) % 2**63


def json_ready(value: Any) -> Any:
    """Arguments as JSON for a card; paths inside the repository become relative (cards ship, machines differ)."""
    if isinstance(value, Path):
        path = value.resolve()
        return str(path.relative_to(settings.REPO_ROOT) if path.is_relative_to(settings.REPO_ROOT) else value)
    if isinstance(value, dict):
        return {k: json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(v) for v in value]
    return value


@dataclass(frozen=True)
class RunShape:
    steps: int  # per epoch
    total: int  # over the run
    first_step: int  # where this process started (> 0 when resumed)
    sample_every: int  # steps between two sample grids (0: at epoch ends only)


class SkipFirst(Sampler):
    """The indices of `sampler` after its first `n`: a run resumed mid-epoch sees the batches it had not."""

    def __init__(self, sampler: Sampler, n: int) -> None:
        self.sampler, self.n = sampler, n

    def __iter__(self) -> Iterator[int]:
        return itertools.islice(iter(self.sampler), self.n, None)

    def __len__(self) -> int:
        return max(0, len(self.sampler) - self.n)  # type: ignore[arg-type]


def earlier_stage(stem: Path) -> dict[str, Any]:
    """What a --init-from run started from, so its card tells the whole training history."""
    card = checkpoints.read_card(stem)
    keep = ("name", "command", "epochs", "steps", "wall_time_s", "train_args", "earlier_stage")
    return {"init_from": str(stem), **{k: card[k] for k in keep if k in card}}


class Trainer:
    """Runs one recipe for `args.epochs` epochs, resuming from `<run_dir>/last` with --resume."""

    def __init__(self, recipe_cls: type[Recipe], args: argparse.Namespace) -> None:
        self.args = args
        self.dist = init_distributed(args.device)
        # --progress-file, signals, --time-limit, --stop-with-parent (see control.py); rank 0 writes the log
        self.log = ProgressLog(getattr(args, "progress_file", None) if self.dist.is_main else None)
        self.control = RunControl(
            time_limit=getattr(args, "time_limit", 0.0) or 0.0,
            stop_with_parent=getattr(args, "stop_with_parent", False), log=self.log,
        )  # fmt: skip
        self.data: ImageData = recipe_cls.load_data(args)
        self.config = recipe_cls.make_config(self.data, args)
        torch.manual_seed(args.seed)  # identical initial weights on every rank
        self.recipe = recipe_cls(args, self.data, self.config, self.dist.device)
        self.modules = {role: m.to(self.dist.device) for role, m in self.recipe.build().items()}
        self.optimizers = self.recipe.optimizers(self.modules)
        self.progress: dict[str, Any] = {"epoch": 0, "step": 0, "wall_time_s": 0.0, "history": [], "metrics": []}
        self.run_dir = Path(args.run_dir)
        self.last = self.run_dir / "last"
        if args.init_from:  # weights only; a --resume that finds this run's own state wins
            checkpoints.load_state(args.init_from, self.modules)
        if args.resume:
            self._resume()
        if self.dist.world > 1:
            ids = [self.dist.device.index] if self.dist.device.type == "cuda" else None
            self.wrapped = {
                r: DistributedDataParallel(m, device_ids=ids) if any(p.requires_grad for p in m.parameters()) else m
                for r, m in self.modules.items()
            }  # a module nothing trains (a moving average) needs no gradient sync
        else:
            self.wrapped = dict(self.modules)

    # -- checkpoints -------------------------------------------------------------------------------------
    def _resume(self) -> None:
        if not checkpoints.paths(self.last)[0].exists():
            if self.dist.is_main:
                print(f"--resume: no checkpoint in {self.run_dir}, starting from scratch")
            return
        try:
            _, extra = checkpoints.load_state(self.last, self.modules)
            for role, opt in self.optimizers.items():
                opt.load_state_dict(extra["optimizers"][role])
            self.progress = extra["progress"]
        except (checkpoints.CheckpointError, KeyError, TypeError, ValueError) as exc:
            raise ValueError(
                f"--resume: the checkpoint in {self.run_dir} is incomplete or damaged ({exc}); "
                "delete its last.* files to start over"
            ) from None
        if self.dist.is_main:
            print(f"resumed {self.run_dir} after epoch {self.progress['epoch']}")

    def base_card(self) -> dict[str, Any]:
        a = self.args
        return {
            "name": a.name,
            "family": self.recipe.family,
            "config": dataclasses.asdict(self.config),
            "dataset": self.data.name,
            "split": a.split,
            "train_images": len(self.data),
            "class_names": list(self.data.class_names),
            "epochs": self.progress["epoch"],
            "steps": self.progress["step"],
            "wall_time_s": round(self.progress["wall_time_s"], 1),
            "processes": self.dist.world,
            "device": self.dist.device.type,
            "command": getattr(a, "command", None),
            "train_args": json_ready({k: v for k, v in vars(a).items() if k not in ("resume", "command")}),
            "git_commit": checkpoints.git_commit(),
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            **self.recipe.card_extras(),
            **({"earlier_stage": earlier_stage(a.init_from)} if a.init_from else {}),
        }

    def save_epoch(self, epoch_metrics: dict[str, float], *, mid_epoch: bool = False) -> None:
        """The resume checkpoint, the epoch's sample grid, the loss curve and the export. `mid_epoch`: a run
        stopped inside an epoch (its progress holds `epoch_step` and the RNG states, so --resume goes on from
        that step); it writes no per-epoch grid."""
        card = self.base_card()
        extra = {"optimizers": {r: o.state_dict() for r, o in self.optimizers.items()}, "progress": self.progress}
        checkpoints.save(self.last, self.modules, card, extra=extra)

        samples = self.recipe.samples(self.modules)
        grid_path = None
        if samples is not None and not mid_epoch:
            grid_path = self.run_dir / "samples" / f"epoch_{self.progress['epoch']:03d}.png"
            save_sample_grid(samples, grid_path)
        save_loss_curve(self.progress["history"], self.run_dir / "losses.png", title=self.args.name)

        export_dir = Path(self.args.export_dir or self.run_dir)
        metrics = {"training": epoch_metrics} if epoch_metrics else {}
        self.recipe.export(self.modules, export_dir / self.args.name, {**card, "metrics": metrics})
        if samples is not None:
            save_sample_grid(samples, export_dir / f"{self.args.name}.png")
            self._publish_samples(samples)
        self.log.write(
            "checkpoint", step=self.progress["step"], epoch=self.progress["epoch"],
            epoch_step=self.progress.get("epoch_step", 0), last=str(self.last), export=str(export_dir / self.args.name),
            metrics=epoch_metrics,
        )  # fmt: skip

    def _publish_samples(self, samples: torch.Tensor) -> None:
        """The fixed-noise grid as `samples/latest.png` (replaced atomically) and a `sample` event."""
        path = self.run_dir / "samples" / "latest.png"
        tmp = path.with_name("latest.tmp.png")
        save_sample_grid(samples, tmp)
        os.replace(tmp, path)
        self.log.write("sample", step=self.progress["step"], path=str(path))

    def _sample_now(self) -> None:
        """--sample-every: the fixed-noise grid mid-epoch, in eval mode (no BatchNorm statistic moves, no
        training random number is drawn: the run's weights are the same with or without it)."""
        for m in self.modules.values():
            m.eval()
        samples = self.recipe.samples(self.modules)
        for m in self.modules.values():
            m.train()
        if samples is not None:
            self._publish_samples(samples)

    # -- the loop ----------------------------------------------------------------------------------------
    def fit(self) -> dict[str, Any]:
        a, d = self.args, self.dist
        sampler = DistributedSampler(
            self.data.dataset, num_replicas=d.world, rank=d.rank, shuffle=True, seed=a.seed, drop_last=True
        )  # fmt: skip
        loader = self._batches(sampler)
        if len(loader) == 0:
            raise ValueError(f"{len(self.data)} images are fewer than one batch of {a.batch_size} per process")
        steps = min(len(loader), a.steps_per_epoch or len(loader))
        shape = RunShape(steps, a.epochs * steps, self.progress["step"], getattr(a, "sample_every", 0) or 0)
        self.control.begin()
        self.log.write(
            "start", step=shape.first_step, epoch=self.progress["epoch"], epochs=a.epochs, steps_per_epoch=steps,
            total_steps=shape.total, images=len(self.data), classes=list(self.data.class_names), pid=os.getpid(),
            resumed=shape.first_step > 0, device=d.device.type,
        )  # fmt: skip
        for epoch in range(self.progress["epoch"], a.epochs):
            sampler.set_epoch(epoch)
            clock = (time.perf_counter(), self.control.paused_s)
            if not self._epoch(sampler, loader, epoch, shape, clock):
                return self.progress  # stopped inside the epoch, and saved
            self._end_epoch(epoch, clock)
            if d.world > 1:
                dist.barrier()
            if epoch + 1 < a.epochs and self._should_stop():  # between epochs: everything is saved already
                self.log.write("end", reason=self.control.stop_reason, step=self.progress["step"])
                return self.progress
        self.log.write("end", reason=DONE, step=self.progress["step"])
        return self.progress

    def _batches(self, order: Sampler) -> DataLoader:
        a, d = self.args, self.dist
        return DataLoader(
            self.data.dataset, batch_size=a.batch_size, sampler=order, drop_last=True,
            num_workers=a.workers, pin_memory=d.device.type == "cuda", persistent_workers=a.workers > 0,
        )  # fmt: skip

    def _epoch_rng(self, epoch: int, done: int) -> torch.Generator:
        """The epoch's learning rates and seeds (the random state a mid-epoch stop saved, when resuming there)."""
        a, d = self.args, self.dist
        factor = lr_factor(a.lr_decay, epoch, a.epochs)
        for role, opt in self.optimizers.items():
            for group in opt.param_groups:
                group["lr"] = self.recipe.lr(role) * factor
        seed = epoch_seed(a.seed, d.rank, epoch)
        torch.manual_seed(seed)
        rng = seeded_generator(seed, d.device)
        if done:
            rng.set_state(self.progress["rng"]["loop"])
            torch.set_rng_state(self.progress["rng"]["torch"])
            if "cuda" in self.progress["rng"]:
                torch.cuda.set_rng_state(self.progress["rng"]["cuda"], d.device)
        return rng

    def _epoch(self, sampler: Sampler, loader: DataLoader, epoch: int, shape: RunShape, clock: tuple) -> bool:
        """One pass over the data (or --steps-per-epoch batches of it), logging every --log-every steps; False
        when a stop (pause/stop/time limit) ended it early, after saving where it stood."""
        a, d = self.args, self.dist
        done = self.progress.get("epoch_step", 0)  # > 0: resumed inside this epoch, where the run stopped
        rng = self._epoch_rng(epoch, done)
        for m in self.modules.values():
            m.train()
        running: dict[str, list[torch.Tensor]] = defaultdict(list)
        bar = tqdm(
            total=shape.steps, initial=done, desc=f"{a.name} epoch {epoch + 1}/{a.epochs}", disable=not d.is_main,
            leave=False, mininterval=0.5 if sys.stderr.isatty() else 30,  # keep background logs short
        )  # fmt: skip
        batches = self._batches(SkipFirst(sampler, done * a.batch_size)) if done else loader
        for i, (images, labels) in zip(range(done, shape.steps), batches, strict=False):  # stops after `steps`
            self._step(images, labels, rng, running)
            bar.update()
            last = i == shape.steps - 1
            if len(running[next(iter(running))]) >= a.log_every or last:
                self._log(running, epoch + (i + 1) / shape.steps, bar, total=shape.total, first_step=shape.first_step)
                running.clear()
            if shape.sample_every and d.is_main and self.progress["step"] % shape.sample_every == 0 and not last:
                self._sample_now()
            if not last and self._should_stop():
                bar.close()
                self._stop_mid_epoch(epoch, i + 1, running, shape, rng, clock)
                return False
        bar.close()
        return True

    def _step(self, images: torch.Tensor, labels: Any, rng: torch.Generator, running: dict) -> None:
        d = self.dist
        images = images.to(d.device, non_blocking=True)
        if isinstance(labels, torch.Tensor):  # class labels; captions stay a list of strings
            labels = labels.to(d.device, non_blocking=True)
        for k, v in self.recipe.step(self.wrapped, self.optimizers, images, labels, rng).items():
            running[k].append(v)
        self.recipe.after_step(self.wrapped)
        self.progress["step"] += 1

    def _end_epoch(self, epoch: int, clock: tuple) -> None:
        """Count the epoch; on the main process, evaluate, save the checkpoint and the exports, print a line."""
        started, paused_before = clock
        self.progress["epoch"] = epoch + 1
        self.progress["epoch_step"] = 0
        self.progress.pop("rng", None)
        self.progress["wall_time_s"] += time.perf_counter() - started - (self.control.paused_s - paused_before)
        for m in self.modules.values():
            m.eval()  # samples and metrics must not move BatchNorm statistics
        if not self.dist.is_main:
            return
        metrics = self.recipe.evaluate(self.modules)
        self.progress["metrics"].append({"epoch": epoch + 1, **metrics})
        self.save_epoch(metrics)
        last = self.progress["history"][-1]
        shown = ", ".join(f"{k} {v:.4g}" for k, v in {**last, **metrics}.items() if k not in ("step", "epoch"))
        a = self.args
        print(f"{a.name} epoch {epoch + 1}/{a.epochs} ({time.perf_counter() - started:.0f} s): {shown}", flush=True)

    def _should_stop(self) -> bool:
        """control.check on every rank; with several processes, one rank's reason stops them all together."""
        reason = self.control.check(self.progress["step"])
        if self.dist.world > 1:
            flag = torch.tensor([1.0 if reason else 0.0], device=self.dist.device)
            dist.all_reduce(flag, op=dist.ReduceOp.MAX)
            if flag.item() and reason is None:
                self.control.stop_reason = reason = "stopped"
        return reason is not None

    def _stop_mid_epoch(
        self, epoch: int, done: int, running: dict[str, list[torch.Tensor]], shape: RunShape, rng: torch.Generator,
        clock: tuple,
    ) -> None:  # fmt: skip
        """Save where the run stands inside `epoch` (after `done` of its steps): --resume goes on from there."""
        started, paused_before = clock
        if running:
            self._log(running, epoch + done / shape.steps, None, total=shape.total, first_step=shape.first_step)
        self.progress["epoch_step"] = done
        self.progress["rng"] = {"loop": rng.get_state(), "torch": torch.get_rng_state()}
        if self.dist.device.type == "cuda":
            self.progress["rng"]["cuda"] = torch.cuda.get_rng_state(self.dist.device)
        self.progress["wall_time_s"] += time.perf_counter() - started - (self.control.paused_s - paused_before)
        for m in self.modules.values():
            m.eval()
        if self.dist.is_main:
            self.save_epoch({}, mid_epoch=True)
            print(f"{self.args.name}: {self.control.stop_reason} at step {self.progress['step']}; saved", flush=True)
        if self.dist.world > 1:
            dist.barrier()
        self.log.write("end", reason=self.control.stop_reason, step=self.progress["step"])

    def _log(
        self, running: dict[str, list[torch.Tensor]], epoch: float, bar: tqdm | None, *, total: int, first_step: int
    ) -> None:
        means = {k: torch.stack(v).float().mean().item() for k, v in running.items()}
        bad = [k for k, v in means.items() if not math.isfinite(v)]
        if bad:
            raise TrainingDiverged(
                f"{self.args.name}: {', '.join(bad)} became non-finite at step {self.progress['step']}"
            )
        self.progress["history"].append({"step": self.progress["step"], "epoch": round(epoch, 4), **means})
        if bar is not None:
            bar.set_postfix({k: f"{v:.3f}" for k, v in means.items()})
        # steps/s over this process's training time so far (pauses excluded), and the time the rest will take
        rate = (self.progress["step"] - first_step) / max(self.control.active_seconds(), 1e-9)
        self.log.write(
            "log", step=self.progress["step"], epoch=round(epoch, 4), losses=means, steps_per_s=round(rate, 3),
            eta_s=round((total - self.progress["step"]) / rate, 1) if rate > 0 else None, total_steps=total,
        )  # fmt: skip

    def close(self) -> None:
        if self.dist.world > 1 and dist.is_initialized():
            dist.destroy_process_group()


def train(recipe_cls: type[Recipe], args: argparse.Namespace) -> dict[str, Any]:
    log = ProgressLog(getattr(args, "progress_file", None) if int(os.environ.get("RANK", "0")) == 0 else None)
    try:
        trainer = Trainer(recipe_cls, args)
    except Exception as exc:  # e.g. no data: the watcher learns why from the log, not only from stderr
        log.write("end", reason=ERROR, message=str(exc), step=0)
        raise
    trainer.control.install()
    try:
        return trainer.fit()
    except Exception as exc:
        trainer.log.write("end", reason=ERROR, message=str(exc), step=trainer.progress["step"])
        raise
    finally:
        trainer.control.restore()
        trainer.close()
