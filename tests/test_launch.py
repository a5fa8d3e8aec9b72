"""How the real app (`python app.py`) starts: where it listens, a taken port, a login, a full queue, MCP."""

from __future__ import annotations

import ipaddress
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from gradio_client import Client
from gradio_client.utils import QueueError

from bench.server import REPO, free_port, started

LAB = ("gaussian", 64, 2, 1e-3, 1e-3, 1, "non-saturating", 0, None, None, 50)  # lab_train_2d, longest bursts


def local_address() -> str | None:
    """An IPv4 address of this machine that is not loopback (what another machine would connect to)."""
    try:
        out = subprocess.run(["hostname", "-I"], capture_output=True, text=True, timeout=10).stdout.split()
    except (OSError, subprocess.SubprocessError):
        out = []
    for candidate in out:
        try:
            address = ipaddress.ip_address(candidate)
        except ValueError:
            continue
        if address.version == 4 and not address.is_loopback:
            return candidate
    return None


def base_env(checkpoints: Path, cache: Path, tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRADIO_SERVER", "SPACE", "PLAYGROUND_"))}
    return {
        **env, "PLAYGROUND_CHECKPOINTS": str(checkpoints), "PLAYGROUND_CACHE": str(cache),
        "PLAYGROUND_OFFLINE": "1", "HF_HUB_CACHE": str(tmp / "hub"), "TORCH_HOME": str(tmp / "torch"),
        "GRADIO_ANALYTICS_ENABLED": "False", "OMP_NUM_THREADS": "1",
    }  # fmt: skip


def run_app(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "app.py", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=180
    )


@pytest.fixture(scope="module")
def space(tiny_checkpoints, tmp_path_factory):
    """The app as a Space starts it: GRADIO_SERVER_NAME/PORT and SPACE_ID set, no flags at all; plus
    PLAYGROUND_MCP=1 and a queue of one waiting request."""
    address = local_address()
    if address is None:
        pytest.skip("this machine has no non-loopback IPv4 address to connect through")
    tmp = tmp_path_factory.mktemp("space")
    port = free_port()
    env = {
        **base_env(tiny_checkpoints, tmp / "cache", tmp), "SYSTEM": "spaces", "SPACE_ID": "someone/gan-playground",
        "GRADIO_SERVER_NAME": "0.0.0.0", "GRADIO_SERVER_PORT": str(port), "PLAYGROUND_MCP": "1",
        "PLAYGROUND_QUEUE_MAX_SIZE": "1",
    }  # fmt: skip
    (tmp / "cache").mkdir()
    url = f"http://{address}:{port}/"
    with started([], env, url, tmp / "server.log"):
        yield url, tmp / "server.log"


def test_a_space_needs_no_flags_and_is_reached_from_outside_loopback(space):
    url, log = space
    assert httpx.get(url + "config", timeout=10).status_code == 200
    client = Client(url, verbose=False)
    assert isinstance(client.predict(api_name="/random_seed"), int)
    first_line = next(line for line in log.read_text().splitlines() if line.startswith("GAN Playground on"))
    port = url.rstrip("/").rsplit(":", 1)[1]
    assert f"localhost:{port} (listening on every interface)" in first_line and "models on cpu" in first_line


def test_mcp_lists_the_main_tools_with_descriptions(space):
    url, _ = space
    schema = httpx.get(url + "gradio_api/mcp/schema", timeout=30).json()
    # on a Space, Gradio prefixes every tool with the Space's name
    tools = {tool["name"].removeprefix("gan_playground_"): tool for tool in schema}
    main = ("infogan_generate", "infogan_sweep", "infogan_interpolate", "cgan_generate", "cyclegan_translate",
            "style_fast", "style_gatys", "caption", "caption_attention", "pix2pix_render", "ae_reconstruct",
            "gan_vs_dcgan")  # fmt: skip
    for name in main:
        assert len(tools[name]["description"]) > 40, name
    generate = tools["infogan_generate"]["inputSchema"]["properties"]
    assert "from -2 to 2" in generate["c1"]["description"] and "seed" in generate["seed_value"]["description"]


def test_an_mcp_client_calls_a_tool(space):
    """A real MCP session (the `mcp` package's streamable-HTTP client): list the tools, draw one picture."""
    import asyncio

    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    url, _ = space

    async def session() -> tuple[dict, object]:
        async with streamable_http_client(url + "gradio_api/mcp/") as (read, write, _):  # noqa: SIM117 (needs read, write)
            async with ClientSession(read, write) as mcp:
                await mcp.initialize()
                tools = {tool.name: tool for tool in (await mcp.list_tools()).tools}
                arguments = {"model_name": "infogan-mnist", "seed_value": 3, "category_value": 2, "c1": 0.5, "c2": -1}
                return tools, await mcp.call_tool("gan_playground_infogan_generate", arguments)

    tools, result = asyncio.run(session())
    category = tools["gan_playground_infogan_generate"].inputSchema["properties"]["category_value"]
    assert category["type"] == "integer"  # Gradio alone declares it a string and the call is refused
    assert not result.isError
    text = " ".join(c.text for c in result.content if c.type == "text")
    assert ".png" in text and '"seed": 3, "category": 2, "codes": [0.5, -1.0]' in text


def test_a_full_queue_says_so(space):
    """PLAYGROUND_QUEUE_MAX_SIZE=1: with the Lab's 8 training lanes busy, one more request waits in the queue
    and the next is refused with Gradio's "Queue is full" (HTTP 503; the page says the app is busy)."""
    url, _ = space
    # One client per job: a browser session may run one Lab job at a time (settings.LAB_JOBS_PER_SESSION).
    clients = [Client(url, verbose=False) for _ in range(9)]
    client = clients[-1]
    jobs = []
    try:
        for lane in clients[:8]:  # one at a time, so that each is running before the next joins the queue
            jobs.append(lane.submit(*LAB, api_name="/lab_train_2d"))
            deadline = time.monotonic() + 60
            while jobs[-1].status().code.name not in ("PROCESSING", "ITERATING") and time.monotonic() < deadline:
                time.sleep(0.2)
            assert jobs[-1].status().code.name in ("PROCESSING", "ITERATING")
        jobs.append(client.submit(*LAB, api_name="/lab_train_2d"))  # the one place in the queue
        time.sleep(1.0)
        assert jobs[-1].status().code.name == "IN_QUEUE"
        with pytest.raises(QueueError, match="Queue is full"):
            client.predict(api_name="/random_seed")
        reply = httpx.post(
            url + "gradio_api/queue/join", json={"data": [], "fn_index": 0, "session_hash": "probe"}, timeout=10
        )
        assert reply.status_code == 503 and "Queue is full" in reply.text
    finally:
        for job in jobs:
            job.cancel()


@pytest.fixture(scope="module")
def locked(tiny_checkpoints, tmp_path_factory):
    """The app behind a login given as a Space secret would give it: PLAYGROUND_AUTH."""
    tmp = tmp_path_factory.mktemp("locked")
    (tmp / "cache").mkdir()
    port = free_port()
    env = {**base_env(tiny_checkpoints, tmp / "cache", tmp), "PLAYGROUND_AUTH": "ada:s3cret:with-colon"}
    url = f"http://127.0.0.1:{port}/"
    with started(["--port", str(port), "--device", "cpu"], env, url, tmp / "server.log"):
        yield url


def test_auth_refuses_strangers_and_serves_the_user(locked):
    assert httpx.get(locked + "config", timeout=10).status_code == 401
    with pytest.raises(Exception, match=r"(?i)login|401|credentials"):
        Client(locked, verbose=False)
    with pytest.raises(Exception, match=r"(?i)login|401|credentials"):
        Client(locked, auth=("ada", "wrong"), verbose=False)
    client = Client(locked, auth=("ada", "s3cret:with-colon"), verbose=False)
    assert isinstance(client.predict(api_name="/random_seed"), int)


@pytest.mark.parametrize(
    ("args", "extra_env", "expected"),
    [
        (["--auth", "nocolon"], {}, "--auth must be USER:PASSWORD"),
        (["--auth", ":pw"], {}, "--auth must be USER:PASSWORD"),
        ([], {"PLAYGROUND_AUTH": "ada:"}, "PLAYGROUND_AUTH must be USER:PASSWORD"),
        (["--auth", "ada:pw", "--mcp"], {}, "--mcp cannot be combined with --auth"),
        ([], {"GRADIO_SERVER_PORT": "http"}, "GRADIO_SERVER_PORT must be a port number"),
    ],
)
def test_bad_launch_settings_give_one_sentence(args, extra_env, expected, tiny_checkpoints, tmp_path):
    out = run_app(args, {**base_env(tiny_checkpoints, tmp_path, tmp_path), **extra_env})
    assert out.returncode == 2 and "Traceback" not in out.stderr + out.stdout
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and expected in lines[0]
    assert "pw" not in lines[0].replace("password", "")


def test_a_taken_port_names_our_flags(tiny_checkpoints, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        out = run_app(["--port", str(port), "--device", "cpu"], base_env(tiny_checkpoints, tmp_path, tmp_path))
    text = out.stderr + out.stdout
    assert out.returncode == 2 and "Traceback" not in text
    assert "GRADIO_SERVER_PORT" not in text and "launch()" not in text
    sentence = out.stderr.strip().splitlines()[-1]
    assert f"port {port}" in sentence and f"--port {port + 1}" in sentence and "--share" in sentence


def test_flags_win_over_the_environment(monkeypatch):
    from playground import serve

    monkeypatch.setenv("GRADIO_SERVER_NAME", "0.0.0.0")
    monkeypatch.setenv("GRADIO_SERVER_PORT", "9000")
    monkeypatch.setenv("PLAYGROUND_AUTH", "env:user")
    assert (serve.resolve_host(None), serve.resolve_port(None), serve.resolve_auth(None)) == (
        "0.0.0.0",
        9000,
        ("env", "user"),
    )
    assert (serve.resolve_host("127.0.0.1"), serve.resolve_port(7000)) == ("127.0.0.1", 7000)
    assert serve.resolve_auth("flag:pass:word") == ("flag", "pass:word")
    for name in ("GRADIO_SERVER_NAME", "GRADIO_SERVER_PORT", "PLAYGROUND_AUTH", "SPACE_ID"):
        monkeypatch.delenv(name, raising=False)
    assert (serve.resolve_host(None), serve.resolve_port(None), serve.resolve_auth(None)) == ("127.0.0.1", 7860, None)
    monkeypatch.setenv("SPACE_ID", "someone/space")
    assert serve.resolve_host(None) == "0.0.0.0"


def test_help_documents_the_launch_flags():
    out = subprocess.run([sys.executable, "app.py", "--help"], cwd=REPO, capture_output=True, text=True, timeout=60)
    text = " ".join(out.stdout.split())
    for words in ("--auth USER:PASSWORD", "$PLAYGROUND_AUTH", "--mcp", "PLAYGROUND_MCP=1", "$GRADIO_SERVER_NAME",
                  "$GRADIO_SERVER_PORT", "0.0.0.0 on a Hugging Face Space", "ZeroGPU"):  # fmt: skip
        assert words in text, words
