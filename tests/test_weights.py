"""The weights catalogue and its downloads, driven through the real `huggingface_hub` client against a local
stand-in for the Hub, and through plain URL downloads from a loopback server: success, a server killed
mid-file, a truncated or corrupt file, no network, two callers at once, and offline mode."""

from __future__ import annotations

import hashlib
import io
import itertools
import os
import subprocess
import sys
import threading

import pytest
import torch
from PIL import Image
from safetensors.torch import save as safetensors_bytes

from bench.hub_standin import StandIn, repo_from_folder
from bench.server import REPO
from playground import hub, weights
from playground.errors import DownloadError, WeightsMissing
from playground.pipelines import caption, style, translate

CPU = torch.device("cpu")
CAPTION_REPO = caption.REGISTRY["vit-gpt2"].repo


@pytest.fixture
def fresh(monkeypatch, tmp_path):
    """Empty caches everywhere (HF_HOME, TORCH_HOME, the CycleGAN folder) and downloads allowed."""
    for name in ("HF_HUB_CACHE", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "PLAYGROUND_OFFLINE", "HF_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.setattr(translate, "OFFICIAL_DIR", tmp_path / "cyclegan")
    return tmp_path


@pytest.fixture(scope="module")
def vgg_state() -> dict[str, torch.Tensor]:
    """VGG19's convolutional stack at its real shapes (random numbers), named as timm and torchvision name it,
    plus a small classifier entry of timm's kind that the loader must ignore."""
    torch.manual_seed(3)
    state = {f"features.{k}": v for k, v in style.vgg19_features().state_dict().items()}
    return state | {"head.fc.weight": torch.zeros(4, 8)}


@pytest.fixture(scope="module")
def vgg_pth(vgg_state) -> bytes:
    buffer = io.BytesIO()
    torch.save(vgg_state, buffer)
    return buffer.getvalue()


@pytest.fixture
def hub_server(fresh, monkeypatch, tiny_captioner_dir, vgg_state):
    server = StandIn({
        CAPTION_REPO: repo_from_folder(tiny_captioner_dir),
        style.VGG19_HUB_REPO: {"config.json": b"{}", style.VGG19_HUB_FILE: safetensors_bytes(vgg_state)},
    })  # fmt: skip
    monkeypatch.setenv("HF_ENDPOINT", server.url)
    yield server
    server.stop()


def leftovers(folder) -> list[str]:
    """Partial files anywhere under a cache: the Hub client's *.incomplete, our *.part."""
    return [p.name for p in folder.rglob("*") if p.name.endswith((".incomplete", ".part"))]


def test_vgg19_from_timm_maps_onto_the_feature_stack():
    timm = pytest.importorskip("timm")
    with torch.device("meta"):  # shapes and names only: no 575 MB of random numbers
        model = timm.create_model("vgg19.tv_in1k", pretrained=False)
    theirs = style.features_state(model.state_dict())
    ours = style.vgg19_features().state_dict()
    assert {k: tuple(v.shape) for k, v in theirs.items()} == {k: tuple(v.shape) for k, v in ours.items()}


def test_every_registry_model_is_listed_with_a_size_and_a_command(fresh):
    for key in weights.registry_keys():
        entry = weights.get(key)
        assert entry.size_mb and entry.size_mb > 10 and entry.command.startswith("python -m playground.fetch ")
        assert entry.present() is False
    with pytest.raises(ValueError, match="Nothing downloadable"):
        weights.get("nonsense")


def test_captioner_downloads_through_the_hub_client_and_captions(hub_server, fresh):
    seen: list[tuple[int, int | None]] = []
    weights.fetch("caption:vit-gpt2", lambda done, total: seen.append((done, total)))
    total = sum(len(b) for b in hub_server.repos[CAPTION_REPO].values())
    assert seen[-1] == (total, total) and len(seen) > 2  # progress over the whole model, ending complete
    assert all(b >= a for (a, _), (b, _) in itertools.pairwise(seen))
    assert weights.present("caption:vit-gpt2")
    assert (fresh / "hf" / "hub" / f"models--{CAPTION_REPO.replace('/', '--')}").is_dir()  # the Hub's own cache
    report = caption.load_captioner("vit-gpt2", CPU).captions(Image.new("RGB", (40, 30)), beams=2, steps=4)
    assert isinstance(report.greedy.text, str) and report.beams
    weights.fetch("caption:vit-gpt2")  # already here: no second download
    assert hub_server.gets[f"{CAPTION_REPO}/model.safetensors"] == 1


def test_prefers_safetensors_over_pickles(hub_server, fresh):
    repo = hub_server.repos[CAPTION_REPO]
    repo["pytorch_model.bin"] = b"\x80" * 5000  # a pickle beside the safetensors: never fetched
    repo["flax_model.msgpack"] = b"\x00" * 5000
    names = [f.path for f in hub.plan(CAPTION_REPO)]
    assert "model.safetensors" in names and "pytorch_model.bin" not in names and "flax_model.msgpack" not in names
    assert names[-1] == "model.safetensors"  # the weights last: config and tokenizer are there before them
    del repo["model.safetensors"]  # a repository with pickles only (nlpconnect's ViT-GPT-2 is one): its PyTorch file
    names = [f.path for f in hub.plan(CAPTION_REPO)]
    assert names[-1] == "pytorch_model.bin" and "flax_model.msgpack" not in names and "config.json" in names


def test_server_killed_mid_file_leaves_nothing_and_a_retry_works(hub_server, fresh):
    hub_server.cut.add("model.safetensors")
    hub_server.die_on_cut = True
    with pytest.raises(DownloadError) as failure:
        weights.fetch("caption:vit-gpt2")
    message = str(failure.value)
    assert message.startswith("Could not download ViT + GPT-2") and "try again" in message
    assert "\n" not in message and "Traceback" not in message
    assert not weights.present("caption:vit-gpt2") and leftovers(fresh / "hf") == []
    with pytest.raises(WeightsMissing):
        caption.load_captioner("vit-gpt2", CPU)
    hub_server.restart()
    weights.fetch("caption:vit-gpt2")
    assert weights.present("caption:vit-gpt2")
    caption.load_captioner("vit-gpt2", CPU)


def test_corrupt_file_from_the_hub_is_refused_and_removed(hub_server, fresh):
    real = hub_server.repos[CAPTION_REPO]["model.safetensors"]
    hub_server.tampered[f"{CAPTION_REPO}/model.safetensors"] = bytes(reversed(real))  # same size, other bytes
    with pytest.raises(DownloadError, match="failed its checksum"):
        weights.fetch("caption:vit-gpt2")
    assert not weights.present("caption:vit-gpt2") and leftovers(fresh / "hf") == []
    hub_server.tampered.clear()
    weights.fetch("caption:vit-gpt2")
    assert weights.present("caption:vit-gpt2")


def test_no_network_is_one_sentence(fresh, monkeypatch):
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # the discard port: connection refused
    with pytest.raises(DownloadError, match="could not be reached") as failure:
        weights.fetch("caption:vit-gpt2")
    assert "\n" not in str(failure.value)


def test_two_callers_at_once_cause_one_download(hub_server, fresh):
    hub_server.delay = 0.01  # ~4 blocks of 64 KiB: long enough for the second caller to arrive mid-download
    progress: dict[int, list] = {0: [], 1: []}
    errors: list[Exception] = []
    start = threading.Barrier(2)

    def press(i: int) -> None:
        start.wait()
        try:
            weights.fetch("caption:vit-gpt2", lambda done, total: progress[i].append(done), poll=0.005)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=press, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert (
        hub_server.gets[f"{CAPTION_REPO}/model.safetensors"] == 1
        and hub_server.gets[f"{CAPTION_REPO}/config.json"] == 1
    )
    assert progress[0] and progress[1]  # the one who waited watched the same download's progress
    assert weights.present("caption:vit-gpt2")


def test_offline_never_downloads_and_keeps_the_message(hub_server, fresh, monkeypatch):
    for name in ("PLAYGROUND_OFFLINE", "HF_HUB_OFFLINE"):
        with monkeypatch.context() as m:
            m.setenv(name, "1")
            weights.ensure("caption:vit-gpt2")  # offline: nothing happens ...
            with pytest.raises(WeightsMissing, match=r"python -m playground\.fetch caption vit-gpt2"):
                caption.load_captioner("vit-gpt2", CPU)  # ... and the loader says what is missing, as before
            with pytest.raises(DownloadError, match="switched off"):
                weights.fetch("caption:vit-gpt2")
    assert sum(hub_server.gets.values()) == 0


def test_first_use_downloads_when_online(hub_server, fresh):
    weights.ensure("caption:vit-gpt2")
    assert weights.present("caption:vit-gpt2") and hub_server.gets[f"{CAPTION_REPO}/model.safetensors"] == 1


# -- VGG19: the Hub first, torchvision's URL second -------------------------------------------------------------
def test_vgg19_from_the_hub_loads_into_gatys(hub_server, fresh, vgg_state):
    assert not style.vgg19_present()
    weights.fetch("vgg19")
    assert style.vgg19_hub_path() is not None and not style.vgg19_weights_path().exists()
    loaded = style.load_vgg19_features().state_dict()
    assert all(torch.equal(loaded[k], vgg_state[f"features.{k}"]) for k in loaded)
    gatys = style.Gatys(style.load_vgg19_features(), CPU)
    square = Image.new("RGB", (32, 32), (200, 40, 40))
    steps = list(
        gatys.stylized(square, styles=[(square, 1.0)], settings=style.GatysSettings(steps=1, size=32), every=1)
    )
    assert steps[-1].image.size == (32, 32)


@pytest.fixture
def url_server(monkeypatch, vgg_pth):
    """A loopback server for the URL downloads; the Hub itself unreachable (the fallback path)."""
    server = StandIn(files={"/vgg19.pth": vgg_pth})
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")
    monkeypatch.setattr(style, "VGG19_WEIGHTS_URL", f"{server.url}/vgg19.pth")
    monkeypatch.setattr(style, "VGG19_SHA256_PREFIX", hashlib.sha256(vgg_pth).hexdigest()[:8])
    yield server
    server.stop()


def test_vgg19_falls_back_to_the_torchvision_url(url_server, fresh, vgg_state):
    seen = []
    weights.fetch("vgg19", lambda done, total: seen.append(done))
    assert style.vgg19_weights_path().exists() and seen[-1] == len(url_server.files["/vgg19.pth"])
    loaded = style.load_vgg19_features().state_dict()
    assert all(torch.equal(loaded[k], vgg_state[f"features.{k}"]) for k in loaded)


def test_vgg19_fallback_truncated_wrong_hash_and_no_network(url_server, fresh, monkeypatch):
    torch_dir = style.vgg19_weights_path().parent
    url_server.cut.add("/vgg19.pth")  # half the bytes, then the connection closes
    with pytest.raises(DownloadError, match="truncated") as failure:
        weights.fetch("vgg19")
    assert "neither the Hub" in str(failure.value) and "\n" not in str(failure.value)
    assert not style.vgg19_present() and leftovers(torch_dir.parent) == []
    url_server.cut.clear()

    monkeypatch.setattr(style, "VGG19_SHA256_PREFIX", "00000000")
    with pytest.raises(DownloadError, match="checksum"):
        weights.fetch("vgg19")
    assert not style.vgg19_present() and leftovers(torch_dir.parent) == []

    monkeypatch.setattr(style, "VGG19_WEIGHTS_URL", "http://127.0.0.1:9/vgg19.pth")
    with pytest.raises(DownloadError, match="Could not download VGG19"):
        weights.fetch("vgg19")
    with pytest.raises(style.WeightsMissing, match=r"python -m playground\.fetch vgg19"):
        style.load_vgg19_features()


# -- published CycleGANs by URL ----------------------------------------------------------------------------------
@pytest.fixture
def cyclegan_server(monkeypatch):
    from tests.test_cyclegan import official_state, pth_bytes

    body = pth_bytes(official_state())
    server = StandIn(files={"/style_vangogh.pth": body})
    monkeypatch.setattr(translate, "OFFICIAL_URL", server.url + "/{name}.pth")
    yield server
    server.stop()


def test_published_cyclegan_download_truncated_corrupt_and_retry(cyclegan_server, fresh):
    folder = translate.OFFICIAL_DIR
    assert not weights.present("cyclegan:style_vangogh")
    cyclegan_server.cut.add("/style_vangogh.pth")
    with pytest.raises(DownloadError, match="truncated"):
        weights.fetch("cyclegan:style_vangogh")
    assert leftovers(folder) == [] and not weights.present("cyclegan:style_vangogh")
    cyclegan_server.cut.clear()

    seen = []
    weights.fetch("cyclegan:style_vangogh", lambda done, total: seen.append((done, total)))
    size = len(cyclegan_server.files["/style_vangogh.pth"])
    assert seen[-1] == (size, size) and weights.present("cyclegan:style_vangogh")
    translator = translate.load_official_pair("style_vangogh", CPU, folder=folder, fetch=False)
    assert translator.translation(Image.new("RGB", (40, 24))).output.size == (40, 24)

    # the recorded hash now guards the file: a changed file on the server is refused, the good copy kept
    (folder / "style_vangogh.pth").unlink()
    cyclegan_server.files["/style_vangogh.pth"] = b"x" * size
    with pytest.raises(DownloadError, match="checksum"):
        weights.fetch("cyclegan:style_vangogh")
    assert leftovers(folder) == [] and not weights.present("cyclegan:style_vangogh")


def test_published_cyclegan_no_network(fresh, monkeypatch):
    monkeypatch.setattr(translate, "OFFICIAL_URL", "http://127.0.0.1:9/{name}.pth")
    with pytest.raises(DownloadError, match="Could not download photo ↔ Van Gogh generators") as failure:
        weights.fetch("cyclegan:style_vangogh")
    assert "\n" not in str(failure.value) and leftovers(translate.OFFICIAL_DIR) == []


# -- the shell command goes through the same module ---------------------------------------------------------------
def test_fetch_command_downloads_through_the_same_path(hub_server, fresh):
    def run(*args: str, **env: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "playground.fetch", *args], cwd=REPO, capture_output=True,
                              text=True, timeout=120, env={**os.environ, **env})  # fmt: skip

    refused = run("caption", "vit-gpt2", PLAYGROUND_OFFLINE="1")
    assert refused.returncode == 1 and "Downloads are switched off" in refused.stderr
    assert sum(hub_server.gets.values()) == 0
    done = run("caption", "vit-gpt2")
    assert done.returncode == 0 and "ViT + GPT-2 (nlpconnect): ready" in done.stdout
    assert weights.present("caption:vit-gpt2") and hub_server.gets[f"{CAPTION_REPO}/model.safetensors"] == 1
    listing = run("list")
    assert "caption vit-gpt2" in listing.stdout and "(ready)" in listing.stdout and "575 MB" in listing.stdout
