"""Where and how the app is served: each launch setting from its flag, else the environment, else a default.

Flags always win. Without them the app follows the variables a host sets: Gradio's own `GRADIO_SERVER_NAME` /
`GRADIO_SERVER_PORT` (set on a Hugging Face Space, where `SPACE_ID` is set too) and this app's
`PLAYGROUND_AUTH` (a Space secret) and `PLAYGROUND_MCP`.
"""

from __future__ import annotations

import os

from .errors import UserError

LOCAL_HOST = "127.0.0.1"
DEFAULT_PORT = 7860
AUTH_ENV, MCP_ENV = "PLAYGROUND_AUTH", "PLAYGROUND_MCP"
# Gradio settings the app changes unless the host sets them. After every event Gradio's queue rebuilds a
# pandas summary of its last 10,000 events (the API page's timings): 5 ms of server CPU per event with 100
# events recorded, 11–12 ms with 10,000 (python -m bench.analytics), against ≈ 25 ms for a whole slider call.
# Every 100 events keeps those timings fresh at a hundredth of the cost.
GRADIO_DEFAULTS = {"GRADIO_ANALYTICS_CACHE_FREQUENCY": "100"}


def apply_gradio_defaults() -> None:
    """GRADIO_DEFAULTS into the environment where the host has not set them (before the queue is built)."""
    for name, value in GRADIO_DEFAULTS.items():
        os.environ.setdefault(name, value)


def on_space() -> bool:
    return bool(os.environ.get("SPACE_ID"))


def env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def resolve_host(flag: str | None) -> str:
    """--host, else $GRADIO_SERVER_NAME, else every interface on a Space (its proxy must reach us), else loopback."""
    if flag:
        return flag
    return os.environ.get("GRADIO_SERVER_NAME") or ("0.0.0.0" if on_space() else LOCAL_HOST)


def resolve_port(flag: int | None) -> int:
    """--port, else $GRADIO_SERVER_PORT, else 7860."""
    if flag is not None:
        value, origin = str(flag), "--port"
    else:
        value, origin = os.environ.get("GRADIO_SERVER_PORT", str(DEFAULT_PORT)), "GRADIO_SERVER_PORT"
    if not value.strip().isdigit() or not 0 < int(value) < 65536:
        raise UserError(f"{origin} must be a port number between 1 and 65535, got {value[:20]!r}.")
    return int(value)


def resolve_auth(flag: str | None) -> tuple[str, str] | None:
    """--auth USER:PASSWORD, else $PLAYGROUND_AUTH; None means the app is open to everyone."""
    value = flag if flag is not None else os.environ.get(AUTH_ENV)
    if value is None:
        return None
    origin = "--auth" if flag is not None else AUTH_ENV
    user, colon, password = value.partition(":")
    if not colon or not user.strip() or not password:
        # the value itself is never echoed: it may hold a password
        raise UserError(f"{origin} must be USER:PASSWORD with a non-empty user and password, e.g. ada:s3cret.")
    return user.strip(), password


def check_mcp_with_auth(mcp: bool, auth: tuple[str, str] | None) -> None:
    """Gradio's MCP endpoint (/gradio_api/mcp/) answers without the login, and its tools call the app without it:
    together they would publish the tool list and fail every call, so the pair is refused."""
    if mcp and auth is not None:
        raise UserError(
            "--mcp cannot be combined with --auth (or PLAYGROUND_AUTH): Gradio's MCP server does not ask for the "
            "login; serve MCP on a machine only you can reach instead."
        )


def port_taken_message(host: str, port: int) -> str:
    return (
        f"error: port {port} on {host} is already in use (another program, or the playground is already running); "
        f"start on a free one with `python app.py --port {port + 1 if port < 65535 else 7861}` "
        "(add --share for a temporary public link)."
    )


def startup_line(host: str, port: int, device: str, *, auth: bool, mcp: bool, share: bool) -> str:
    """One line that says where the app listens, where its models live and how it is protected."""
    shown = "localhost" if host in ("0.0.0.0", "::") else host
    where = f"http://{shown}:{port}" + (" (listening on every interface)" if shown != host else "")
    parts = [f"GAN Playground on {where}", f"models on {device}"]
    parts.append("login required" if auth else "no login (--auth to require one)")
    if mcp:
        parts.append(f"MCP server at http://{shown}:{port}/gradio_api/mcp/")
    if not share and not on_space():
        parts.append("--share for a temporary public link")
    return " · ".join(parts)
