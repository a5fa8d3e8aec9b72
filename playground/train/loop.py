"""The one training loop: data, devices, DistributedDataParallel, progress, checkpoints, exports.

Families plug in through a `Recipe` (build the modules, one optimisation step, a sample batch); the loop
does everything else the same way for all of them.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, DistributedSampler
from tqdm import tqdm

from .. import checkpoints, settings
from ..data import ImageData
from ..device import pick_device, seeded_generator
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


def earlier_stage(stem: Path) -> dict[str, Any]:
    """What a --init-from run started from, so its card tells the whole training history."""
    card = checkpoints.read_card(stem)
    keep = ("name", "epochs", "steps", "wall_time_s", "train_args", "earlier_stage")
    return {"init_from": str(stem), **{k: card[k] for k in keep if k in card}}


class Trainer:
    """Runs one recipe for `args.epochs` epochs, resuming from `<run_dir>/last` with --resume."""

    def __init__(self, recipe_cls: type[Recipe], args: argparse.Namespace) -> None:
        self.args = args
        self.dist = init_distributed(args.device)
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
            self.wrapped = {r: DistributedDataParallel(m, device_ids=ids) for r, m in self.modules.items()}
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
            "train_args": json_ready({k: v for k, v in vars(a).items() if k not in ("resume",)}),
            "git_commit": checkpoints.git_commit(),
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            **self.recipe.card_extras(),
            **({"earlier_stage": earlier_stage(a.init_from)} if a.init_from else {}),
        }

    def save_epoch(self, epoch_metrics: dict[str, float]) -> None:
        card = self.base_card()
        extra = {"optimizers": {r: o.state_dict() for r, o in self.optimizers.items()}, "progress": self.progress}
        checkpoints.save(self.last, self.modules, card, extra=extra)

        samples = self.recipe.samples(self.modules)
        grid_path = None
        if samples is not None:
            grid_path = self.run_dir / "samples" / f"epoch_{self.progress['epoch']:03d}.png"
            save_sample_grid(samples, grid_path)
        save_loss_curve(self.progress["history"], self.run_dir / "losses.png", title=self.args.name)

        export_dir = Path(self.args.export_dir or self.run_dir)
        metrics = {"training": epoch_metrics} if epoch_metrics else {}
        self.recipe.export(self.modules, export_dir / self.args.name, {**card, "metrics": metrics})
        if grid_path is not None:
            save_sample_grid(samples, export_dir / f"{self.args.name}.png")

    # -- the loop ----------------------------------------------------------------------------------------
    def fit(self) -> dict[str, Any]:
        a, d = self.args, self.dist
        sampler = DistributedSampler(
            self.data.dataset, num_replicas=d.world, rank=d.rank, shuffle=True, seed=a.seed, drop_last=True
        )  # fmt: skip
        loader = DataLoader(
            self.data.dataset, batch_size=a.batch_size, sampler=sampler, drop_last=True,
            num_workers=a.workers, pin_memory=d.device.type == "cuda", persistent_workers=a.workers > 0,
        )  # fmt: skip
        if len(loader) == 0:
            raise ValueError(f"{len(self.data)} images are fewer than one batch of {a.batch_size} per process")
        for epoch in range(self.progress["epoch"], a.epochs):
            started = time.perf_counter()
            sampler.set_epoch(epoch)
            self._epoch(loader, epoch)
            self._end_epoch(epoch, started)
            if d.world > 1:
                dist.barrier()
        return self.progress

    def _epoch(self, loader: DataLoader, epoch: int) -> None:
        """One pass over the data (or --steps-per-epoch batches of it), logging every --log-every steps."""
        a, d = self.args, self.dist
        factor = lr_factor(a.lr_decay, epoch, a.epochs)
        for role, opt in self.optimizers.items():
            for group in opt.param_groups:
                group["lr"] = self.recipe.lr(role) * factor
        seed = epoch_seed(a.seed, d.rank, epoch)
        torch.manual_seed(seed)
        rng = seeded_generator(seed, d.device)
        for m in self.modules.values():
            m.train()
        steps = min(len(loader), a.steps_per_epoch or len(loader))
        running: dict[str, list[torch.Tensor]] = defaultdict(list)
        bar = tqdm(
            total=steps, desc=f"{a.name} epoch {epoch + 1}/{a.epochs}", disable=not d.is_main, leave=False,
            mininterval=0.5 if sys.stderr.isatty() else 30,  # keep background logs short
        )  # fmt: skip
        for i, (images, labels) in zip(range(steps), loader, strict=False):  # stops after `steps` batches
            images = images.to(d.device, non_blocking=True)
            if isinstance(labels, torch.Tensor):  # class labels; captions stay a list of strings
                labels = labels.to(d.device, non_blocking=True)
            for k, v in self.recipe.step(self.wrapped, self.optimizers, images, labels, rng).items():
                running[k].append(v)
            self.progress["step"] += 1
            bar.update()
            if len(running[next(iter(running))]) >= a.log_every or i == steps - 1:
                self._log(running, epoch + (i + 1) / steps, bar)
                running.clear()
        bar.close()

    def _end_epoch(self, epoch: int, started: float) -> None:
        """Count the epoch; on the main process, evaluate, save the checkpoint and the exports, print a line."""
        self.progress["epoch"] = epoch + 1
        self.progress["wall_time_s"] += time.perf_counter() - started
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

    def _log(self, running: dict[str, list[torch.Tensor]], epoch: float, bar: tqdm) -> None:
        means = {k: torch.stack(v).float().mean().item() for k, v in running.items()}
        bad = [k for k, v in means.items() if not math.isfinite(v)]
        if bad:
            raise TrainingDiverged(
                f"{self.args.name}: {', '.join(bad)} became non-finite at step {self.progress['step']}"
            )
        self.progress["history"].append({"step": self.progress["step"], "epoch": round(epoch, 4), **means})
        bar.set_postfix({k: f"{v:.3f}" for k, v in means.items()})

    def close(self) -> None:
        if self.dist.world > 1 and dist.is_initialized():
            dist.destroy_process_group()


def train(recipe_cls: type[Recipe], args: argparse.Namespace) -> dict[str, Any]:
    trainer = Trainer(recipe_cls, args)
    try:
        return trainer.fit()
    finally:
        trainer.close()
