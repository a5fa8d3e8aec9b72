"""A client that calls the app the way its page does, for the load benchmarks.

The browser joins the queue, reads the session's server-sent events as they arrive and then fetches the
output pictures. gradio_client instead looks for the events every 50 ms (`stream_sse_v1plus` sleeps 0.05 s
whenever none is waiting), so every call it times is rounded up to that beat: a slider call the server answers
in 20 ms or in 45 ms takes ≈ 70 ms either way. This client has no such beat, so what it times is the server.
It sends plain values only (no uploads): the slider endpoints' arguments.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx


class PageClient:
    """`predict(*args, api_name=...)` as gradio_client's, through Gradio's queue protocol (sse_v3)."""

    def __init__(self, url: str) -> None:
        self.http = httpx.Client(base_url=url.rstrip("/"), timeout=120)
        config = self.http.get("/config").json()
        self.kinds = {c["id"]: c["type"] for c in config["components"]}
        self.endpoints = {d["api_name"]: d for d in config["dependencies"] if d.get("api_name")}
        self.session = uuid.uuid4().hex[:11]

    def predict(self, *args: Any, api_name: str) -> list:
        endpoint = self.endpoints[api_name.lstrip("/")]
        values = iter(args)  # the page sends every input; a State's value stays on the server (None here)
        data = [None if self.kinds[i] == "state" else next(values) for i in endpoint["inputs"]]
        joined = self.http.post(
            "/gradio_api/queue/join",
            json={"data": data, "fn_index": endpoint["id"], "session_hash": self.session, "event_data": None,
                  "trigger_id": None},
        )  # fmt: skip
        joined.raise_for_status()
        event = joined.json()["event_id"]
        output = self._completed(event)
        for file in files_in(output):  # the page shows the picture: it fetches it
            self.http.get(file["url"]).raise_for_status()
        return output

    def _completed(self, event: str) -> list:
        with self.http.stream("GET", "/gradio_api/queue/data", params={"session_hash": self.session}) as stream:
            for line in stream.iter_lines():
                if not line.startswith("data:"):
                    continue
                message = json.loads(line[5:])
                if message.get("event_id") != event or message.get("msg") != "process_completed":
                    continue
                if not message.get("success"):
                    raise RuntimeError(f"the server failed the call: {message.get('output')}")
                return message["output"]["data"]
        raise RuntimeError("the server closed the stream before the call completed")


def files_in(value: Any) -> list[dict]:
    """The FileData dicts (pictures, downloads) anywhere in an output."""
    if isinstance(value, dict):
        return [value] if value.get("url") and "path" in value else [f for v in value.values() for f in files_in(v)]
    if isinstance(value, list | tuple):
        return [f for v in value for f in files_in(v)]
    return []
