"""What lets another program (or a person at a shell) watch and steer a run of the loop.

- `--progress-file PATH`: one JSON object per line, appended as the run goes — `start`, `log` (losses, steps/s,
  ETA), `sample` (a fresh fixed-noise grid), `checkpoint`, `paused` / `resumed`, and a last `end` with the reason.
- Signals: SIGTERM or SIGINT (Ctrl-C) stop after the current step, saving the checkpoint and the export, and the
  process exits 0 (a second Ctrl-C aborts at once); SIGTSTP pauses after the current step and SIGCONT goes on.
  Time spent paused counts nowhere: not in the card's wall time, the steps/s, the ETA or `--time-limit`.
- `--time-limit SECONDS` stops (saving) after that much training time; `--stop-with-parent` stops (saving) when
  the process that started this one is gone, so a run started by a server never outlives it.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

# Why a run ended, as written in the `end` event.
DONE, STOPPED, TIME_LIMIT, PARENT_GONE, ERROR = "done", "stopped", "time-limit", "parent-gone", "error"


class ProgressLog:
    """Appends one JSON object per line to `path` (nothing when `path` is None), flushed at once."""

    def __init__(self, path: Path | None) -> None:
        self.path = Path(path) if path else None
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)

    def write(self, event: str, **fields: Any) -> None:
        if self.path is None:
            return
        line = json.dumps({"event": event, "time": round(time.time(), 3), **fields}, allow_nan=False)
        with open(self.path, "a") as f:  # one short write per line: a reader never sees half of one
            f.write(line + "\n")


class RunControl:
    """Signals, pause, time limit and parent watch, checked by the loop between two steps."""

    def __init__(self, *, time_limit: float = 0.0, stop_with_parent: bool = False, log: ProgressLog) -> None:
        self.time_limit, self.log = time_limit, log
        self.parent = os.getppid() if stop_with_parent else None
        self.stop_reason: str | None = None
        self.paused = False
        self.paused_s = 0.0
        self.started = time.monotonic()
        self._previous: dict[int, Any] = {}

    # -- signals -----------------------------------------------------------------------------------------
    def install(self) -> None:
        """Take over SIGTERM, SIGINT, SIGTSTP and SIGCONT (only possible in the main thread; elsewhere, e.g.
        a test calling the loop from a worker thread, the run simply cannot be steered by signals)."""
        if threading.current_thread() is not threading.main_thread():
            return
        handlers = {signal.SIGTERM: self._stop, signal.SIGINT: self._stop, signal.SIGTSTP: self._pause,
                    signal.SIGCONT: self._continue}  # fmt: skip
        for sig, handler in handlers.items():
            self._previous[sig] = signal.signal(sig, handler)

    def restore(self) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous.clear()

    def _stop(self, signum: int, frame: Any) -> None:
        if signum == signal.SIGINT and self.stop_reason == STOPPED:
            raise KeyboardInterrupt  # Ctrl-C twice: do not wait for the save
        self.stop_reason = STOPPED
        self.paused = False

    def _pause(self, signum: int, frame: Any) -> None:
        self.paused = True

    def _continue(self, signum: int, frame: Any) -> None:
        self.paused = False

    # -- between steps -----------------------------------------------------------------------------------
    def begin(self) -> None:
        """Training starts now: the clock for steps/s, the ETA and --time-limit starts here (not at import)."""
        self.started, self.paused_s = time.monotonic(), 0.0

    def active_seconds(self) -> float:
        """Seconds since the run (this process) started, less the time paused."""
        return time.monotonic() - self.started - self.paused_s

    def parent_gone(self) -> bool:
        return self.parent is not None and os.getppid() != self.parent

    def check(self, step: int) -> str | None:
        """Wait while paused; then the reason to stop now (a signal, the time limit, the parent gone) or None."""
        if self.paused and self.stop_reason is None:
            self.log.write("paused", step=step)
            began = time.monotonic()
            while self.paused and self.stop_reason is None and not self.parent_gone():
                time.sleep(0.05)
            self.paused_s += time.monotonic() - began
            self.log.write("resumed", step=step)
        if self.stop_reason is None and self.parent_gone():
            self.stop_reason = PARENT_GONE
        if self.stop_reason is None and self.time_limit and self.active_seconds() >= self.time_limit:
            self.stop_reason = TIME_LIMIT
        return self.stop_reason
