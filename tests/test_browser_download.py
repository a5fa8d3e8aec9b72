"""Slow: a fresh cache, the real app pointed at a local stand-in for the Hub, and Debian's Chromium through
Playwright — the Captioning tab says what needs a download before any click, the button downloads with a
progress bar, and a caption appears."""

from __future__ import annotations

import pytest

from bench.hub_standin import StandIn, repo_from_folder
from playground.pipelines import caption
from tests.browser_harness import EXAMPLES, serve

pytestmark = pytest.mark.slow
VIT = caption.REGISTRY["vit-gpt2"].repo


@pytest.fixture(scope="module")
def hub_server(tiny_captioner_dir):
    server = StandIn({VIT: repo_from_folder(tiny_captioner_dir)})
    yield server
    server.stop()


@pytest.fixture(scope="module")
def app(hub_server, tiny_checkpoints, tmp_path_factory):
    env = {"HF_ENDPOINT": hub_server.url, "HF_HUB_OFFLINE": "", "PLAYGROUND_OFFLINE": ""}  # online, to the stand-in
    with serve(tiny_checkpoints, tmp_path_factory.mktemp("cache"), env=env) as running:
        yield running


def test_fresh_cache_download_from_the_captioning_tab_then_a_caption(person, hub_server):
    page = person.page
    page.get_by_role("tab", name="Captioning").click()
    status = page.locator("#caption-weights")
    status.get_by_text("Needs a download").wait_for()
    button = page.locator("#caption-download")
    assert button.inner_text().strip() == "Download ViT + GPT-2 (nlpconnect) — 982 MB"

    hub_server.delay = 0.3  # a slow network, so the bar is on screen long enough to see
    button.click()
    page.get_by_text("Downloading ViT + GPT-2 (nlpconnect)").first.wait_for()  # gr.Progress's line
    person.shot("-downloading")
    hub_server.delay = 0.0
    status.get_by_text("Ready:").wait_for()
    button.wait_for(state="hidden")
    assert hub_server.gets[f"{VIT}/model.safetensors"] == 1

    page.locator("#caption-input input[type=file]").set_input_files(str(EXAMPLES / "house.png"))
    page.locator("#caption-go").click()
    page.locator("#caption-table").get_by_text("greedy").wait_for()
