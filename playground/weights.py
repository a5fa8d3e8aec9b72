"""Every model that cannot ship with the repository, in one catalogue: what it is, about how big, whether it is
on this machine, the command that fetches it from a shell, and `fetch(key, progress)` — from the Hugging Face
Hub through its own client (captioners, VGG19) or a verified URL download (VGG19's fallback, the published
CycleGAN generators). However many visitors press download at once, each model is downloaded once: the
first caller fetches, the others wait, watch the same progress, and reuse the result.

Keys: `caption:<name>` (a registry name or a Hub id), `vgg19`, `cyclegan:<pair>`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from . import hub
from .downloads import DownloadError
from .errors import UserError

Progress = Callable[[int, "int | None"], None]  # (bytes done, bytes in all or None)
CYCLEGAN_FILE_MB = 46  # one published ResNet-9 generator: 11.4 M float32 parameters


@dataclass(frozen=True)
class Weights:
    key: str
    label: str
    size_mb: int | None  # about how much a download fetches (None: not known before asking the Hub)
    command: str  # the shell command that fetches it
    present: Callable[[], bool]
    fetcher: Callable[[Progress], None]

    @property
    def size_text(self) -> str:
        return f"{self.size_mb:,} MB" if self.size_mb else "size unknown"


# -- the catalogue ---------------------------------------------------------------------------------------------
def _captioner(name: str) -> Weights:
    from .pipelines.caption import fetch_command, hub_repos, resolve

    spec = resolve(name)
    repos = hub_repos(spec)
    if not repos:
        raise UserError(f"{spec.label} is a local folder: there is nothing to download.")
    sizes = {"vit-gpt2": 982, "blip": 990, "swin-gpt2": 661}  # the repositories' weights, as listed on the Hub

    def fetcher(progress: Progress) -> None:
        _fetch_hub_models(repos, progress)

    return Weights(
        f"caption:{name}", spec.label, sizes.get(spec.key), fetch_command(spec.key),
        lambda: all(hub.has_model(r) for r in repos), fetcher,
    )  # fmt: skip


def _fetch_hub_models(repos: list[str], progress: Progress) -> None:
    """Several repositories as one download: plan them all first, so the bar has one total."""
    try:
        plans = [(repo, hub.plan(repo)) for repo in repos]
    except DownloadError:
        raise
    except Exception as exc:  # listing failed: no such repository, a Hub error
        raise DownloadError(f"could not list {repos[0]} on the Hub: {hub.reason(exc)}") from None
    total, before = sum(f.size for _, files in plans for f in files), 0
    for repo, files in plans:
        hub.download(repo, files, lambda done, _all, before=before: progress(before + done, total))
        before += sum(f.size for f in files)


def _vgg19() -> Weights:
    from .pipelines import style

    def fetcher(progress: Progress) -> None:
        try:  # the Hub's safetensors first ...
            files = hub.plan(style.VGG19_HUB_REPO, (style.VGG19_HUB_FILE,))
            if not files:
                raise DownloadError(f"{style.VGG19_HUB_REPO} has no {style.VGG19_HUB_FILE}")
            hub.download(style.VGG19_HUB_REPO, files, progress)
            return
        except DownloadError as exc:
            first = str(exc)
        except Exception as exc:
            first = f"{style.VGG19_HUB_REPO}: {hub.reason(exc)}"
        try:  # ... torchvision's own URL when the Hub cannot be reached
            _download_url(style.VGG19_WEIGHTS_URL, style.vgg19_weights_path(), style.VGG19_SHA256_PREFIX, progress)
        except DownloadError as exc:
            raise DownloadError(f"neither the Hub ({first}) nor torchvision ({exc}) served VGG19") from None

    return Weights(
        "vgg19", "VGG19 (ImageNet, for Gatys)", 575, "python -m playground.fetch vgg19", style.vgg19_present, fetcher
    )


def _download_url(url: str, dest, sha256: str | None, progress: Progress) -> None:
    from .downloads import download

    download(url, dest, sha256=sha256, quiet=True, progress=progress)


def _cyclegan(key: str) -> Weights:
    from .pipelines import translate

    pair = translate.OFFICIAL.get(key)
    if pair is None:
        raise UserError(f"No published CycleGAN pair called {str(key)[:60]!r}.")
    names = [n for n in (pair.a_to_b, pair.b_to_a) if n]

    def fetcher(progress: Progress) -> None:
        missing = [n for n in names if not translate.official_path(n).exists()]
        for i, name in enumerate(missing):  # one bar over the pair: the files are about the same size

            def report(done: int, total: int | None, i: int = i) -> None:
                progress(i * (total or 0) + done, len(missing) * total if total else None)

            translate.fetch_official(name, progress=report)

    return Weights(
        f"cyclegan:{key}", f"{pair.label_a} ↔ {pair.label_b} generators", CYCLEGAN_FILE_MB * len(names),
        translate.fetch_command(key), lambda: all(translate.official_path(n).exists() for n in names), fetcher,
    )  # fmt: skip


def get(key: str) -> Weights:
    """The catalogue entry for a key (see the module's docstring); ValueError for an unknown one."""
    kind, _, name = str(key).partition(":")
    if kind == "caption" and name:
        return _captioner(name)
    if kind == "vgg19" and not name:
        return _vgg19()
    if kind == "cyclegan" and name:
        return _cyclegan(name)
    raise UserError(f"Nothing downloadable is called {str(key)[:60]!r}.")


def registry_keys() -> list[str]:
    """Every downloadable model of the registries."""
    from .pipelines.caption import REGISTRY
    from .pipelines.translate import OFFICIAL

    return [f"caption:{k}" for k in REGISTRY] + ["vgg19"] + [f"cyclegan:{k}" for k in OFFICIAL]


def present(key: str) -> bool:
    return get(key).present()


# -- one download per model -----------------------------------------------------------------------------------
class _Job:
    """One model's download in progress: how far it is, and how it ended, for every caller waiting on it."""

    def __init__(self) -> None:
        self.done, self.total = 0, None
        self.error: str | None = None
        self.finished = threading.Event()

    def report(self, done: int, total: int | None) -> None:
        self.done, self.total = done, total

    def wait(self, progress: Progress | None, poll: float) -> None:
        """Until the download ends, passing its progress on; its failure, as the same sentence."""
        while not self.finished.wait(poll):
            if progress:
                progress(self.done, self.total)
        if self.error:
            raise DownloadError(self.error)

    def run(self, entry: Weights, progress: Progress | None) -> None:
        """Download `entry`, reporting to this job and to `progress`; any failure becomes one sentence."""

        def report(done: int, total: int | None) -> None:
            self.report(done, total)
            if progress:
                progress(done, total)

        try:
            entry.fetcher(report)
            if not entry.present():
                raise DownloadError(f"{entry.label} did not arrive complete")
        except DownloadError as exc:
            self.error = failure(entry, exc)
            raise DownloadError(self.error) from None
        except BaseException:
            self.error = f"The download of {entry.label} was interrupted; nothing half-written was kept. Try again."
            raise


_jobs: dict[str, _Job] = {}
_jobs_lock = threading.Lock()


def fetch(key: str, progress: Progress | None = None, *, poll: float = 0.2) -> Weights:
    """Download one model (nothing if it is here). A caller arriving while the same model is downloading
    waits for that download, reporting its progress, instead of starting another. Raises DownloadError
    with one sentence; a failed download leaves nothing half-written, so calling again retries."""
    entry = get(key)
    if hub.offline():
        raise DownloadError(
            f"Downloads are switched off (PLAYGROUND_OFFLINE or HF_HUB_OFFLINE is set), so {entry.label} was not "
            f"fetched; where downloads are allowed, run: {entry.command}"
        )
    with _jobs_lock:
        job = _jobs.get(entry.key)
        if job is None:
            if entry.present():
                return entry
            job = _jobs[entry.key] = _Job()
            owner = True
        else:
            owner = False
    if not owner:
        job.wait(progress, poll)
        return entry
    try:
        job.run(entry, progress)
    finally:
        with _jobs_lock:
            _jobs.pop(entry.key, None)
        job.finished.set()
    return entry


def failure(entry: Weights, exc: Exception) -> str:
    reason = str(exc).rstrip(".")
    return f"Could not download {entry.label}: {reason}. Nothing half-written was kept; try again."


def ensure(key: str, progress: Progress | None = None) -> None:
    """Before a model is loaded: when it is missing and downloads are allowed, fetch it now with progress (its
    first use downloads it). Offline, nothing happens and the loader says what is missing, as it always has."""
    if not hub.offline() and not present(key):
        fetch(key, progress)


def downloads_allowed() -> bool:
    return not hub.offline()
