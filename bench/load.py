"""Load and soak: concurrent gradio_client users on the tabs' endpoints against the real app on loopback.

    python -m bench.load [--scenario mixed|heavy-slider|sliders] [--users 16] [--requests 1000] [--client page]

Scenarios:
- mixed: `--users` users mixing eight endpoints at random (a soak: memory after warm-up versus at the end);
- heavy-slider: one user drags an InfoGAN slider alone (idle), then again while 4 users run heavy jobs
  (CycleGAN, fast style, inversion, class swap) back to back; the slider's p50 should stay ≤ 2× idle;
- sliders: one user calling the slider endpoints sequentially, then `--users` users on them at once, `--rounds`
  times; the median round's throughput should be ≥ 3× the single user's.
The measured users call through gradio_client, or with `--client page` the way the page does (no 50 ms polling
beat; bench/page_client.py). Bounded in count and time. Reports failures, p50/p95 per endpoint, throughput and
the server's resident memory. Results go to docs/benchmarks.md.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from bench.page_client import PageClient
from bench.server import REPO, loopback_client, running_app
from playground.report import machine, publish
from playground.report import parser as parser_for

EXAMPLES = REPO / "assets" / "examples"
SLIDERS = ["/infogan_generate", "/cgan_generate", "/ae_reconstruct"]  # the light lane's busiest endpoints
HEAVY = ["/cyclegan_translate", "/style_fast", "/infogan_invert", "/cgan_swap"]  # heavy jobs that run offline


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def mix(client, handle_file) -> dict[str, callable]:
    """The endpoints a visitor's session touches, with plausible arguments (varied per call)."""
    beach, house, outline, tshirt = (
        handle_file(str(EXAMPLES / n)) for n in ("beach.png", "house.png", "sketch-boot.png", "fashion-tshirt.png")
    )
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
        "/infogan_invert": lambda i: client.predict("infogan-fashion-mnist", tshirt, None, i, 100,
                                                    api_name="/infogan_invert"),
        "/cgan_swap": lambda i: client.predict("cgan-fashion-mnist", tshirt, None, "", i, 100, api_name="/cgan_swap"),
    }  # fmt: skip


MIXED = ["/infogan_generate", "/cgan_generate", "/cyclegan_translate", "/style_fast", "/lab_step_2d",
         "/ae_reconstruct", "/pix2pix_render", "/gan_vs_dcgan"]  # fmt: skip


@dataclass
class Crowd:
    """`users` users each calling one of `endpoints` at random, back to back, until the crowd has made
    `requests` calls between them (None: until every crowd with a count has finished)."""

    users: int
    endpoints: list[str]
    requests: int | None = None
    client: str = "gradio_client"  # or "page": bench/page_client.py, the page's own protocol without a 50 ms beat


def run(url: str, pid: int, crowds: list[Crowd], max_seconds: float, warmup: int = 0) -> dict:
    """Run the crowds at once; every call's latency by endpoint, failures, throughput and the server's memory."""
    from gradio_client import handle_file

    latencies: dict[str, list[float]] = defaultdict(list)
    failures: list[str] = []
    lock = threading.Lock()
    done = [0] * len(crowds)  # calls started, per crowd
    memory: list[tuple[int, float]] = []
    deadline = time.monotonic() + max_seconds
    counted = [k for k, crowd in enumerate(crowds) if crowd.requests is not None]

    def finished(k: int) -> bool:
        if time.monotonic() >= deadline:
            return True
        if crowds[k].requests is not None:
            return done[k] >= crowds[k].requests
        return all(done[j] >= crowds[j].requests for j in counted)

    def user(k: int, seed: int) -> None:
        client = PageClient(url) if crowds[k].client == "page" else loopback_client(url)
        calls = mix(client, handle_file)
        rng = random.Random(seed)
        while True:
            with lock:
                if finished(k):
                    return
                done[k] += 1
                i = sum(done)
            name = rng.choice(crowds[k].endpoints)
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
            memory.append((sum(done), rss_mb(pid)))
            time.sleep(1)

    threads = [
        threading.Thread(target=user, args=(k, 1000 * k + u)) for k, c in enumerate(crowds) for u in range(c.users)
    ]
    server_cpu, client_cpu = cpu_seconds(pid), time.process_time()
    started = time.monotonic()
    for t in threads:
        t.start()
    watcher = threading.Thread(target=watch)
    watcher.start()
    for t in threads:
        t.join()
    watcher.join()
    seconds = time.monotonic() - started
    requests = sum(done)
    server_cpu, client_cpu = cpu_seconds(pid) - server_cpu, time.process_time() - client_cpu
    # Medians over a window of requests (each sample also sees whatever is in flight at that second).
    window = max(1, requests // 10)
    after_warmup = window_median(memory, warmup, warmup + window)
    at_end = window_median(memory, requests - window, requests)
    return {"latencies": latencies, "failures": failures, "seconds": seconds, "requests": requests,
            "throughput": sum(len(v) for v in latencies.values()) / seconds,
            "server_cpu_ms": 1000 * server_cpu / max(1, requests), "client_cpu_ms": 1000 * client_cpu / max(1, requests),
            "rss_warm": after_warmup, "rss_end": at_end, "rss_peak": max(mb for _, mb in memory), "memory": memory}  # fmt: skip


def window_median(memory: list[tuple[int, float]], first: int, last: int) -> float:
    """Median resident memory over the samples taken while requests first..last were being done."""
    inside = [mb for done, mb in memory if first <= done <= last]
    return statistics.median(inside) if inside else memory[-1][1]


def memory_milestones(memory: list[tuple[int, float]], requests: int, parts: int = 8) -> list[tuple[int, float]]:
    """The first sample at or past each 1/parts of the run: the shape of the memory curve in one line."""
    marks = [round(requests * k / parts) for k in range(1, parts + 1)]
    return [next(((d, mb) for d, mb in memory if d >= m), memory[-1]) for m in marks]


def percentiles(values: list[float]) -> tuple[float, float]:
    """(p50, p95) in ms."""
    return statistics.median(values), statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]


