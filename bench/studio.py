"""The Studio: training speed on the CPU, the app's slider latency while a job trains, and the FID of a DCGAN
trained from the page against the same settings from the shell.

    python -m bench.studio [--part speed|latency|fid|all] [--data-dir DIR]

`--data-dir` (or $PLAYGROUND_DATA) names the folder with Fashion-MNIST's IDX files. Each part writes its own
section of docs/benchmarks.md (unless --no-write).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

from bench.server import REPO, running_app

STUDIO = {"batch": 64, "width": 32, "lr": 2e-4, "seed": 0}  # the Studio's default settings


def load_average() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} / {five:.1f} (1 / 5 min) on {os.cpu_count()} cores"


def train(args: list[str], run_dir: Path) -> tuple[dict, float]:
    """Run `python -m playground.train` on one thread; its last `log` event and the wall time."""
    progress = run_dir / "progress.jsonl"
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "playground.train", *args, "--run-dir", str(run_dir), "--progress-file", str(progress)],
        cwd=REPO, env={**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}, capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    logs = [json.loads(line) for line in progress.read_text().splitlines() if '"log"' in line]
    return logs[-1], time.perf_counter() - started


# -- steps per second -------------------------------------------------------------------------------------
def speed(data_dir: Path, steps: int) -> str:
    from bench.zips import fashion_zip
    from playground.report import machine
    from playground.studio.uploads import prepare_zip

    half = max(1, steps // 2)  # two epochs of half the steps: each run also saves a checkpoint mid-way, as in use
    common = ["--epochs", "2", "--steps-per-epoch", str(half), "--batch-size", str(STUDIO["batch"]),
              "--model", f"g_width={STUDIO['width']}", "--model", f"d_width={STUDIO['width']}", "--log-every", "20"]  # fmt: skip
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        per_class = (half * STUDIO["batch"] + 1) // 2 + 1  # enough pictures for one epoch of `half` steps
        archive = fashion_zip(tmp_path / "clothes.zip", data_dir, per_class=per_class)
        folder = prepare_zip(str(archive), tmp_path / "data64", image_size=64, channels=3, need_classes=True,
                             roots=[tmp_path]).dataset  # fmt: skip
        cases = [
            ("DCGAN", "Fashion-MNIST, 28 px grey", ["dcgan", "--dataset", "fashion-mnist", "--data-dir", str(data_dir)]),
            ("CGAN", "Fashion-MNIST, 28 px grey", ["cgan", "--dataset", "fashion-mnist", "--data-dir", str(data_dir)]),
            ("InfoGAN", "Fashion-MNIST, 28 px grey",
             ["infogan", "--dataset", "fashion-mnist", "--data-dir", str(data_dir)]),
            ("DCGAN", f"a zip of {2 * per_class:,} pictures, 64 px colour",
             ["dcgan", "--dataset", folder, "--image-size", "64", "--channels", "3"]),
        ]  # fmt: skip
        for family, data, args in cases:
            last, wall = train([*args, *common], tmp_path / f"run-{len(rows)}")
            rows.append(f"| {family} | {data} | {last['step']} | {last['steps_per_s']:.2f} "
                        f"| {last['steps_per_s'] * STUDIO['batch']:.0f} | {wall:.0f} s |")  # fmt: skip
            print(rows[-1], flush=True)
    return "\n".join([
        "## Studio: training speed on the CPU (`python -m bench.studio --part speed`)",
        "",
        f"`python -m playground.train` as the Studio starts it: one thread (`OMP_NUM_THREADS=1`), the Studio's "
        f"defaults (batch {STUDIO['batch']}, network width {STUDIO['width']}, lr {STUDIO['lr']:g}), 2 epochs of "
        f"{half} steps (`--steps-per-epoch {half}`, a checkpoint between them); "
        "steps/s as the loop's progress file reports it (training time only, the first steps included). "
        f"{machine()}; {load_average()} at the end (a machine shared with other jobs: figures vary with its load).",
        "",
        "| model | data | steps | steps/s | pictures/s | wall time (incl. start-up) |",
        "|---|---|---|---|---|---|",
        *rows,
    ])  # fmt: skip


# -- the app's latency while a job trains ------------------------------------------------------------------
def latency(data_dir: Path, calls: int, rounds: int) -> str:
    """Slider p50 with no job, then with a job alternately training and paused (blocks of calls interleaved, so
    the drifting load of a shared machine weighs on both alike), then with no job again."""
    from gradio_client import Client

    from playground.report import machine
    from playground.studio.jobs import new_visitor

    env = {"PLAYGROUND_DATA": str(data_dir), "PLAYGROUND_OFFLINE": "1"}
    with tempfile.TemporaryDirectory() as cache, running_app(REPO / "checkpoints", Path(cache), env=env) as (url, _, _):
        client = Client(url, verbose=False, download_files=False)  # the server round trip, as in bench.latency
        watcher = Client(url, verbose=False, download_files=False)

        def slider_ms(n: int) -> list[float]:
            times = []
            for i in range(n):
                started = time.perf_counter()
                client.predict(
                    "infogan-fashion-mnist", 42, 3, -2 + 4 * (i % 81) / 80, 0.5, api_name="/infogan_generate"
                )
                times.append((time.perf_counter() - started) * 1000)
            return times

        def status() -> str:
            return watcher.predict(visitor, api_name="/studio_status")[0]

        def until(word: str) -> str:
            while word not in (text := status()):
                time.sleep(0.5)
            return text

        slider_ms(15)  # warm-up: the model loads on first use
        no_job = slider_ms(calls)
        visitor = new_visitor()
        client.predict(visitor, "fashion-mnist", None, 28, 1, "dcgan", api_name="/studio_prepare")
        client.predict(visitor, "fashion-mnist", None, 28, 1, "dcgan", 50, STUDIO["batch"], STUDIO["width"],
                       STUDIO["lr"], STUDIO["seed"], 0, 25, api_name="/studio_start")  # fmt: skip
        until("steps/s")
        done = threading.Event()
        seen: list[str] = []

        def watch() -> None:  # the Studio page stays open meanwhile: its timer asks for the status every 2 s
            while not done.is_set():
                seen.append(status())
                done.wait(2.0)

        thread = threading.Thread(target=watch, daemon=True)
        thread.start()
        training, paused = [], []
        block = max(1, calls // rounds)
        for _ in range(rounds):
            training += slider_ms(block)
            client.predict(visitor, api_name="/studio_pause")
            until("Paused")
            time.sleep(1.0)  # the step under way ends
            paused += slider_ms(block)
            client.predict(visitor, 5, api_name="/studio_resume")
            until("Training")
        done.set()
        thread.join()
        client.predict(visitor, api_name="/studio_stop")
        until("Stopped")
        no_job += slider_ms(calls)
    rates = [part.strip() for text in seen for part in text.split("·") if "steps/s" in part]

    def row(name: str, values: list[float]) -> str:
        return f"| {name} | {len(values)} | {statistics.median(values):.1f} | {statistics.quantiles(values, n=10)[-1]:.1f} |"

    p50 = {k: statistics.median(v) for k, v in (("no job", no_job), ("paused", paused), ("training", training))}
    return "\n".join([
        "## Studio: the app while a job trains (`python -m bench.studio --part latency`)",
        "",
        "InfoGAN slider events (`/infogan_generate` through gradio_client, `download_files=False`) on the real app: "
        "with no Studio job (before one starts and after it stops), then with a Studio DCGAN on Fashion-MNIST "
        f"(started through `/studio_start`) alternately training and paused, in {rounds} interleaved blocks of "
        f"{block} calls each, so the drifting load of a shared machine weighs on both alike; meanwhile a second "
        f"client polls `/studio_status` every 2 s as the open page does (the job reported {rates[-1] if rates else '?'}). "
        f"{machine()}; {load_average()} at the end.",
        "",
        "| | calls | p50 ms | p90 ms |",
        "|---|---|---|---|",
        row("no job", no_job),
        row("job paused", paused),
        row("job training", training),
        "",
        f"p50 while training: **{p50['training'] / p50['paused']:.2f}×** the p50 of the same minutes with the job "
        f"paused, {p50['training'] / p50['no job']:.2f}× the p50 with no job (the bar: at most 2×). The job is its "
        "own process on one thread at `nice` 10, in the server's scheduling group, so the server's request threads "
        "meet neither the GIL nor a full-share competitor; what remains is the core it occupies.",
    ])  # fmt: skip


# -- the same FID from the page as from the shell ----------------------------------------------------------
def fid(data_dir: Path, epochs: int, steps: int, samples: int) -> str:
    import torch
    from gradio_client import Client
    from safetensors.torch import load_file

    from playground import checkpoints, evaluate, settings
    from playground.report import machine
    from playground.studio.jobs import new_visitor

    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        env = {"PLAYGROUND_DATA": str(data_dir), "PLAYGROUND_OFFLINE": "1"}
        with running_app(REPO / "checkpoints", tmp_path / "cache", env=env) as (url, _, _):
            client = Client(url, verbose=False)
            visitor = new_visitor()
            client.predict(visitor, "fashion-mnist", None, 28, 1, "dcgan", api_name="/studio_prepare")
            started = time.perf_counter()
            client.predict(visitor, "fashion-mnist", None, 28, 1, "dcgan", epochs, STUDIO["batch"], STUDIO["width"],
                           STUDIO["lr"], STUDIO["seed"], steps, 25, api_name="/studio_start")  # fmt: skip
            while "Finished" not in (text := client.predict(visitor, api_name="/studio_status")[0]):
                if "Failed" in text:
                    raise RuntimeError(text)
                time.sleep(2)
            page_wall = time.perf_counter() - started
            with zipfile.ZipFile(client.predict(visitor, api_name="/studio_download")) as archive:
                archive.extractall(tmp_path / "page")  # what a visitor downloads
        page_stem = tmp_path / "page" / "dcgan-fashion-mnist" / "dcgan-fashion-mnist"
        shell_args = ["dcgan", "--dataset", "fashion-mnist", "--data-dir", str(data_dir), "--epochs", str(epochs),
                      "--steps-per-epoch", str(steps), "--batch-size", str(STUDIO["batch"]), "--lr", f"{STUDIO['lr']:g}",
                      "--seed", str(STUDIO["seed"]), "--model", f"g_width={STUDIO['width']}",
                      "--model", f"d_width={STUDIO['width']}"]  # fmt: skip
        _, shell_wall = train(shell_args, tmp_path / "shell")
        shell_stem = tmp_path / "shell" / "dcgan-fashion-mnist"

        device = torch.device("cpu")
        judge = evaluate.Judge(checkpoints.load_model(settings.CHECKPOINT_DIR / "judge-fashion-mnist", "classifier",
                                                      device)[0], device)  # fmt: skip
        real = evaluate.real_features(judge, "fashion-mnist", data_dir, samples, 0)
        page = evaluate.evaluate_generator(page_stem, judge, real, samples, 0)
        shell = evaluate.evaluate_generator(shell_stem, judge, real, samples, 0)
        a, b = load_file(f"{page_stem}.safetensors"), load_file(f"{shell_stem}.safetensors")
        identical = a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    gap = abs(page["fid"] - shell["fid"]) / shell["fid"]
    return "\n".join([
        "## Studio: the same model from the page as from the shell (`python -m bench.studio --part fid`)",
        "",
        f"DCGAN on Fashion-MNIST, {epochs} epochs of {steps} steps each (`--steps-per-epoch {steps}`, the same on "
        f"both sides: {epochs * steps * STUDIO['batch']:,} pictures seen; full epochs are 937 steps), batch "
        f"{STUDIO['batch']}, width {STUDIO['width']}, lr {STUDIO['lr']:g}, seed {STUDIO['seed']}: once from the "
        "page (`/studio_prepare` + `/studio_start` through gradio_client, the model then taken from "
        "`/studio_download`) and once from the shell (`python -m playground.train dcgan ...`). FID on the judge's "
        f"features (`playground.evaluate`), {samples:,} samples against the test split. {machine()}.",
        "",
        "| trained from | FID | precision | recall | wall time |",
        "|---|---|---|---|---|",
        f"| the page (Studio) | {page['fid']:.3f} | {page['precision']:.3f} | {page['recall']:.3f} | {page_wall:.0f} s |",
        f"| the shell | {shell['fid']:.3f} | {shell['precision']:.3f} | {shell['recall']:.3f} | {shell_wall:.0f} s |",
        "",
        f"FID difference: **{gap * 100:.2f} %** (the bar: within ±10 %). The generators' weights are "
        f"{'bit-for-bit identical' if identical else 'not identical'}: the page runs the same loop with the same "
        "arguments (its progress file and sample grids draw no training random numbers).",
    ])  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--part", choices=("speed", "latency", "fid", "all"), default="all")
    parser.add_argument(
        "--data-dir", type=Path, default=None, help="Fashion-MNIST's IDX folder (else $PLAYGROUND_DATA)"
    )
    parser.add_argument("--steps", type=int, default=120, help="steps per speed measurement")
    parser.add_argument("--calls", type=int, default=60, help="slider calls per latency condition")
    parser.add_argument("--rounds", type=int, default=6, help="training/paused blocks the calls are split into")
    parser.add_argument("--fid-epochs", type=int, default=2)
    parser.add_argument("--fid-steps", type=int, default=300, help="steps per epoch for the FID comparison")
    parser.add_argument("--fid-samples", type=int, default=10_000)
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = parser.parse_args()
    from playground import data
    from playground.report import publish

    data_dir = data.find_idx_folder("fashion-mnist", args.data_dir)
    if data_dir is None:
        print(
            "error: Fashion-MNIST's IDX files were not found; pass --data-dir or set PLAYGROUND_DATA", file=sys.stderr
        )
        return 1
    parts = ("speed", "latency", "fid") if args.part == "all" else (args.part,)
    for part in parts:
        if part == "speed":
            publish("studio-speed", speed(data_dir, args.steps), write=not args.no_write)
        elif part == "latency":
            publish("studio-latency", latency(data_dir, args.calls, args.rounds), write=not args.no_write)
        else:
            text = fid(data_dir, args.fid_epochs, args.fid_steps, args.fid_samples)
            publish("studio-fid", text, write=not args.no_write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
