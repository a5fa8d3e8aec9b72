"""The Hugging Face Hub through its own client (`huggingface_hub`), with the environment read when called —
`HF_ENDPOINT`, `HF_HUB_CACHE` / `HF_HOME`, `HF_HUB_OFFLINE` — so a Space, a mirror or a test can point it
elsewhere. Files land in the Hub's own cache (shared with transformers and a Space's build-time preload),
each one verified against the hash the Hub lists for it; an interrupted file leaves nothing behind."""

from __future__ import annotations

import hashlib
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from .downloads import CHUNK, DownloadError

# Small files a model needs besides its weights (configs, tokenizers, processors), at the repository's root.
SMALL_FILES = ("*.json", "*.txt", "*.model", "*.jinja")
SAFETENSORS = ("*.safetensors",)
PICKLES = ("pytorch_model*.bin",)  # only where a repository has no safetensors (read by transformers, not us)
WEIGHT_FILES = (
    "model.safetensors",
    "model.safetensors.index.json",
    "pytorch_model.bin",
    "pytorch_model.bin.index.json",
)

Progress = Callable[[int, "int | None"], None]  # (bytes done, bytes in all or None)


def _on(name: str) -> bool:
    return os.environ.get(name, "") not in ("", "0", "false", "False")


def offline() -> bool:
    """Never download: `PLAYGROUND_OFFLINE`, or the Hub's own `HF_HUB_OFFLINE` / `TRANSFORMERS_OFFLINE`."""
    return any(_on(name) for name in ("PLAYGROUND_OFFLINE", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"))


def cache_dir() -> Path:
    """The Hub cache the client uses: HF_HUB_CACHE, else HF_HOME/hub, else ~/.cache/huggingface/hub."""
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"]).expanduser()
    xdg = Path(os.environ.get("XDG_CACHE_HOME", "~/.cache")).expanduser()
    return Path(os.environ.get("HF_HOME", str(xdg / "huggingface"))).expanduser() / "hub"


def endpoint() -> str | None:
    """HF_ENDPOINT (a mirror, or a local stand-in in tests); None = huggingface.co."""
    return os.environ.get("HF_ENDPOINT", "").rstrip("/") or None


def cached(repo: str, filename: str) -> Path | None:
    """The cached copy of one file of a repository's main branch, or None."""
    from huggingface_hub import try_to_load_from_cache

    found = try_to_load_from_cache(repo, filename, cache_dir=cache_dir())
    return Path(found) if isinstance(found, str) else None


def has_model(repo: str) -> bool:
    """A transformers model is cached: its config and its weights (downloaded last, so the rest is there)."""
    return cached(repo, "config.json") is not None and any(cached(repo, f) for f in WEIGHT_FILES)


@dataclass(frozen=True)
class RemoteFile:
    path: str
    size: int
    sha256: str | None  # LFS files: the sha256 of the content
    git_sha1: str  # every file: git's blob id, sha1 of "blob <size>\0" + content


def reachable(timeout: float = 5.0) -> None:
    """Fail in seconds when the Hub cannot be reached at all (the client would retry for ~20 s first).
    Behind a proxy the client knows the way and we do not: no check then."""
    if any(os.environ.get(v) for v in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY")):
        return
    url = urlsplit(endpoint() or "https://huggingface.co")
    try:
        socket.create_connection((url.hostname, url.port or (443 if url.scheme == "https" else 80)), timeout).close()
    except OSError as exc:
        raise DownloadError(f"the server could not be reached ({url.netloc}: {exc.strerror or exc})") from None


def plan(repo: str, patterns: tuple[str, ...] | None = None) -> list[RemoteFile]:
    """The files to fetch from `repo`: small files first, then the weights (safetensors where the repository
    has them, else its PyTorch pickles), or the files matching `patterns`."""
    from huggingface_hub import HfApi
    from huggingface_hub.hf_api import RepoFile
    from huggingface_hub.utils import filter_repo_objects

    reachable()
    tree = [f for f in HfApi(endpoint=endpoint()).list_repo_tree(repo, recursive=True) if isinstance(f, RepoFile)]
    root = [f.path for f in tree if "/" not in f.path]
    if patterns is None:
        has_safetensors = any(True for _ in filter_repo_objects(root, allow_patterns=SAFETENSORS))
        patterns = SMALL_FILES + (SAFETENSORS if has_safetensors else PICKLES)
    wanted = set(filter_repo_objects(root, allow_patterns=list(patterns)))
    chosen = [RemoteFile(f.path, f.size, f.lfs.sha256 if f.lfs else None, f.blob_id) for f in tree if f.path in wanted]
    return sorted(chosen, key=lambda f: (f.sha256 is not None, f.size))  # weights (LFS, big) last


def _bar(report: Callable[[int], None]) -> type:
    """A tqdm class for huggingface_hub's `tqdm_class`: silent, forwarding every byte count to `report`."""
    from tqdm import tqdm

    class Reporting(tqdm):
        def __init__(self, *args, **kwargs) -> None:
            kwargs["disable"] = True
            super().__init__(*args, **kwargs)

        def update(self, n: float | None = 1) -> None:
            report(int(n or 0))

    return Reporting


def _verify(repo: str, remote: RemoteFile, path: Path) -> None:
    """The cached file's content hashes to what the Hub listed; a mismatch removes it."""
    blob = path.resolve()
    digest = hashlib.sha256() if remote.sha256 else hashlib.sha1(f"blob {blob.stat().st_size}\0".encode())
    with open(blob, "rb") as f:
        for block in iter(lambda: f.read(CHUNK), b""):
            digest.update(block)
    if digest.hexdigest() != (remote.sha256 or remote.git_sha1):
        blob.unlink(missing_ok=True)
        path.unlink(missing_ok=True)
        raise DownloadError(f"{remote.path} from {repo} failed its checksum")


def reason(exc: BaseException) -> str:
    """A short, plain reason for a failed Hub call (the client's messages run to several lines)."""
    from huggingface_hub.errors import HfHubHTTPError, RepositoryNotFoundError

    if isinstance(exc, RepositoryNotFoundError):
        return "the repository is not on the Hub"
    if isinstance(exc, HfHubHTTPError) and exc.response is not None:
        return f"the Hub answered HTTP {exc.response.status_code}"
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
    if "Consistency check failed" in text or "peer closed connection" in text:
        return "the connection closed before the file was complete"
    if "Connection refused" in text or "Name or service not known" in text or "getaddrinfo" in text:
        return f"the server could not be reached ({endpoint() or 'huggingface.co'}: no network?)"
    return text[:160]


def download(repo: str, files: list[RemoteFile], progress: Progress | None = None) -> None:
    """Fetch `files` of `repo`'s main branch into the Hub cache, reporting bytes across all of them."""
    from huggingface_hub import hf_hub_download

    total = sum(f.size for f in files)
    done = 0
    for remote in files:
        received = [done]  # bytes of the finished files plus this one's so far

        def report(n: int, received: list[int] = received) -> None:
            received[0] += n
            if progress:
                progress(received[0], total)

        try:
            path = hf_hub_download(
                repo, remote.path, cache_dir=cache_dir(), endpoint=endpoint(), tqdm_class=_bar(report)
            )
        except Exception as exc:  # the client raises httpx, OSError and Hub errors; each becomes one sentence
            raise DownloadError(f"{remote.path} from {repo}: {reason(exc)}") from None
        _verify(repo, remote, Path(path))
        done += remote.size
        if progress:
            progress(done, total)
