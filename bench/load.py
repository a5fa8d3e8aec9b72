"""Load and soak: concurrent gradio_client users mixing the tabs' endpoints against the real app on loopback.

    python -m bench.load [--users 16] [--requests 1000] [--max-seconds 600]

Bounded in count and time. Reports failures, p50/p95 per endpoint, and the server's resident memory after
warm-up versus at the end (growth over the run). Results go to docs/benchmarks.md.
"""

from __future__ import annotations

import random
import statistics
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

from bench.server import REPO, running_app
from playground.report import machine, publish
from playground.report import parser as parser_for

EXAMPLES = REPO / "assets" / "examples"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def mix(client, handle_file) -> dict[str, callable]:
    """The endpoints a visitor's session touches, with plausible arguments (varied per call)."""
    beach, house, outline = (handle_file(str(EXAMPLES / n)) for n in ("beach.png", "house.png", "sketch-boot.png"))
    return {
        "/infogan_generate": lambda i: client.predict("infogan-fashion-mnist", i, i % 10, -2 + (i % 9) / 2, 0.5,
                                                      api_name="/infogan_generate"),
        "/cgan_generate": lambda i: client.predict("cgan-fashion-mnist", ["Sneaker", "Bag"], 4, i, api_name="/cgan_generate"),
        "/cyclegan_translate": lambda i: client.predict(beach, "cyclegan-sneaker-boot", "A→B", False,
                                                        api_name="/cyclegan_translate"),
        "/style_fast": lambda i: client.predict(house, None, False, "built-in styles", [i % 26], 1.0, api_name="/style_fast"),
        "/lab_step_2d": lambda i: client.predict("ring", 64, 2, 1e-3, 1e-3, 1, "non-saturating", 0, None, None, 5,
                                                 api_name="/lab_step_2d"),
        "/ae_reconstruct": lambda i: client.predict("vae-fashion-mnist", i % 100, None, 0.3, i, api_name="/ae_reconstruct"),
        "/pix2pix_render": lambda i: client.predict(None, outline, api_name="/pix2pix_render"),
        "/gan_vs_dcgan": lambda i: client.predict(i, 12, api_name="/gan_vs_dcgan"),
    }  # fmt: skip


def run(url: str, pid: int, users: int, requests: int, max_seconds: float, warmup: int) -> dict:
    from gradio_client import Client, handle_file

    latencies: dict[str, list[float]] = defaultdict(list)
    failures: list[str] = []
    counter = {"done": 0}
    lock = threading.Lock()
    memory: list[tuple[int, float]] = []
    deadline = time.monotonic() + max_seconds

    def user(seed: int) -> None:
        client = Client(url, verbose=False)
        calls = mix(client, handle_file)
        rng = random.Random(seed)
        while time.monotonic() < deadline:
            with lock:
                if counter["done"] >= requests:
                    return
                counter["done"] += 1
                i = counter["done"]
            name = rng.choice(list(calls))
            start = time.perf_counter()
            try:
                calls[name](i)
                with lock:
                    latencies[name].append((time.perf_counter() - start) * 1000)
            except Exception as exc:  # every failure is counted and shown, whatever its kind
                with lock:
                    failures.append(f"{name}: {type(exc).__name__}: {str(exc)[:120]}")

    def watch() -> None:
        while any(t.is_alive() for t in threads):
            memory.append((counter["done"], rss_mb(pid)))
            time.sleep(1)

    threads = [threading.Thread(target=user, args=(s,)) for s in range(users)]
    started = time.monotonic()
    for t in threads:
        t.start()
    watcher = threading.Thread(target=watch)
    watcher.start()
    for t in threads:
        t.join()
    watcher.join()
    # Medians over a window of requests (each sample also sees whatever is in flight at that second).
    window = max(1, counter["done"] // 10)
    after_warmup = window_median(memory, warmup, warmup + window)
    at_end = window_median(memory, counter["done"] - window, counter["done"])
    return {"latencies": latencies, "failures": failures, "seconds": time.monotonic() - started,
            "requests": counter["done"], "rss_warm": after_warmup, "rss_end": at_end,
            "rss_peak": max(mb for _, mb in memory), "memory": memory}  # fmt: skip


def window_median(memory: list[tuple[int, float]], first: int, last: int) -> float:
    """Median resident memory over the samples taken while requests first..last were being done."""
    inside = [mb for done, mb in memory if first <= done <= last]
    return statistics.median(inside) if inside else memory[-1][1]


def memory_milestones(memory: list[tuple[int, float]], requests: int, parts: int = 8) -> list[tuple[int, float]]:
    """The first sample at or past each 1/parts of the run: the shape of the memory curve in one line."""
    marks = [round(requests * k / parts) for k in range(1, parts + 1)]
    return [next(((d, mb) for d, mb in memory if d >= m), memory[-1]) for m in marks]


def markdown(result: dict, users: int, warmup: int) -> str:

    growth = 100 * (result["rss_end"] - result["rss_warm"]) / result["rss_warm"]
    lines = [
        "## Load and soak (`python -m bench.load`)",
        "",
        f"{users} concurrent gradio_client users on loopback mixing eight endpoints at random, "
        f"{result['requests']:,} requests in {result['seconds']:.0f} s; {machine()}. "
        f"**{len(result['failures'])} failed requests.** Server resident memory (median over a tenth of the run): "
        f"{result['rss_warm']:.0f} MB after {warmup} warm-up requests, {result['rss_end']:.0f} MB over the last "
        f"tenth ({growth:+.1f}%), peak {result['rss_peak']:.0f} MB.",
        "",
        "Resident memory by requests done: "
        + ", ".join(f"{done:,}: {mb:.0f} MB" for done, mb in memory_milestones(result["memory"], result["requests"]))
        + ".",
        "",
        "| endpoint | requests | p50 ms | p95 ms |",
        "|---|---|---|---|",
    ]
    for name, values in sorted(result["latencies"].items()):
        p95 = statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]
        lines.append(f"| `{name}` | {len(values)} | {statistics.median(values):.0f} | {p95:.0f} |")
    if result["failures"]:
        lines += ["", "Failures:", *[f"- {f}" for f in result["failures"][:10]]]
    return "\n".join(lines)


def main() -> int:
    parser = parser_for(__doc__)
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--max-seconds", type=float, default=600)
    parser.add_argument("--warmup", type=int, default=100, help="requests before the memory baseline is taken")
    args = parser.parse_args()
    import tempfile

    with tempfile.TemporaryDirectory() as cache, running_app(
        REPO / "checkpoints", Path(cache), env={"PLAYGROUND_OFFLINE": "1"}, timeout=120
    ) as (url, process, _):  # fmt: skip
        result = run(url, process.pid, args.users, args.requests, args.max_seconds, args.warmup)
    text = markdown(result, args.users, args.warmup)

    publish("load", text, write=not args.no_write)
    return 1 if result["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
