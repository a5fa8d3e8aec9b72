"""Slow: the Studio in Debian's Chromium — a zip of 200 Fashion-MNIST pictures in two class folders (built here
from the test fixtures) → CGAN → one epoch → the page is reloaded and finds the job again → the new model is
picked in the Conditional tab and draws a grid."""

from __future__ import annotations

import re

import pytest
from PIL import Image

from bench.server import running_app
from bench.zips import fashion_zip
from tests.browser_harness import ARTIFACTS
from tests.test_browser import CHECKPOINTS, needs, picture, wait_for_new_picture

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def studio_url(tmp_path_factory):
    env = {"PLAYGROUND_OFFLINE": "1", "TORCH_HOME": str(tmp_path_factory.mktemp("torch"))}
    with running_app(CHECKPOINTS, tmp_path_factory.mktemp("cache"), env=env) as (url, _, log):
        yield url
        assert "Traceback" not in log.read_text()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def set_number(page, elem_id: str, value: str) -> None:
    box = page.locator(f"#{elem_id} input[type=number]").first
    box.fill(value)
    box.press("Tab")


@needs("cgan")
def test_train_a_cgan_on_your_pictures_and_draw_with_it(browser, studio_url, tmp_path, fixture_data_dir):
    archive = fashion_zip(tmp_path / "clothes.zip", fixture_data_dir)
    context = browser.new_context(viewport={"width": 1300, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(120_000)
    page.goto(studio_url, wait_until="load")
    page.get_by_role("tab", name="Studio").click()

    page.locator("#studio-family").get_by_text("CGAN", exact=True).click()
    page.locator("#studio-source").get_by_text("My pictures (.zip)").click()
    page.locator("#studio-zip input[type=file]").set_input_files(str(archive))
    page.locator("#studio-data-text").get_by_text("200 pictures at 28 px, grey, 2 classes").wait_for()
    assert page.locator("#studio-data-text").get_by_text("Shoes and bags").count() == 1
    _, width, height = picture(page, "studio-data")
    assert height >= 2 * 56 and width > 8 * 56  # a row of 8 per class
    shot(page, "studio-data")

    set_number(page, "studio-epochs", "1")
    set_number(page, "studio-width", "16")
    page.locator("#studio-start").click()
    page.locator("#studio-status").get_by_text(re.compile("Training|Finished")).wait_for(timeout=180_000)

    page.reload(wait_until="load")  # the job runs in the server: the page finds it again
    page.get_by_role("tab", name="Studio").click()
    page.locator("#studio-status").get_by_text("Finished").wait_for(timeout=240_000)
    page.locator("#studio-model").get_by_text("is saved").wait_for()
    page.locator("#studio-sample img").wait_for()
    assert "--resume" in page.locator("#studio-commands").inner_text()
    shot(page, "studio-finished")

    page.get_by_role("tab", name="Conditional").click()
    before = picture(page, "cgan-grid")[0]
    page.locator("#cgan-model input").click()
    page.get_by_role("option", name=re.compile(r"Yours: cgan-clothes")).click()
    drawn, width, height = wait_for_new_picture(page, "cgan-grid", before)  # picking it draws at once
    page.locator("#cgan-seed input").fill("5")
    page.locator("#cgan-generate").click()
    _, width, height = wait_for_new_picture(page, "cgan-grid", drawn)
    assert width > 8 * 112 and 2 * 112 < height < 3 * 112  # 2 classes (rows) × 8 samples of 112 px
    shot(page, "studio-conditional")
    src = page.locator("#cgan-grid img").first.get_attribute("src")
    assert src
    context.close()


def test_fixture_zip_pictures_are_fashion_mnist(tmp_path, fixture_data_dir):
    import zipfile

    with zipfile.ZipFile(fashion_zip(tmp_path / "c.zip", fixture_data_dir)) as z:
        names = z.namelist()
        assert len(names) == 200 and {n.split("/")[1] for n in names} == {"Clothes", "Shoes and bags"}
        with z.open(names[0]) as f:
            assert Image.open(f).size == (28, 28)
