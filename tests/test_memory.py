from __future__ import annotations

import sys

import pytest

from playground import memory


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="malloc_trim is glibc's")
def test_trim_releases_freed_heap_memory():
    import numpy as np

    def rss_kb() -> int:
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))

    # Many small arrays (below the mmap threshold, so they live in the heap) with a survivor pinning the top.
    chunks = [np.ones(4000) for _ in range(5000)]  # 160 MB in 32 KB pieces
    keep = chunks[-1]
    del chunks
    before = rss_kb()
    assert memory.trim() is True
    assert rss_kb() < before - 50_000  # over 50 MB handed back
    assert keep.sum() == 4000


def test_trimming_thread_is_a_daemon():
    thread = memory.keep_trimming(every_s=3600)
    assert thread is None or (thread.daemon and thread.is_alive())
