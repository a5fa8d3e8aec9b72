"""The real app, started with an empty cache and HF_ENDPOINT pointing at a local stand-in for the Hub, driven
through gradio_client: each tab says what needs a download before any click, its download button fetches
through the real `huggingface_hub` client with progress, and the tab then works without a restart."""

from __future__ import annotations

import threading
import time

import pytest
import torch
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from safetensors.torch import save as safetensors_bytes

from bench.hub_standin import StandIn, repo_from_folder
from bench.server import REPO, running_app
from playground.pipelines import caption, style

VIT, BLIP = caption.REGISTRY["vit-gpt2"].repo, caption.REGISTRY["blip"].repo
HOUSE = REPO / "assets" / "examples" / "house.png"


@pytest.fixture(scope="module")
def hub_server(tiny_captioner_dir, tiny_blip_dir):
    torch.manual_seed(5)
    vgg = {f"features.{k}": v for k, v in style.vgg19_features().state_dict().items()}
    from tests.test_cyclegan import official_state, pth_bytes

    server = StandIn({
        VIT: repo_from_folder(tiny_captioner_dir), BLIP: repo_from_folder(tiny_blip_dir),
        style.VGG19_HUB_REPO: {"config.json": b"{}", style.VGG19_HUB_FILE: safetensors_bytes(vgg)},
    }, files={"/cyclegan/style_vangogh.pth": pth_bytes(official_state())})  # fmt: skip
    yield server
    server.stop()


@pytest.fixture(scope="module")
def app(hub_server, tiny_checkpoints, tmp_path_factory):
    home = tmp_path_factory.mktemp("hf")
    env = {
        "HF_ENDPOINT": hub_server.url, "HF_HOME": str(home), "HF_HUB_CACHE": "", "HF_HUB_OFFLINE": "",
        "PLAYGROUND_OFFLINE": "", "TORCH_HOME": str(tmp_path_factory.mktemp("torch")),
        "PLAYGROUND_CYCLEGAN_URL": hub_server.url + "/cyclegan/{name}.pth",
    }  # fmt: skip
    with running_app(tiny_checkpoints, tmp_path_factory.mktemp("cache"), env=env) as (url, _, log):
        yield url, home, log


@pytest.fixture(scope="module")
def client(app):
    return Client(app[0], verbose=False)


def leftovers(folder) -> list[str]:
    return [p.name for p in folder.rglob("*") if p.name.endswith((".incomplete", ".part"))]


def ready(status: str, label: str) -> bool:
    """Whether a tab's status line lists `label` among what is ready (before any "Needs a download")."""
    return status.startswith("**Ready:**") and label in status.split("**Needs a download:**")[0]


def press(client: Client, model: str) -> tuple[tuple, list]:
    """Press a download button through the API; returns its outputs and the progress updates it sent."""
    job = client.submit(model, api_name="/caption_download")
    progress = []
    while not job.done():
        status = job.status()
        if status.progress_data:
            progress.append(status.progress_data[0].progress)
        time.sleep(0.02)
    return job.result(), progress


def test_tabs_say_what_needs_a_download_before_any_click(client):
    status = client.predict("vit-gpt2", api_name="/caption_weights")  # (buttons are not part of the API)
    assert "Needs a download" in status and "ViT + GPT-2" in status and "BLIP" in status and "Ready" not in status
    assert "982 MB" in status
    status = client.predict(api_name="/style_weights")
    assert "Needs a download" in status and "VGG19" in status and "575 MB" in status
    picker, status = client.predict("cyclegan-sneaker-boot", api_name="/cyclegan_weights")
    labels = dict((key, label) for label, key in picker["choices"])
    assert picker["value"] == "cyclegan-sneaker-boot" and labels["cyclegan-sneaker-boot"].endswith("(trained here)")
    assert labels["horse2zebra"].endswith("— download 92 MB") and labels["style_vangogh"].endswith("— download 46 MB")
    assert "Sneaker ↔ Ankle boot (trained here)" in status and "9 published pairs" in status


def test_caption_download_with_progress_then_a_caption(client, hub_server, app):
    hub_server.delay = 0.05  # ~4 blocks of 64 KiB per megabyte: slow enough to watch
    status, progress = press(client, "vit-gpt2")
    hub_server.delay = 0.0
    assert ready(status, "ViT + GPT-2")
    assert progress and all(0 <= p <= 1 for p in progress if p is not None)
    table, result = client.predict(handle_file(str(HOUSE)), "vit-gpt2", 2, 2, 5, 0, 1.0, 1.0, api_name="/caption")
    assert "greedy" in table and isinstance(result["greedy"]["text"], str)
    assert hub_server.gets[f"{VIT}/model.safetensors"] == 1


def test_killed_server_mid_file_then_retry(client, hub_server, app):
    _, home, _ = app
    hub_server.cut.add("model.safetensors")
    hub_server.die_on_cut = True
    with pytest.raises(AppError) as failure:
        client.predict("blip", api_name="/caption_download")
    message = str(failure.value)
    assert "Could not download BLIP base" in message and "try again" in message and "\n" not in message
    assert leftovers(home) == []
    blobs = home / "hub" / f"models--{BLIP.replace('/', '--')}" / "snapshots"
    assert not list(blobs.rglob("model.safetensors"))
    hub_server.restart()
    # the retry: pressing Caption itself, whose first use downloads the missing model (online)
    table, _ = client.predict(handle_file(str(HOUSE)), "blip", 2, 2, 5, 0, 1.0, 1.0, api_name="/caption")
    assert "greedy" in table
    status = client.predict("blip", api_name="/caption_weights")
    assert "BLIP base" in status.split("Needs a download")[0]  # now among the ready ones


def test_two_presses_at_once_cause_one_download(app, hub_server):
    hub_server.delay = 0.003  # 80 MB in ~4 s: the second press arrives mid-download
    results: list = []

    def one() -> None:
        results.append(Client(app[0], verbose=False).predict(api_name="/style_download"))

    threads = [threading.Thread(target=one) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    hub_server.delay = 0.0
    assert len(results) == 2 and all(ready(status, "VGG19") for status in results)
    assert hub_server.gets[f"{style.VGG19_HUB_REPO}/{style.VGG19_HUB_FILE}"] == 1


def test_gatys_works_after_the_download_without_a_restart(client):
    steps = client.predict(handle_file(str(HOUSE)), [handle_file(str(HOUSE))], "", False, 10, 64, 1e6, 1.0, 1e-3,
                           "adam", "content", ["conv1_1"], api_name="/style_gatys")  # fmt: skip
    assert "Step 10/10" in steps[1]


def test_cyclegan_picker_download_then_translate(client, hub_server):
    picker, status = client.predict("style_vangogh", api_name="/cyclegan_download")
    labels = dict((key, label) for label, key in picker["choices"])
    assert labels["style_vangogh"].endswith("— ready") and "photo ↔ Van Gogh" in status.split("Needs a download")[0]
    out, back, _, notice = client.predict(handle_file(str(HOUSE)), "style_vangogh", "A→B", False,
                                          api_name="/cyclegan_translate")  # fmt: skip
    assert out and back is None and "no cycle back" in notice
    assert hub_server.gets["/cyclegan/style_vangogh.pth"] == 1


def test_server_log_has_no_traceback(app):
    assert "Traceback" not in app[2].read_text()
