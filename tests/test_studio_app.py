"""The Studio through the real app (gradio_client): hostile zips get one sentence and the server keeps serving;
a CGAN trained from the API reaches the Conditional tab's endpoints."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from PIL import Image

from bench.server import running_app
from bench.zips import fashion_zip
from playground.studio.jobs import new_visitor
from tests.test_studio_uploads import HOSTILE


@pytest.fixture(scope="module")
def app(tiny_checkpoints, tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache")
    env = {"PLAYGROUND_OFFLINE": "1", "TORCH_HOME": str(tmp_path_factory.mktemp("torch"))}
    with running_app(tiny_checkpoints, cache, env=env) as (url, _, log):
        yield url, cache, log


@pytest.fixture(scope="module")
def client(app):
    return Client(app[0], verbose=False)


def files_outside(cache: Path) -> dict[str, int]:
    """Every file the server has written, except Gradio's upload folder (where uploads land) and the runs."""
    skip = (cache / "gradio", cache / "studio-runs")
    return {str(p): p.stat().st_size for p in cache.rglob("*")
            if p.is_file() and not any(p.is_relative_to(s) for s in skip) and p.name != "server.log"}  # fmt: skip


def prepare(client, visitor, path, family="cgan", size=28, colour=1):
    return client.predict(visitor, "zip", handle_file(str(path)), size, colour, family, api_name="/studio_prepare")


def test_hostile_zips_get_one_sentence_and_the_server_keeps_serving(app, client, tmp_path):
    _, cache, log = app
    visitor = new_visitor()
    before = files_outside(cache)
    for name, (make, sentence) in HOSTILE.items():
        path = tmp_path / f"{name}.zip"
        make(path)
        with pytest.raises(AppError) as refused:
            prepare(client, visitor, path)
        assert sentence in str(refused.value), name
        assert httpx.get(app[0], timeout=30).status_code == 200  # still serving
    runs = cache / "studio-runs"
    assert not [p for p in runs.rglob("*") if p.is_file() and p.name != ".browser-secret"]  # nothing kept
    assert files_outside(cache) == before  # nothing written anywhere else either
    picture, _ = client.predict("infogan-mnist", 42, 3, 0.5, -0.5, api_name="/infogan_generate")
    assert Image.open(picture).size == (280, 280)  # and the models still answer
    assert "Traceback" not in log.read_text()


def test_a_cgan_trained_from_the_page_draws_in_the_conditional_tab(app, client, tmp_path, fixture_data_dir):
    visitor = new_visitor()
    assert client.predict(visitor, api_name="/studio_status")[0] == "No training yet."
    grid, text = prepare(client, visitor, fashion_zip(tmp_path / "clothes.zip", fixture_data_dir))
    assert "200 pictures at 28 px, grey, 2 classes" in text and Image.open(grid).height >= 2 * 56
    status, _ = client.predict(visitor, "zip", None, 28, 1, "cgan", 1, 32, 8, 2e-4, 0, 0, 2,
                               api_name="/studio_start")  # fmt: skip
    assert "Starting" in status
    with pytest.raises(AppError, match="You already have a training job running"):
        client.predict(visitor, "zip", None, 28, 1, "cgan", 1, 32, 8, 2e-4, 0, 0, 2, api_name="/studio_start")
    deadline = time.monotonic() + 180
    picker = commands = sample = None
    while time.monotonic() < deadline:
        status, new_sample, _, _, new_commands, cgan_picker, _, _ = client.predict(visitor, api_name="/studio_status")
        picker = cgan_picker if isinstance(cgan_picker, dict) and cgan_picker.get("choices") else picker
        commands = new_commands if isinstance(new_commands, str) else commands
        sample = new_sample if isinstance(new_sample, str) else sample
        if "Finished" in status:
            break
        time.sleep(1)
    assert "Finished" in status and "step 6/6" in status, status
    assert picker is not None and "--resume" in commands and "--epochs 6" in commands  # finished: 5 more
    assert Image.open(sample).size == (2 * (10 * 30 + 2), 2 * (2 * 30 + 2))  # 10 per class, shown doubled
    mine = [value for label, value in picker["choices"] if label.startswith("Yours: cgan-clothes")]
    assert len(mine) == 1 and "cgan-mnist" in [value for _, value in picker["choices"]]  # the shipped one stays

    classes = client.predict(mine[0], api_name="/cgan_classes")
    assert classes["choices"] == [["Clothes", "Clothes"], ["Shoes and bags", "Shoes and bags"]]
    picture, verdict, _ = client.predict(mine[0], ["Clothes", "Shoes and bags"], 4, 7, api_name="/cgan_generate")
    width, height = Image.open(picture).size
    assert width > 4 * 112 and height > 2 * 112 and "judge" in verdict  # no judge for a zip: it says so

    download = client.predict(visitor, api_name="/studio_download")
    assert Path(download).suffix == ".zip"


def test_an_infogan_trained_from_the_page_moves_in_the_latent_explorer(app, client, tmp_path, fixture_data_dir):
    visitor = new_visitor()
    prepare(client, visitor, fashion_zip(tmp_path / "clothes.zip", fixture_data_dir), family="infogan")
    client.predict(visitor, "zip", None, 28, 1, "infogan", 1, 32, 8, 2e-4, 0, 2, 2, api_name="/studio_start")
    deadline, picker = time.monotonic() + 180, None
    while time.monotonic() < deadline:
        status, *_, latent_picker, _ = client.predict(visitor, api_name="/studio_status")
        picker = latent_picker if isinstance(latent_picker, dict) and latent_picker.get("choices") else picker
        if "Finished" in status:
            break
        time.sleep(1)
    assert "Finished" in status and picker is not None, status
    mine = [value for label, value in picker["choices"] if label.startswith("Yours: infogan-clothes")]
    categories, _ = client.predict(mine[0], api_name="/infogan_categories")
    assert [label for label, _ in categories["choices"]] == [f"category {k}" for k in range(10)]  # not named yet
    first, settings = client.predict(mine[0], 42, 0, 0.5, -0.5, api_name="/infogan_generate")
    other, _ = client.predict(mine[0], 42, 0, -1.5, -0.5, api_name="/infogan_generate")
    assert Image.open(first).size == (280, 280) and mine[0] in settings
    assert Image.open(first).tobytes() != Image.open(other).tobytes()  # the code moves the picture
