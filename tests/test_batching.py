"""Concurrent generator calls share one forward pass and get exactly the pixels an unbatched call gives."""

from __future__ import annotations

import math
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from playground.pipelines.batching import PASS_ROWS, CombinedForward
from playground.pipelines.conditional import ConditionalPipeline
from playground.pipelines.latent import LatentPipeline

CPU = torch.device("cpu")
SHIPPED = Path(__file__).resolve().parents[1] / "checkpoints"


def queued_together(batcher: CombinedForward, calls: list, n_queued: int) -> list:
    """Run `calls` in threads while the model is held, so all of them queue; then let them go. Returns the
    results in order."""
    results: list = [None] * len(calls)

    def run(i: int) -> None:
        results[i] = calls[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    with batcher._model_lock:
        for t in threads:
            t.start()
        deadline = time.monotonic() + 10
        while len(batcher._queue) < n_queued and time.monotonic() < deadline:
            time.sleep(0.001)
        assert len(batcher._queue) == n_queued
    for t in threads:
        t.join()
    return results


WHICH = pytest.mark.parametrize("which", ["tiny", pytest.param("shipped", marks=pytest.mark.slow)])


@WHICH
def test_concurrent_infogan_pictures_share_a_pass_with_the_same_pixels(which, tiny_checkpoints):
    stem = tiny_checkpoints / "infogan-mnist" if which == "tiny" else SHIPPED / "infogan-fashion-mnist"
    pipe = LatentPipeline(stem, CPU)
    settings = [(seed, seed % 10, [(seed % 5) / 2 - 1, 0.3]) for seed in range(12)]
    alone = [np.asarray(pipe.picture(s, category=c, codes=k)[0]) for s, c, k in settings]
    before = pipe.generate.passes
    together = queued_together(
        pipe.generate, [lambda s=s, c=c, k=k: pipe.picture(s, category=c, codes=k)[0] for s, c, k in settings], 12
    )
    assert pipe.generate.passes == before + math.ceil(12 / PASS_ROWS)  # twelve callers, twelve rows
    for a, b in zip(alone, together, strict=True):
        assert np.array_equal(a, np.asarray(b))


@WHICH
def test_concurrent_cgan_grids_share_a_pass_with_the_same_pixels(which, tiny_checkpoints):
    stem = tiny_checkpoints / "cgan-mnist" if which == "tiny" else SHIPPED / "cgan-fashion-mnist"
    pipe = ConditionalPipeline(stem, CPU)
    names = pipe.class_names
    requests = [(seed, [names[seed % 10], names[(seed + 3) % 10]], 1 + seed % 4) for seed in range(8)]
    alone = [pipe.grid(s, labels=labels, n=n) for s, labels, n in requests]
    before = pipe.generate.passes
    together = queued_together(
        pipe.generate,
        [lambda s=s, labels=labels, n=n: pipe.grid(s, labels=labels, n=n) for s, labels, n in requests],
        8,
    )
    rows = sum(len(labels) * n for _, labels, n in requests)  # 40 rows in passes of PASS_ROWS
    assert pipe.generate.passes == before + math.ceil(rows / PASS_ROWS)
    for (grid_a, verdict_a, used_a), (grid_b, verdict_b, used_b) in zip(alone, together, strict=True):
        assert np.array_equal(np.asarray(grid_a), np.asarray(grid_b))
        assert verdict_a == verdict_b and used_a == used_b


def test_calls_of_different_kinds_get_their_own_passes_of_fixed_size():
    seen: list[tuple[int, ...]] = []

    def forward(x: torch.Tensor) -> torch.Tensor:
        seen.append(tuple(x.shape))
        return x * 2

    batcher = CombinedForward(forward, pass_rows=8)
    inputs = [torch.rand(3, 4), torch.rand(2, 5), torch.rand(4, 4), torch.rand(9, 4), torch.rand(1, 5)]
    outputs = queued_together(batcher, [lambda x=x: batcher(x) for x in inputs], len(inputs))
    for x, y in zip(inputs, outputs, strict=True):
        assert torch.equal(y, x * 2)
    # 3 + 4 + 9 = 16 rows of width 4 in two passes of 8, the two width-5 calls padded into one
    assert sorted(seen) == [(8, 4), (8, 4), (8, 5)]
    assert torch.equal(batcher(torch.ones(20, 4)), torch.full((20, 4), 2.0)) and seen[-3:] == [(8, 4)] * 3


def test_a_row_gets_the_same_bits_whatever_it_is_batched_with():
    torch.manual_seed(0)
    layer = torch.nn.Sequential(torch.nn.Linear(74, 512), torch.nn.ReLU(), torch.nn.Linear(512, 784))
    batcher = CombinedForward(layer)
    row = torch.randn(1, 74)
    alone = batcher(row)
    for others in (1, 6, 15, 40):
        crowd = torch.randn(others, 74)
        results = queued_together(batcher, [lambda crowd=crowd: batcher(crowd), lambda: batcher(row)], 2)
        assert torch.equal(results[1], alone)


def test_a_failed_pass_fails_every_caller_in_it_and_the_next_pass_works():
    def forward(x: torch.Tensor) -> torch.Tensor:
        if (x < 0).any():
            raise RuntimeError("out of memory")
        return x + 1

    batcher = CombinedForward(forward)

    def call(x: torch.Tensor):
        try:
            return batcher(x)
        except RuntimeError as exc:
            return str(exc)

    results = queued_together(batcher, [lambda: call(torch.ones(2)), lambda: call(-torch.ones(2))], 2)
    assert results == ["out of memory", "out of memory"]
    assert torch.equal(batcher(torch.zeros(2)), torch.ones(2))  # the model is free again
