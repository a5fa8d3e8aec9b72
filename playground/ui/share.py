"""Links that reopen the app in a given state: `?tab=latent&settings=<base64url of the settings JSON>`.

The page builds the link itself (no server call) and copies it; when a page opens with one, the tab named
applies those settings instead of its defaults, so a fresh browser sees the same pixels.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import gradio as gr

from ..errors import UserError

MAX_LINK_SETTINGS = 10_000  # characters of encoded settings a link may carry

# (settings JSON) → the link to this page with them, copied where the browser allows it, and shown.
COPY_LINK_JS = """
(settings, tab) => {
  const link = new URL(window.location.href);
  link.search = "";
  link.hash = "";
  const bytes = new TextEncoder().encode(settings || "");
  const encoded = btoa(String.fromCharCode(...bytes)).replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
  link.searchParams.set("tab", tab);
  link.searchParams.set("settings", encoded);
  if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(link.toString());
  return link.toString();
}
"""


def copy_link_button(tab: str, settings: gr.Code) -> None:
    """A "copy a link" button under a tab's settings, and the box that shows the link it copied."""
    with gr.Row():
        button = gr.Button("🔗 Copy a link to this", size="sm", elem_id=f"{tab}-share")
        link = gr.Textbox(show_label=False, placeholder="the link appears here", max_lines=1, interactive=False,
                          elem_id=f"{tab}-link", scale=3)  # fmt: skip
    which = gr.Textbox(tab, visible=False)
    button.click(None, [settings, which], link, js=COPY_LINK_JS, api_visibility="private")


def decode(encoded: str) -> str:
    if len(encoded) > MAX_LINK_SETTINGS:
        raise UserError("The link carries more settings than this app reads; copy the settings JSON instead.")
    try:
        return base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode("utf-8")
    except (binascii.Error, ValueError):
        raise UserError("The link's settings could not be read; ask for a fresh link.") from None


def link_settings(request: gr.Request | None, tab: str) -> str | None:
    """The settings JSON a link opened this page with, if the link names this tab."""
    params: Any = getattr(request, "query_params", None) or {}
    if params.get("tab") != tab or not params.get("settings"):
        return None
    return decode(str(params["settings"]))


def link_tab(request: gr.Request | None, tabs: set[str]) -> Any:
    """The tab a link opened this page on (a gr.Tabs update), or no change."""
    params: Any = getattr(request, "query_params", None) or {}
    return gr.Tabs(selected=params["tab"]) if params.get("tab") in tabs else gr.skip()
