"""A local stand-in for the Hugging Face Hub, on loopback: the few routes `huggingface_hub` uses to list a
repository and download its files (`/api/models/{repo}/tree/{rev}`, `/api/models/{repo}/revision/{rev}`,
HEAD and GET `/{repo}/resolve/{rev}/{file}` with the `X-Repo-Commit`, `ETag`/`X-Linked-Etag` and
`Content-Length` headers the client checks, and byte ranges for its resume). It counts the requests for each
file and can misbehave on demand: serve half a file and then close, or go away entirely mid-file.

Point the client at it with HF_ENDPOINT=http://127.0.0.1:PORT. Also a plain URL server for the non-Hub
downloads (`files`), with the same tricks."""

from __future__ import annotations

import hashlib
import http.server
import json
import re
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import unquote, urlsplit

COMMIT = "0123456789abcdef0123456789abcdef01234567"
LFS_FROM = 1000  # files at least this big are stored as LFS (etag = sha256), like the Hub's weights


def git_sha1(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


class StandIn:
    """repos: {repo id: {path: bytes}}; files: {url path: bytes} for plain URL downloads."""

    def __init__(self, repos: dict[str, dict[str, bytes]] | None = None, files: dict[str, bytes] | None = None,
                 port: int = 0) -> None:  # fmt: skip
        self.repos, self.files = repos or {}, files or {}
        self.gets: Counter[str] = Counter()  # body requests per file (resolve GETs and plain GETs)
        self.cut: set[str] = set()  # files served half and then closed
        self.die_on_cut = False  # ... and the whole server stops listening (a killed server)
        self.delay = 0.0  # seconds between 64 KiB blocks: a slow network
        self.tampered: dict[str, bytes] = {}  # "repo/path" → other bytes served under the listed hashes
        self.lock = threading.Lock()
        self._start(port)

    # -- lifecycle ------------------------------------------------------------------------------------------
    def _start(self, port: int) -> None:
        stand_in = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_HEAD(self):
                stand_in.answer(self, body=False)

            def do_GET(self):
                stand_in.answer(self, body=True)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def restart(self) -> None:
        """Listen again on the same port (after a simulated crash), behaving well."""
        self.cut.clear()
        self.die_on_cut = False
        self._start(self.port)

    # -- routes ---------------------------------------------------------------------------------------------
    def answer(self, handler: http.server.BaseHTTPRequestHandler, *, body: bool) -> None:
        path = unquote(urlsplit(handler.path).path)
        if m := re.fullmatch(r"/api/models/(.+)/tree/([^/]+)", path):
            return self.json(handler, self.tree(m[1]), body)
        if m := re.fullmatch(r"/api/models/(.+)/revision/([^/]+)", path):
            repo = self.repos.get(m[1])
            info = {"id": m[1], "sha": COMMIT, "siblings": [{"rfilename": f} for f in repo]} if repo else None
            return self.json(handler, info, body)
        if m := re.fullmatch(r"/(.+?/.+?)/resolve/([^/]+)/(.+)", path):
            repo, name = self.repos.get(m[1]), m[3]
            if repo is None or name not in repo:
                return self.send(handler, 404, b"not found", {"X-Error-Code": "EntryNotFound",
                                                              "X-Repo-Commit": COMMIT}, body)  # fmt: skip
            data = repo[name]
            headers = {"X-Repo-Commit": COMMIT, "ETag": f'"{git_sha1(data)}"'}
            if len(data) >= LFS_FROM:
                headers["X-Linked-Etag"] = f'"{hashlib.sha256(data).hexdigest()}"'
                headers["X-Linked-Size"] = str(len(data))
            key = f"{m[1]}/{name}"
            return self.serve(handler, key, self.tampered.get(key, data), headers, body)
        if path in self.files:
            return self.serve(handler, path, self.files[path], {}, body)
        return self.send(handler, 404, b"not found", {}, body)

    def tree(self, repo_id: str) -> list[dict] | None:
        repo = self.repos.get(repo_id)
        if repo is None:
            return None
        entries = []
        for name, data in sorted(repo.items()):
            entry = {"type": "file", "oid": git_sha1(data), "size": len(data), "path": name}
            if len(data) >= LFS_FROM:
                entry["lfs"] = {"oid": hashlib.sha256(data).hexdigest(), "size": len(data), "pointerSize": 134}
            entries.append(entry)
        return entries

    def json(self, handler, value, body: bool) -> None:
        if value is None:
            return self.send(handler, 404, b'{"error": "Repository not found"}',
                             {"X-Error-Code": "RepoNotFound", "Content-Type": "application/json"}, body)  # fmt: skip
        self.send(handler, 200, json.dumps(value).encode(), {"Content-Type": "application/json"}, body)

    def send(self, handler, status: int, data: bytes, headers: dict[str, str], body: bool) -> None:
        handler.send_response(status)
        for k, v in {**headers, "Content-Length": str(len(data))}.items():
            handler.send_header(k, v)
        handler.end_headers()
        if body:
            handler.wfile.write(data)

    def serve(self, handler, key: str, data: bytes, headers: dict[str, str], body: bool) -> None:
        start = 0
        if m := re.fullmatch(r"bytes=(\d+)-", handler.headers.get("Range", "")):
            start = int(m[1])
        part = data[start:]
        status = 206 if start else 200
        if start:
            headers = {**headers, "Content-Range": f"bytes {start}-{len(data) - 1}/{len(data)}"}
        if not body:  # HEAD: the headers of the whole file
            handler.send_response(200)
            for k, v in {**headers, "Content-Length": str(len(data))}.items():
                handler.send_header(k, v)
            handler.end_headers()
            return
        with self.lock:
            self.gets[key] += 1
        cut = key in self.cut or any(key.endswith(c) for c in self.cut)
        handler.send_response(status)
        for k, v in {**headers, "Content-Length": str(len(part))}.items():
            handler.send_header(k, v)
        handler.end_headers()
        limit = len(part) // 2 if cut else len(part)
        for i in range(0, limit, 1 << 16):
            handler.wfile.write(part[i : min(i + (1 << 16), limit)])
            if self.delay:
                time.sleep(self.delay)
        if cut:
            handler.wfile.flush()
            handler.close_connection = True
            if self.die_on_cut:
                threading.Thread(target=self.stop, daemon=True).start()


def repo_from_folder(folder: Path) -> dict[str, bytes]:
    """Every file of a folder saved with save_pretrained, as a repository's content."""
    return {p.name: p.read_bytes() for p in sorted(Path(folder).iterdir()) if p.is_file()}
