"""Micro-batching: concurrent calls of one model share a forward pass.

Many visitors dragging sliders ask the same generator for one picture each. `CombinedForward` lets them
share a pass without making anyone wait for company: a call that finds the model idle runs at once (with
whatever else is queued); calls that arrive while a pass is running queue up, and the next caller to get the
model runs all of them as one batch. An idle server adds no latency; a busy one does fewer, larger passes.

Every pass has exactly PASS_ROWS rows (padded, or cut into several passes). CPU and GPU matrix kernels sum in an
order that depends on the batch's shape, so a row computed in a batch of 1 and in a batch of 7 can differ in
the last bit, and a pixel on a rounding edge flips. With one shape for every pass, a row's result depends on
that row alone: a seed draws the same pixels whoever else is asking (tests/test_batching.py).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import torch

PASS_ROWS = 4  # rows in every pass: the light lane's concurrent calls (a 28² generator: 2.1 ms at 4 rows on
# one CPU thread, 0.9 ms at 1, 8 ms at 16 — a bigger pass would tax every lone slider move)


@dataclass(eq=False)
class _Call:
    inputs: tuple[torch.Tensor, ...]  # each (B, ...), the same B
    output: torch.Tensor | None = None
    error: BaseException | None = None
    done: bool = False

    @property
    def rows(self) -> int:
        return self.inputs[0].shape[0]

    @property
    def kind(self) -> tuple:
        """Calls of one kind can be concatenated: the same dtypes and the same shapes after the batch axis."""
        return tuple((t.dtype, t.device, tuple(t.shape[1:])) for t in self.inputs)


class CombinedForward:
    """`forward(*inputs) → output` (tensors batched along dim 0), shared by every thread that calls it; each
    caller gets exactly the rows of its own inputs back."""

    def __init__(self, forward: Callable[..., torch.Tensor], pass_rows: int = PASS_ROWS) -> None:
        self.forward, self.pass_rows = forward, pass_rows
        self._queue: list[_Call] = []
        self._queue_lock = threading.Lock()
        self._model_lock = threading.Lock()  # one pass at a time; the holder serves everyone queued
        self.passes = 0  # forward passes run (the tests count them)

    def __call__(self, *inputs: torch.Tensor) -> torch.Tensor:
        call = _Call(inputs)
        with self._queue_lock:
            self._queue.append(call)
        with self._model_lock:
            if not call.done:  # nobody served it while we waited for the model: serve the queue
                with self._queue_lock:
                    queued, self._queue = self._queue, []
                self._serve(queued)
        if call.error is not None:
            raise call.error
        return call.output

    def _serve(self, queued: list[_Call]) -> None:
        kinds: dict[tuple, list[_Call]] = {}
        for c in queued:
            kinds.setdefault(c.kind, []).append(c)
        for calls in kinds.values():
            try:
                output = self._run(tuple(torch.cat(parts) for parts in zip(*(c.inputs for c in calls), strict=True)))
                for c, rows in zip(calls, output.split([c.rows for c in calls]), strict=True):
                    c.output = rows
            except BaseException as exc:  # every caller of a failed pass hears why, in its own thread
                for c in calls:
                    c.error = exc
            finally:
                for c in calls:
                    c.done = True

    @torch.inference_mode()
    def _run(self, inputs: tuple[torch.Tensor, ...]) -> torch.Tensor:
        """Inputs of N rows → N output rows, in passes of exactly pass_rows rows (the last padded with copies
        of the last row)."""
        n, p = inputs[0].shape[0], self.pass_rows
        pad = -n % p
        padded = [torch.cat([x, x[-1:].expand(pad, *x.shape[1:])]) for x in inputs]
        outputs = []
        for start in range(0, n + pad, p):
            outputs.append(self.forward(*(x[start : start + p] for x in padded)))
            self.passes += 1
        return torch.cat(outputs)[:n]
