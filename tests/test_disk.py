"""The output folder stays bounded in files, bytes and age, without listing itself on every picture."""

from __future__ import annotations

import os
import time

from playground.disk import BoundedFolder


def write(path, size: int):
    path.write_bytes(b"x" * size)
    return path


def test_the_oldest_files_go_beyond_the_count(tmp_path):
    folder = BoundedFolder(tmp_path, max_files=3, max_bytes=10**9, max_age_s=3600)
    paths = [write(folder.new_path(".png"), 10) for _ in range(5)]
    assert sorted(tmp_path.iterdir()) == sorted(paths[2:])  # a new one makes room for itself: 3 at most
    assert all(p.suffix == ".png" for p in paths) and len(set(paths)) == 5


def test_bytes_stay_under_the_cap_with_room_for_the_next_file(tmp_path):
    folder = BoundedFolder(tmp_path, max_files=100, max_bytes=1000, max_age_s=3600, room=300)
    for _ in range(10):
        write(folder.new_path(".bin"), 200)
        assert sum(p.stat().st_size for p in tmp_path.iterdir()) <= 1000
    # each new name keeps 3 × 200 bytes + room for a 300-byte file ≤ 1000; then its own 200 bytes arrive
    assert len(list(tmp_path.iterdir())) == 4


def test_old_files_and_files_from_before_a_restart_are_counted(tmp_path):
    stale = write(tmp_path / "stale.png", 50)
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    earlier = write(tmp_path / "earlier.png", 50)
    folder = BoundedFolder(tmp_path, max_files=2, max_bytes=10**9, max_age_s=3600)
    fresh = write(folder.new_path(".png"), 50)
    assert not stale.exists() and earlier.exists() and fresh.exists()
    write(folder.new_path(".png"), 50)
    assert not earlier.exists()  # the count includes what was there before


def test_files_deleted_behind_its_back_or_never_written_are_no_trouble(tmp_path):
    folder = BoundedFolder(tmp_path, max_files=2, max_bytes=10**9, max_age_s=3600)
    never = folder.new_path(".png")  # named, never written (a failed save)
    gone = write(folder.new_path(".png"), 10)
    gone.unlink()  # the periodic sweep got it first
    kept = write(folder.new_path(".png"), 10)
    assert not never.exists() and list(tmp_path.iterdir()) == [kept]
