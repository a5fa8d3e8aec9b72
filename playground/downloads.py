"""Downloading third-party weights: streamed to a temporary file with a progress bar, checked for
truncation and against a known SHA-256 (pinned, or recorded on the first fetch), then moved into place.
Every network wait has a timeout, so nothing hangs offline."""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path

from tqdm import tqdm

from .errors import DownloadError

CHUNK = 1 << 20


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


class HashBook:
    """sha256 and size of every file fetched into a folder, in `hashes.json` beside them."""

    def __init__(self, folder: Path) -> None:
        self.path = Path(folder) / "hashes.json"

    def read(self) -> dict[str, dict]:
        try:
            return json.loads(self.path.read_text())
        except (OSError, json.JSONDecodeError):
            return {}

    def get(self, name: str) -> dict | None:
        return self.read().get(name)

    def record(self, name: str, sha256: str, size: int) -> None:
        book = self.read()
        book[name] = {"sha256": sha256, "size": size}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(book, indent=2, sort_keys=True) + "\n")
        os.replace(tmp, self.path)


def download(
    url: str, dest: Path, *, sha256: str | None = None, timeout: float = 20.0, quiet: bool = False,
    progress: Callable[[int, int | None], None] | None = None,
) -> Path:  # fmt: skip
    """Fetch `url` to `dest`; `sha256` (if known: the full hex digest, or a prefix of it such as the 8 digits
    torchvision puts in its file names) must match. `progress(bytes done, bytes in all or None)` is called as
    blocks arrive. An existing `dest` is never overwritten by a failed or unverified download."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(f"{dest.name}.{uuid.uuid4().hex[:8]}.part")  # unique: two fetchers never share one
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            expected = int(response.headers.get("Content-Length") or 0)
            digest, received = hashlib.sha256(), 0
            with open(part, "wb") as out, tqdm(
                total=expected or None, unit="B", unit_scale=True, desc=dest.name, disable=quiet
            ) as bar:  # fmt: skip
                while block := response.read(CHUNK):
                    out.write(block)
                    digest.update(block)
                    received += len(block)
                    bar.update(len(block))
                    if progress:
                        progress(received, expected or None)
    except urllib.error.HTTPError as exc:
        part.unlink(missing_ok=True)
        raise DownloadError(f"{url} answered HTTP {exc.code} ({exc.reason})") from None
    except http.client.IncompleteRead as exc:
        part.unlink(missing_ok=True)
        raise DownloadError(
            f"{dest.name} is truncated: the connection closed after {len(exc.partial):,} more bytes"
        ) from None
    except (urllib.error.URLError, http.client.HTTPException, TimeoutError, OSError) as exc:
        part.unlink(missing_ok=True)
        reason = getattr(exc, "reason", exc)
        raise DownloadError(f"could not download {url}: {reason}") from None
    except BaseException:  # interrupted (Ctrl-C, a cancelled event): nothing half-written stays
        part.unlink(missing_ok=True)
        raise
    if expected and received != expected:
        part.unlink(missing_ok=True)
        raise DownloadError(f"{dest.name} is truncated: received {received:,} of {expected:,} bytes")
    if sha256 and not digest.hexdigest().startswith(sha256.lower()):
        part.unlink(missing_ok=True)
        raise DownloadError(
            f"{dest.name} failed its checksum (expected sha256 {sha256[:12]}…, got {digest.hexdigest()[:12]}…)"
        )
    os.replace(part, dest)
    return dest
