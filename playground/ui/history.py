"""History: every picture a visitor makes in the Latent Explorer and the Conditional tab lands in a strip
with its settings; a click brings the settings and the picture back. The strip lives in the browser
(`gr.BrowserState`), so it survives a reload; "Clear" empties it.

Only settings are stored — the thumbnails are drawn again from them, the same pixels every time.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import gradio as gr

from ..errors import UserError
from .common import friendly

MAX_ENTRIES = 24
THUMBNAILS_CACHED = 256


@dataclass
class Source:
    """A tab whose pictures go into the history: its id (as in gr.Tabs), the settings box it fills, how to
    draw a thumbnail from settings, and how to apply settings to its controls (returning their new values)."""

    tab: str
    settings: gr.Code
    thumbnail: Callable[[str], Any]
    apply: Callable[[str], tuple]
    outputs: Sequence[gr.components.Component]


def generator_tab(tab: str, ui: Any, picture: gr.Image, actions: Any) -> Any:
    """What app.py takes from a generator tab: its "Caption this" button and picture (`caption`), and its
    history source (`history`): the settings box, and the actions' `thumbnail` and `apply_settings`."""
    from types import SimpleNamespace

    source = Source(tab, ui.settings_out, friendly(actions.thumbnail), friendly(actions.apply_settings), ui.applied)
    return SimpleNamespace(caption=(ui.caption_this, picture), history=source)


class History:
    def __init__(self, sources: Sequence[Source]) -> None:
        self.sources = {s.tab: s for s in sources}
        self._thumbnails: OrderedDict[tuple[str, str], Any] = OrderedDict()

    def thumbnail(self, entry: dict) -> Any:
        key = (entry["tab"], entry["settings"])
        if key not in self._thumbnails:
            self._thumbnails[key] = self.sources[entry["tab"]].thumbnail(entry["settings"])
            while len(self._thumbnails) > THUMBNAILS_CACHED:
                self._thumbnails.popitem(last=False)
        self._thumbnails.move_to_end(key)
        return self._thumbnails[key]

    def gallery(self, entries: list[dict]) -> list[tuple[Any, str]]:
        shown = []
        for entry in valid(entries):
            try:
                shown.append((self.thumbnail(entry), caption(entry)))
            except UserError:  # settings a newer model no longer accepts: leave that one out
                continue
        return shown

    def record(self, tab: str, entries: list[dict] | None, settings: str) -> tuple[list[dict], list]:
        """A new picture's settings at the front (once: an entry made again, or restored, is not repeated)."""
        entries = valid(entries)
        if settings and not any(e["tab"] == tab and e["settings"] == settings for e in entries):
            entries = [{"tab": tab, "settings": settings}, *entries][:MAX_ENTRIES]
        return entries, self.gallery(entries)

    def restore(self, entries: list[dict] | None, evt: gr.SelectData) -> tuple:
        """The clicked entry's tab selected and its settings applied (the other tabs left as they are)."""
        entries = valid(entries)
        if not 0 <= evt.index < len(entries):
            raise UserError("That history entry is gone; make the picture again.")
        entry = entries[evt.index]
        values: list[Any] = [gr.Tabs(selected=entry["tab"])]
        for tab, source in self.sources.items():
            values += source.apply(entry["settings"]) if tab == entry["tab"] else [gr.skip()] * len(source.outputs)
        return tuple(values)


def recorder(history: History, tab: str) -> Callable:
    def record(entries: list[dict] | None, settings: str) -> tuple[list[dict], list]:
        return history.record(tab, entries, settings)

    return record


def valid(entries: Any) -> list[dict]:
    """What the browser sent back, keeping only well-formed entries (it is the visitor's own storage)."""
    if not isinstance(entries, list):
        return []
    return [e for e in entries[:MAX_ENTRIES] if isinstance(e, dict) and isinstance(e.get("settings"), str)
            and isinstance(e.get("tab"), str)]  # fmt: skip


def caption(entry: dict) -> str:
    try:
        settings = json.loads(entry["settings"])
    except json.JSONDecodeError:
        return entry["tab"]
    seed = "your picture" if settings.get("latent") else f"seed {settings.get('seed')}"
    return f"{entry['tab']} · {settings.get('model', '')} · {seed}"


def build(demo: gr.Blocks, tabs: gr.Tabs, sources: Sequence[Source]) -> None:
    """The strip under every tab, and the events that fill, restore and clear it."""
    sources = [s for s in sources if s is not None]
    if not sources:
        return
    history = History(sources)
    stored = gr.BrowserState([], storage_key="gan-playground-history")
    with gr.Accordion("History: your pictures (click one to bring it back)", open=True, elem_id="history"):
        strip = gr.Gallery(show_label=False, columns=12, rows=1, height=150, allow_preview=False, object_fit="contain",
                           elem_id="history-strip", interactive=False)  # fmt: skip
        clear = gr.Button("Clear the history", size="sm", elem_id="history-clear")
    for source in sources:
        source.settings.change(friendly(recorder(history, source.tab)), [stored, source.settings], [stored, strip],
                               api_visibility="private")  # fmt: skip
    outputs = [tabs] + [c for s in sources for c in s.outputs]
    strip.select(friendly(history.restore), stored, outputs, api_visibility="private")
    clear.click(lambda: ([], []), None, [stored, strip], api_visibility="private")
    demo.load(friendly(history.gallery), stored, strip, api_visibility="private")
