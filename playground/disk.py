"""Disk stays bounded on a public link: the output folder and Gradio's upload folder are pruned by age and
by total size (settings.MAX_OUTPUT_* and MAX_UPLOAD_*), oldest files first."""

from __future__ import annotations

import contextlib
import os
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Collection
from pathlib import Path

from . import settings


def folder_bytes(folder: Path) -> int:
    """Total size of the files under `folder` (0 when it does not exist)."""
    return sum(size for _, size, _ in _files(folder))


def _files(folder: Path) -> list[tuple[float, int, Path]]:
    """(modified time, size, path) of every file under `folder`; files vanishing meanwhile are skipped."""
    found = []
    for root, _, names in os.walk(folder):
        for name in names:
            path = Path(root, name)
            try:
                stat = path.lstat()
            except OSError:
                continue
            found.append((stat.st_mtime, stat.st_size, path))
    return found


def prune(folder: Path, *, max_age_s: float, max_bytes: int, keep_bytes: int = 0, keep: Collection[str] = ()) -> int:
    """Delete files older than `max_age_s`, then the oldest until the folder holds at most
    `max_bytes - keep_bytes` (room for a file about to be written), sparing the paths in `keep`; empty
    subfolders go too. Returns the number of bytes freed."""
    now, freed = time.time(), 0
    files = sorted(f for f in _files(folder) if str(f[2]) not in keep)
    total = sum(size for _, size, _ in files)
    for modified, size, path in files:
        if now - modified <= max_age_s and total <= max_bytes - keep_bytes:
            break
        try:
            path.unlink()
        except OSError:
            continue
        total -= size
        freed += size
    for root, dirs, _ in os.walk(folder, topdown=False):
        for name in dirs:
            empty = Path(root, name)
            try:
                if now - empty.stat().st_mtime > 60:  # not one Gradio has just made for an upload
                    empty.rmdir()  # only when empty
            except OSError:
                pass
    return freed


class BoundedFolder:
    """A folder of files this process writes (generated pictures, videos, zips), bounded as each new one is
    named: at most `max_files` files and `max_bytes` bytes (keeping room for one file of `room` bytes), none
    older than `max_age_s`; oldest first out.

    The files are tracked in memory — a listing of the whole folder on every picture (two stats per file,
    hundreds of files) cost more CPU than drawing the picture did. The folder is read once, on first use, for
    files from before a restart; the periodic `keep_pruning` sweep still catches anything else.
    """

    def __init__(self, folder: Path, *, max_files: int, max_bytes: int, max_age_s: float, room: int = 0) -> None:
        self.folder, self.room = folder, room
        self.max_files, self.max_bytes, self.max_age_s = max_files, max_bytes, max_age_s
        self._files: deque[list] = deque()  # [path, size (None: not written yet when named), created], oldest first
        self._bytes = 0
        self._lock = threading.Lock()
        self._read = False

    def new_path(self, suffix: str) -> Path:
        """A fresh path in the folder, after making room for it."""
        with self._lock:
            if not self._read:
                self.folder.mkdir(parents=True, exist_ok=True)
                for modified, size, path in sorted(_files(self.folder)):
                    self._files.append([path, size, modified])
                    self._bytes += size
                self._read = True
            self._measure_new_files()
            now = time.time()
            while self._files and (
                len(self._files) >= self.max_files
                or self._bytes + self.room > self.max_bytes
                or now - self._files[0][2] > self.max_age_s
            ):
                path, size, _ = self._files.popleft()
                self._bytes -= size
                path.unlink(missing_ok=True)
            path = self.folder / f"{uuid.uuid4().hex}{suffix}"
            self._files.append([path, None, now])
            return path

    def _measure_new_files(self) -> None:
        """Sizes of the files named since the last call (written by now, or never: 0)."""
        for entry in reversed(self._files):
            if entry[1] is not None:
                break
            try:
                entry[1] = entry[0].stat().st_size
            except OSError:
                entry[1] = 0
            self._bytes += entry[1]


def prune_all(keep: Collection[str] = ()) -> None:
    # Gradio's delete_cache already removes old uploads (sparing example files); here, their total size.
    prune(settings.upload_dir(), max_age_s=float("inf"), max_bytes=settings.MAX_UPLOAD_FOLDER_BYTES, keep=keep)
    prune(settings.output_dir(), max_age_s=settings.MAX_OUTPUT_AGE_S, max_bytes=settings.MAX_OUTPUT_BYTES)


def keep_pruning(kept: Callable[[], Collection[str]] = frozenset, every_s: float | None = None) -> threading.Thread:
    """Prune both folders now and then every `every_s` seconds (settings.CLEAN_EVERY_S) in a daemon thread;
    `kept()` names files never to delete (Gradio's cached examples and default values)."""
    period = settings.CLEAN_EVERY_S if every_s is None else every_s

    def loop() -> None:
        while True:
            with contextlib.suppress(OSError):  # a folder being swapped under us: the next round catches up
                prune_all(kept())
            time.sleep(period)

    thread = threading.Thread(target=loop, name="prune-disk", daemon=True)
    thread.start()
    return thread
