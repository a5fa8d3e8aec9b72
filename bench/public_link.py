"""Issue #19's timed bars on the real app with the shipped checkpoints: a 10,000-class request, and how long
the CPU stays busy after a Lab run at the largest settings is cancelled or its reader leaves.

python -m bench.public_link [--repeats 5]
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.server import REPO, running_app
from playground.report import machine, publish, section
from playground.report import parser as parser_for

LAB_LARGEST = ["ring", 256, 4, 1e-3, 1e-3, 5, "wgan-gp", 0, None, None, 50]  # the sliders' maxima


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    line = next(x for x in Path(f"/proc/{pid}/status").read_text().splitlines() if x.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def until_idle(pid: int, since: float, limit: float = 60.0) -> float:
    """Seconds from `since` until the server uses under 10% of a core over a 0.5 s window."""
    while time.monotonic() - since < limit:
        start_cpu, start = cpu_seconds(pid), time.monotonic()
        time.sleep(0.5)
        if (cpu_seconds(pid) - start_cpu) / (time.monotonic() - start) < 0.1:
            return start - since
    return float("inf")


def load(pid: int, seconds: float) -> float:
    """Cores the server keeps busy over the next `seconds`."""
    start = cpu_seconds(pid)
    time.sleep(seconds)
    return (cpu_seconds(pid) - start) / seconds


def busy_lab_job(url: str) -> tuple[httpx.Client, str]:
    http = httpx.Client(timeout=60)
    event = http.post(f"{url}gradio_api/call/lab_train_2d", json={"data": LAB_LARGEST}).json()["event_id"]
    return http, event


def main() -> int:
    parser = parser_for(__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    with tempfile.TemporaryDirectory() as cache, running_app(REPO / "checkpoints", Path(cache)) as (url, proc, _):
        client = Client(url, verbose=False)
        name = next(n for n in ("cgan-fashion-mnist", "cgan-mnist") if (REPO / "checkpoints" / f"{n}.json").exists())
        label = "Bag" if "fashion" in name else "1"
        client.predict(name, [label], 4, 0, api_name="/cgan_generate")  # warm: the model is resident
        rss_before = rss_mb(proc.pid)
        answers, message = [], ""
        for _ in range(args.repeats):
            start = time.perf_counter()
            try:
                client.predict(name, [label] * 10_000, 16, 0, api_name="/cgan_generate")
            except AppError as exc:
                message = str(exc)
            answers.append(time.perf_counter() - start)
        growth = rss_mb(proc.pid) - rss_before

        cancelled, left, busy = [], [], []
        for _ in range(args.repeats):
            job = Client(url, verbose=False).submit(*LAB_LARGEST, api_name="/lab_train_2d")
            while not job.outputs():
                time.sleep(0.05)
            busy.append(load(proc.pid, 1.0))  # well into the run: how hard it works
            start = time.monotonic()
            job.cancel()
            cancelled.append(until_idle(proc.pid, start))
            http, event = busy_lab_job(url)
            with http.stream("GET", f"{url}gradio_api/call/lab_train_2d/{event}") as stream:
                reading = time.monotonic()
                for _ in stream.iter_lines():  # read for two seconds, then hang up
                    if time.monotonic() - reading > 2.0:
                        break
            start = time.monotonic()  # the connection closed just now
            http.close()
            left.append(until_idle(proc.pid, start))

    answer = (
        f"`/cgan_generate` on `{name}` with 10,000 classes: answered in **{statistics.median(answers) * 1000:.0f} ms** "
        f"(median of {args.repeats}, max {max(answers) * 1000:.0f} ms) with “{message}”; server memory "
        f"{growth:+.0f} MB after {args.repeats} such requests."
    )
    lab = (
        "A Lab run at the largest settings (256 hidden units, 4 layers, WGAN-GP, 5 D steps, 50 steps per picture; "
        f"{statistics.median(busy):.2f} cores busy while it runs): "
        f"the server's CPU is idle (< 10% of a core over 0.5 s) **{statistics.median(cancelled):.1f} s** after "
        f"gradio_client cancels it (max {max(cancelled):.1f} s), and **{statistics.median(left):.1f} s** after a raw "
        f"HTTP reader hangs up (max {max(left):.1f} s); {args.repeats} runs each. {machine()}."
    )
    text = section("Safe on a public link (`python -m bench.public_link`)", answer + "\n\n" + lab)
    publish("public_link", text, write=not args.no_write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
