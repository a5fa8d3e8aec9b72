"""Start the real app (`python app.py`) on a free loopback port, for tests and benchmarks."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, timeout: float, log: Path | None = None) -> str:
    """Poll `url` until it answers; fail early if the server process exits."""
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            tail = log.read_text()[-3000:] if log else ""
            raise RuntimeError(f"the server exited early (code {process.returncode}):\n{tail}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return url
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"nothing served {url} within {timeout} s") from None
            time.sleep(0.3)


@contextmanager
def started(args: list[str], env: dict[str, str], url: str, log: Path, timeout: float = 120.0):
    """`python app.py ARGS` with exactly `env` (its output in `log`), until `url` answers; stopped afterwards."""
    with open(log, "w") as out:
        process = subprocess.Popen(
            [sys.executable, "app.py", *args], cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        wait_for(url, process, timeout, log)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


@contextmanager
def running_app(
    checkpoint_dir: Path, cache_dir: Path, *extra: str, timeout: float = 90.0, env: dict[str, str] | None = None
):
    """The app on a free loopback port with these checkpoints, its own cache and upload folder: (url, process,
    log)."""
    port = free_port()
    env = {
        **os.environ, "PLAYGROUND_CHECKPOINTS": str(checkpoint_dir), "PLAYGROUND_CACHE": str(cache_dir),
        "GRADIO_ANALYTICS_ENABLED": "False", "OMP_NUM_THREADS": "1",
        "GRADIO_TEMP_DIR": str(cache_dir / "gradio"),  # its own upload folder: pruning it touches no other app
        "PLAYGROUND_STUDIO_RUNS": str(cache_dir / "studio-runs"),  # the Studio's runs, gone with the cache
        **(env or {}),
    }  # fmt: skip
    log = cache_dir / "server.log"
    cache_dir.mkdir(parents=True, exist_ok=True)
    url = f"http://127.0.0.1:{port}/"
    with started(["--port", str(port), "--device", "cpu", *extra], env, url, log, timeout) as process:
        yield url, process, log


def loopback_client(url: str, **kwargs):
    """A gradio_client Client for the app on loopback http, with `ssl_verify=False`: gradio_client opens a fresh
    httpx client for every request (and every file it downloads) and, verifying, loads the CA bundle into a new
    SSL context each time — ~20 ms of CPU, 80 % of the client's work on a loopback URL where nothing is verified
    anyway. On a 2-core machine the client shares with the server, that would measure the client, not the app."""
    from gradio_client import Client

    return Client(url, verbose=False, ssl_verify=False, **kwargs)
