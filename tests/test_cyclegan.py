from __future__ import annotations

import hashlib
import http.server
import io
import pickle
import threading
import time
from typing import ClassVar

import numpy as np
import pytest
import torch
from PIL import Image

from playground import checkpoints
from playground.downloads import DownloadError, HashBook
from playground.models.cyclegan import CycleGANConfig, PatchDiscriminator, ResnetGenerator
from playground.pipelines import translate

CPU = torch.device("cpu")


def official_state(legacy: bool = False) -> dict[str, torch.Tensor]:
    """A state dict with the reference implementation's key layout, randomly initialised."""
    torch.manual_seed(0)
    state = ResnetGenerator(CycleGANConfig()).state_dict()
    if legacy:  # what PyTorch < 0.4 saved for InstanceNorm layers
        state["model.2.running_mean"] = torch.zeros(64)
        state["model.2.running_var"] = torch.ones(64)
    return state


def pth_bytes(obj) -> bytes:
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    return buffer.getvalue()


def test_generator_matches_the_reference_layout():
    g = ResnetGenerator(CycleGANConfig())
    keys = list(g.state_dict())
    assert keys[:2] == ["model.1.weight", "model.1.bias"] and "model.10.conv_block.5.weight" in keys
    assert keys[-2:] == ["model.26.weight", "model.26.bias"] and len(keys) == 48
    assert sum(p.numel() for p in g.parameters()) == 11_378_179
    assert PatchDiscriminator(CycleGANConfig())(torch.zeros(1, 3, 256, 256)).shape == (1, 1, 30, 30)


def test_official_layout_state_dict_loads_and_runs(tmp_path, capsys):
    (tmp_path / "horse2zebra.pth").write_bytes(pth_bytes(official_state(legacy=True)))
    generator = translate.load_official("horse2zebra", CPU, folder=tmp_path, fetch=False)
    assert "dropped 2 legacy instance-norm statistics" in capsys.readouterr().out
    out = translate.run_padded(generator, torch.zeros(1, 3, 30, 42))
    assert out.shape == (1, 3, 30, 42) and out.abs().max() <= 1


def test_a_pickle_with_code_is_refused(tmp_path):
    class Payload:
        def __reduce__(self):
            return (print, ("this must never run",))

    (tmp_path / "evil.pth").write_bytes(pickle.dumps({"model.1.weight": Payload()}))
    with pytest.raises(checkpoints.CheckpointError, match="not a plain state dict"):
        translate.load_official("evil", CPU, folder=tmp_path, fetch=False)


def test_missing_file_names_the_fetch_command(tmp_path):
    with pytest.raises(translate.WeightsMissing, match=r"python -m playground\.fetch cyclegan zebra2horse"):
        translate.load_official("zebra2horse", CPU, folder=tmp_path, fetch=False)


@pytest.fixture
def small_translator():
    torch.manual_seed(0)
    config = CycleGANConfig(ngf=8, n_blocks=2)
    return translate.Translator("a ↔ b", "a", "b", ResnetGenerator(config).eval(), ResnetGenerator(config).eval(), CPU)


@pytest.mark.parametrize("mode", ["RGB", "L", "RGBA"])
def test_any_size_and_mode_comes_back_the_same_size(small_translator, mode):
    image = Image.new(mode, (333, 517))
    result = small_translator.translation(image.convert("RGB"), direction="A→B", identity=True)
    assert result.output.size == result.reconstruction.size == result.identity.size == (333, 517)
    assert result.notice == ""


def test_large_inputs_are_downscaled_with_a_notice(small_translator):
    result = small_translator.translation(Image.new("RGB", (1200, 300)), direction="B→A", max_side=400)
    assert result.output.size == (400, 100) and "Downscaled from 1200×300 to 400×100" in result.notice
    with pytest.raises(ValueError, match="Direction"):
        small_translator.translation(Image.new("RGB", (8, 8)), direction="sideways")


def test_tiny_images_pad_by_replication(small_translator):
    assert small_translator.translation(Image.new("RGB", (3, 2))).output.size == (3, 2)


# -- fetching against a local HTTP server ------------------------------------------------------------------
class Files(http.server.BaseHTTPRequestHandler):
    routes: ClassVar[dict[str, tuple[int, bytes, int | None]]] = {}  # path → (status, body, Content-Length)

    def do_GET(self):
        status, body, length = self.routes.get(self.path, (404, b"not found", None))
        self.send_response(status)
        self.send_header("Content-Length", str(length if length is not None else len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Files)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_fetch_success_records_the_hash(server, tmp_path):
    body = pth_bytes(official_state())
    Files.routes = {"/ok.pth": (200, body, None)}
    path = translate.fetch_official("ok", folder=tmp_path, url=f"{server}/ok.pth")
    assert path.read_bytes() == body
    assert HashBook(tmp_path).get("ok") == {"sha256": hashlib.sha256(body).hexdigest(), "size": len(body)}
    translate.load_official("ok", CPU, folder=tmp_path, fetch=False)  # verifies against the record


def test_fetch_404(server, tmp_path):
    Files.routes = {}
    with pytest.raises(DownloadError, match="HTTP 404"):
        translate.fetch_official("gone", folder=tmp_path, url=f"{server}/gone.pth")
    assert not list(tmp_path.glob("gone.pth*"))


def test_fetch_truncated_body(server, tmp_path):
    Files.routes = {"/cut.pth": (200, b"x" * 1000, 5000)}
    with pytest.raises(DownloadError, match="truncated"):
        translate.fetch_official("cut", folder=tmp_path, url=f"{server}/cut.pth")
    assert not list(tmp_path.glob("cut.pth*"))


def test_fetch_checksum_mismatch_keeps_nothing(server, tmp_path):
    HashBook(tmp_path).record("changed", "0" * 64, 10)
    Files.routes = {"/changed.pth": (200, b"different bytes", None)}
    with pytest.raises(DownloadError, match="checksum"):
        translate.fetch_official("changed", folder=tmp_path, url=f"{server}/changed.pth")
    assert not (tmp_path / "changed.pth").exists()


def test_a_tampered_cached_file_is_refused(server, tmp_path):
    Files.routes = {"/t.pth": (200, pth_bytes(official_state()), None)}
    translate.fetch_official("t", folder=tmp_path, url=f"{server}/t.pth")
    (tmp_path / "t.pth").write_bytes(pth_bytes(official_state(legacy=True)))
    with pytest.raises(checkpoints.CheckpointError, match="does not match the hash recorded"):
        translate.load_official("t", CPU, folder=tmp_path, fetch=False)


def test_unreachable_host_fails_fast(tmp_path, monkeypatch):
    monkeypatch.setattr(translate, "OFFICIAL_URL", "http://127.0.0.1:9/{name}.pth")  # the discard port: refused
    start = time.monotonic()
    with pytest.raises(translate.WeightsMissing, match="Fetch it with"):
        translate.load_official("horse2zebra", CPU, folder=tmp_path)
    assert time.monotonic() - start < 5


def test_outputs_are_images(small_translator):
    result = small_translator.translation(Image.new("RGB", (40, 24), (200, 30, 30)))
    assert np.asarray(result.output).shape == (24, 40, 3)
