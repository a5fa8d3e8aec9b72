"""What a tab says before any click about the weights it needs: which models are ready and which need a
download, a button naming the model and its size, and the download itself under a progress bar."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

import gradio as gr

from .. import weights


def status_text(keys: Iterable[str], also_ready: Iterable[str] = ()) -> str:
    """One line: "Ready: A. Needs a download: B (990 MB)." — offline, the shell command instead. `also_ready`
    names what the tab has that needs no download (the fast engine, a captioner given on the command line)."""
    entries = [weights.get(k) for k in keys]
    ready = [*also_ready, *(e.label for e in entries if e.present())]
    missing = [e for e in entries if not e.present()]
    parts = [f"**Ready:** {', '.join(ready)}."] if ready else []
    if missing and weights.downloads_allowed():
        parts.append(f"**Needs a download:** {'; '.join(f'{e.label}: {e.size_text}' for e in missing)}.")
    elif missing:
        commands = "; ".join(f"{e.label}: `{e.command}`" for e in missing)
        parts.append(f"**Not downloaded, and downloads are off here** — fetch from a shell: {commands}.")
    return " ".join(parts)


def button_update(key: str | None) -> dict:
    """The download button for one model: visible while it is missing and downloads are allowed."""
    if key is None:
        return gr.update(visible=False)
    entry = weights.get(key)
    return gr.update(value=f"Download {entry.label} — {entry.size_text}",
                     visible=weights.downloads_allowed() and not entry.present())  # fmt: skip


def reporter(progress: gr.Progress, label: str, every: float = 0.1) -> Callable[[int, int | None], None]:
    """A weights.Progress that drives a gr.Progress bar in megabytes, at most every `every` seconds."""
    last = [0.0]

    def report(done: int, total: int | None) -> None:
        now = time.monotonic()
        if now - last[0] < every and done != total:
            return
        last[0] = now
        if total:
            digits = 0 if total >= 1e7 else 1  # whole megabytes, tenths for small files
            progress(
                done / total, desc=f"Downloading {label}: {done / 1e6:,.{digits}f} of {total / 1e6:,.{digits}f} MB"
            )
        else:
            progress((round(done / 1e6), None), desc=f"Downloading {label}", unit="MB")

    return report


def fetch(key: str, progress: gr.Progress) -> None:
    """Download one model under the event's progress bar (a failure raises DownloadError: wrap the event
    in common.friendly so it reaches the page as one sentence)."""
    weights.fetch(key, reporter(progress, weights.get(key).label))


def ensure(key: str, progress: gr.Progress) -> None:
    """Before a model's first use: download it now when it is missing and downloads are allowed."""
    if weights.downloads_allowed() and not weights.present(key):
        fetch(key, progress)
