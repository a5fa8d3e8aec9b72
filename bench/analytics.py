"""What Gradio's per-event analytics summary costs the server, by how many events it has recorded.

    python -m bench.analytics [--events 200]

After every event Gradio's queue rebuilds a pandas summary (per-endpoint success rate and time percentiles,
shown on the API page) from its last 10,000 events, on the server's CPU. This times Gradio's own
`Queue.compute_analytics_summary` over `--events` events at several history lengths, recomputing after
every event (Gradio's default) and every `GRADIO_ANALYTICS_CACHE_FREQUENCY` events (the app's default,
playground/serve.py).
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time

from playground import serve
from playground.report import machine, publish, section
from playground.report import parser as parser_for

HISTORY = [100, 1000, 10_000]  # events Gradio keeps (its GRADIO_ANALYTICS_MAX_EVENTS default is 10,000)
ENDPOINTS = 30  # distinct endpoints among them (the app names ~40)


def per_event_ms(recorded: int, every: int, events: int, seed: int = 0) -> float:
    """Median over three runs of the summary's CPU per event with `recorded` events kept, recomputed every
    `every` events."""
    import gradio as gr

    rng = random.Random(seed)
    with gr.Blocks() as demo:
        gr.Markdown()
    queue = demo.queue()._queue
    queue.ANAYLTICS_CACHE_FREQUENCY = every  # sic: Gradio's spelling; what the environment variable sets
    records = [
        {"time": time.time(), "status": rng.choice(["success", "success", "failed"]), "process_time": rng.random(),
         "function": f"endpoint_{rng.randrange(ENDPOINTS)}", "session_hash": f"{rng.getrandbits(32):x}"}
        for _ in range(recorded)
    ]  # fmt: skip
    runs = []
    for _ in range(3):
        started = time.process_time()
        for _ in range(events):  # as the queue does after each event: one more recorded, then the summary
            queue.events_recorded += 1
            queue.compute_analytics_summary(list(records))
        runs.append(1000 * (time.process_time() - started) / events)
    return statistics.median(runs)


def main() -> int:
    parser = parser_for(__doc__)
    parser.add_argument("--events", type=int, default=200, help="events timed at each history length")
    args = parser.parse_args()
    ours = int(serve.GRADIO_DEFAULTS["GRADIO_ANALYTICS_CACHE_FREQUENCY"])
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    rows = []
    for recorded in HISTORY:
        default, every = per_event_ms(recorded, 1, args.events), per_event_ms(recorded, ours, args.events)
        rows.append(f"| {recorded:,} | {default:.2f} | {every:.3f} |")
    intro = (
        f"Gradio's own `Queue.compute_analytics_summary` (pandas) over {args.events} events, {ENDPOINTS} endpoints "
        f"in the history; CPU ms per event; {machine()}. Gradio recomputes it after every event by default; the app "
        f"sets `GRADIO_ANALYTICS_CACHE_FREQUENCY={ours}` (playground/serve.py) unless the host sets it. A slider "
        'picture costs the server ≈ 25 ms of CPU in all ("Many users on the sliders").'
    )
    header = ["events recorded", "every event (Gradio's default), ms", f"every {ours} events (the app), ms"]
    publish("gradio_analytics", section("Gradio's per-event analytics (`python -m bench.analytics`)", intro, header,
                                        rows), write=not args.no_write)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