def table(phases: list[tuple[str, dict]]) -> list[str]:
    """One row per endpoint of each phase: calls, p50, p95; and each phase's throughput and failures."""
    lines = ["| phase | endpoint | calls | p50 ms | p95 ms |", "|---|---|---|---|---|"]
    for phase, result in phases:
        for name, values in sorted(result["latencies"].items()):
            p50, p95 = percentiles(values)
            lines.append(f"| {phase} | `{name}` | {len(values)} | {p50:.0f} | {p95:.0f} |")
    lines += [
        "",
        "| phase | calls | seconds | calls/s | failures | server CPU / call | client CPU / call | server memory, peak |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for phase, result in phases:
        lines.append(
            f"| {phase} | {result['requests']} | {result['seconds']:.1f} | {result['throughput']:.2f} | "
            f"{len(result['failures'])} | {result['server_cpu_ms']:.0f} ms | {result['client_cpu_ms']:.0f} ms | "
            f"{result['rss_peak']:.0f} MB |"
        )
    failures = [f for _, result in phases for f in result["failures"]]
    if failures:
        lines += ["", "Failures:", *[f"- {f}" for f in failures[:10]]]
    return lines


def mixed_markdown(result: dict, users: int, warmup: int) -> str:
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
        p50, p95 = percentiles(values)
        lines.append(f"| `{name}` | {len(values)} | {p50:.0f} | {p95:.0f} |")
    if result["failures"]:
        lines += ["", "Failures:", *[f"- {f}" for f in result["failures"][:10]]]
    return "\n".join(lines)


def warm(url: str, endpoints: list[str]) -> None:
    """One call of each endpoint (models load, caches fill), before anything is measured."""
    from gradio_client import handle_file

    client = loopback_client(url)
    calls = mix(client, handle_file)
    for name in endpoints:
        calls[name](0)


CLIENTS = {  # who makes the measured calls: the words the benchmarks' text uses for them
    "gradio_client": "gradio_client",
    "page": "the page's own protocol (bench/page_client.py: as a browser calls, without gradio_client's 50 ms beat)",
}


def command(scenario: str, client: str) -> str:
    return f"python -m bench.load --scenario {scenario}" + (" --client page" if client == "page" else "")


def heavy_slider(url: str, pid: int, calls: int, max_seconds: float, client: str) -> tuple[str, int]:
    """Scenario (a): the slider alone, then the slider beside 4 users running heavy jobs back to back (those
    through gradio_client: they upload pictures)."""
    slider = "/infogan_generate"
    warm(url, [slider, *HEAVY])
    idle = run(url, pid, [Crowd(1, [slider], calls, client)], max_seconds)
    loaded = run(url, pid, [Crowd(4, HEAVY), Crowd(1, [slider], calls, client)], max_seconds)
    idle_p50, loaded_p50 = (statistics.median(r["latencies"][slider]) for r in (idle, loaded))
    ratio = loaded_p50 / idle_p50
    failures = idle["failures"] + loaded["failures"]
    ok = ratio <= 2 and not failures
    lines = [
        f"## Slider beside heavy jobs (`{command('heavy-slider', client)}`)",
        "",
        f"One user moves an InfoGAN slider through {CLIENTS[client]} ({calls} calls back to back), first alone, then while 4 users "
        f"run heavy jobs back to back ({', '.join(f'`{h}`' for h in HEAVY)}); the real app on loopback with its "
        f"lanes; {machine()}. **Slider p50 {loaded_p50:.0f} ms under load vs {idle_p50:.0f} ms idle: "
        f"{ratio:.2f}× (bar ≤ 2×): {'pass' if ok else 'FAIL'}.**",
        "",
        *table([("idle", idle), ("4 heavy users", loaded)]),
    ]
    return "\n".join(lines), 1 if failures else 0 if ok else 2


def sliders(
    url: str, pid: int, users: int, calls: int, requests: int, max_seconds: float, rounds: int, client: str
) -> tuple[str, int]:
    """Scenario (b): one user on the slider endpoints sequentially, then `users` users on them at once; `rounds`
    such pairs back to back, the median pair shown (this host's speed drifts by half from minute to minute)."""
    warm(url, SLIDERS)
    pairs = []
    for _ in range(rounds):
        alone = run(url, pid, [Crowd(1, SLIDERS, calls, client)], max_seconds)
        pairs.append((alone, run(url, pid, [Crowd(users, SLIDERS, requests, client)], max_seconds)))
    ratios = [crowd["throughput"] / alone["throughput"] for alone, crowd in pairs]
    alone, crowd = pairs[sorted(range(rounds), key=ratios.__getitem__)[rounds // 2]]
    ratio = statistics.median(ratios)
    cores = len(os.sched_getaffinity(0))
    per_call = crowd["server_cpu_ms"] + crowd["client_cpu_ms"]
    ceiling = 1000 * cores / per_call
    failures = [f for pair in pairs for result in pair for f in result["failures"]]
    ok = ratio >= 3 and not failures
    each = ", ".join(
        f"{r:.1f}× (client {c['client_cpu_ms']:.0f} ms/call)" for r, (_, c) in zip(ratios, pairs, strict=True)
    )
    lines = [
        f"## Many users on the sliders (`{command('sliders', client)}`)",
        "",
        f"Users calling {', '.join(f'`{e}`' for e in SLIDERS)} at random through {CLIENTS[client]}, back to back: one user "
        f"({calls} calls), then {users} users ({requests} calls), {rounds} rounds; the real app on loopback; "
        f"{machine()}. **Median of the rounds: {ratio:.1f}× one user's throughput (bar ≥ 3×), "
        f"{len(failures)} failures: {'pass' if ok else 'FAIL'}.** Each round: {each} — the client's CPU per call, "
        "the same work every round, shows how fast the host was. The median round below: "
        f"{crowd['throughput']:.1f} calls/s with {users} users vs {alone['throughput']:.1f} for one. The ceiling "
        f"there: {cores} cores shared by server and client, {per_call:.0f} ms of CPU per call between them, so at "
        f"most {ceiling:.0f} calls/s ({ceiling / alone['throughput']:.1f}× one user) however the server schedules "
        "its work.",
        "",
        *table([("1 user", alone), (f"{users} users", crowd)]),
    ]
    return "\n".join(lines), 1 if failures else 0 if ok else 2


def main() -> int:
    parser = parser_for(__doc__)
    parser.add_argument("--scenario", choices=["mixed", "heavy-slider", "sliders"], default="mixed")
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--requests", type=int, default=1000, help="calls of the crowd (mixed, sliders)")
    parser.add_argument(
        "--calls", type=int, default=300, help="calls of the single user (heavy-slider, sliders): the baseline"
    )
    parser.add_argument(
        "--client", choices=sorted(CLIENTS), default="gradio_client",
        help="heavy-slider, sliders: who makes the measured calls (page: as the browser does, no 50 ms beat)",
    )  # fmt: skip
    parser.add_argument("--rounds", type=int, default=3, help="sliders: (one user, crowd) pairs; the median shown")
    parser.add_argument("--max-seconds", type=float, default=600, help="the most seconds of each phase")
    parser.add_argument("--warmup", type=int, default=100, help="mixed: requests before the memory baseline is taken")
    args = parser.parse_args()
    import tempfile

    with tempfile.TemporaryDirectory() as cache, running_app(
        REPO / "checkpoints", Path(cache), env={"PLAYGROUND_OFFLINE": "1"}, timeout=120
    ) as (url, process, _):  # fmt: skip
        if args.scenario == "mixed":
            result = run(url, process.pid, [Crowd(args.users, MIXED, args.requests)], args.max_seconds, args.warmup)
            text, status = mixed_markdown(result, args.users, args.warmup), 1 if result["failures"] else 0
        elif args.scenario == "heavy-slider":
            text, status = heavy_slider(url, process.pid, args.calls, args.max_seconds, args.client)
        else:
            text, status = sliders(
                url, process.pid, args.users, args.calls, args.requests, args.max_seconds, args.rounds, args.client
            )
    section = {"mixed": "load", "heavy-slider": "load_heavy_slider", "sliders": "load_sliders"}[args.scenario]
    section += "_page" if args.client == "page" and args.scenario != "mixed" else ""
    publish(section, text, write=not args.no_write)
    return status  # 1: requests failed; 2: a bar was missed (still reported)


if __name__ == "__main__":
    sys.exit(main())
