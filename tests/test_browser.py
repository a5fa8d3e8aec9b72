"""Slow: the real app with the shipped checkpoints, driven by Playwright in Debian's Chromium, one test per
tab. Each test sets controls, runs and checks the output picture changed and has the expected size; conftest's
`person` saves a screenshot under tests/artifacts/ (ignored by git) and fails the test on a red "Error" without
a sentence or a server traceback (tests/browser_harness.py)."""

from __future__ import annotations

import json

import pytest
from PIL import Image

from playground import settings
from tests.browser_harness import EXAMPLES, visit

pytestmark = pytest.mark.slow


CHECKPOINTS = settings.CHECKPOINT_DIR  # the shipped ones, unless PLAYGROUND_CHECKPOINTS points elsewhere
SHIPPED = {p.stem: json.loads(p.read_text()).get("family") for p in CHECKPOINTS.glob("*.json")}


def needs(family: str):
    """Skip a tab's test when no checkpoint of the family it shows is shipped (yet)."""
    return pytest.mark.skipif(family not in SHIPPED.values(), reason=f"no {family} checkpoint shipped")


@pytest.fixture(scope="module")
def app(shipped_app):
    return shipped_app  # conftest's: the shipped checkpoints (CHECKPOINTS), offline, an empty cache


@pytest.fixture(scope="module")
def tour(browser, app):
    """One page for the whole module, as a person going from tab to tab (one page load for ten tests)."""
    context, visitor = visit(browser, app, "tabs")
    yield visitor
    context.close()


@pytest.fixture
def page(request, tour):
    """The tour's page, checked per test as conftest's `person` is: the error watcher, the server-log check and a
    screenshot (tests/artifacts/tabs-<test>.png) after each test."""
    tour.name = f"tabs-{request.node.name.removeprefix('test_')}"
    tour.forget()
    tour.expected.clear()
    request.node.browser_person = tour
    return tour.page


def picture(page, elem_id: str) -> tuple[str, int, int]:
    """(src, natural width, natural height) of the image shown in a component, or ('', 0, 0)."""
    images = page.locator(f"#{elem_id} img")
    if images.count() == 0:
        return "", 0, 0
    src, width, height = images.first.evaluate("img => [img.src, img.naturalWidth, img.naturalHeight]")
    return src, width, height


def wait_for_new_picture(page, elem_id: str, before: str) -> tuple[str, int, int]:
    page.wait_for_function(
        """([id, before]) => { const img = document.querySelector(`#${id} img`);
               return img && img.src !== before && img.complete && img.naturalWidth > 0; }""",
        arg=[elem_id, before],
    )
    return picture(page, elem_id)


def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name, exact=True).filter(visible=True).click()


@needs("infogan")
def test_latent_explorer(page):
    open_tab(page, "Latent Explorer")
    page.locator("#latent-image img").wait_for()  # drawn when the page opens
    before, width, height = picture(page, "latent-image")
    assert (width, height) == (280, 280)
    seed = page.locator("#latent-seed input")
    seed.fill("1234")
    seed.press("Enter")
    after = wait_for_new_picture(page, "latent-image", before)
    assert after[1:] == (280, 280)


@needs("cgan")
def test_conditional(page):
    open_tab(page, "Conditional")
    before = picture(page, "cgan-grid")[0]
    page.locator("#cgan-seed input").fill("77")  # new noise: a new picture (same controls give the same pixels)
    page.locator("#cgan-generate").click()
    _, width, height = wait_for_new_picture(page, "cgan-grid", before)
    assert width > 8 * 112 and height > 4 * 112  # 4 classes × 8 samples of 112 px, plus labels


@needs("cyclegan")
def test_cyclegan(page):
    open_tab(page, "CycleGAN")
    upload = EXAMPLES / "beach.png"
    page.locator("#cyclegan-input input[type=file]").set_input_files(str(upload))
    page.locator("#cyclegan-go").click()
    _, width, height = wait_for_new_picture(page, "cyclegan-output", "")
    assert (width, height) == Image.open(upload).size


def test_style_transfer(page):
    open_tab(page, "Style transfer")
    upload = EXAMPLES / "house.png"
    page.locator("#style-content input[type=file]").set_input_files(str(upload))
    page.locator("#style-source").get_by_text("built-in styles").click()
    page.locator("#style-fast").click()
    _, width, height = wait_for_new_picture(page, "style-result", "")
    assert (width, height) == Image.open(upload).size


def test_captioning(page):
    open_tab(page, "Captioning")
    page.locator("#caption-input input[type=file]").set_input_files(str(EXAMPLES / "night-city.png"))
    page.locator("#caption-go").click()
    page.locator("#caption-table").get_by_text("greedy").wait_for()


def test_lab(page):
    open_tab(page, "Lab")
    open_tab(page, "2-D GAN")
    page.locator("#lab-picture img").wait_for()
    before = picture(page, "lab-picture")[0]
    page.locator("#lab-step").click()
    _, width, height = wait_for_new_picture(page, "lab-picture", before)
    assert (width, height) == (2 * 360 + 8, 360)


@needs("autoencoder")
def test_lab_autoencoders(page):
    open_tab(page, "Lab")
    open_tab(page, "Autoencoders")
    page.locator("#ae-go").click()
    _, width, height = wait_for_new_picture(page, "ae-output", "")
    assert (width, height) == (224, 224)


@needs("pix2pix")
def test_lab_pix2pix(page):
    open_tab(page, "Lab")
    open_tab(page, "Pix2Pix")
    page.locator("#sketch-upload input[type=file]").set_input_files(str(EXAMPLES / "sketch-boot.png"))
    page.locator("#sketch-go").click()
    _, width, height = wait_for_new_picture(page, "sketch-item", "")
    assert (width, height) == (256, 256)


@needs("dcgan")
def test_lab_gan_vs_dcgan(page):
    open_tab(page, "Lab")
    open_tab(page, "GAN vs DCGAN")
    page.locator("#dcgan-grid img").wait_for()  # drawn when the page opens
    before = picture(page, "dcgan-grid")[0]
    page.locator("#gan-vs-dcgan-seed input").fill("99")
    page.locator("#gan-vs-dcgan-go").click()
    _, width, _ = wait_for_new_picture(page, "dcgan-grid", before)
    assert width == picture(page, "gan-grid")[1] > 6 * 84


@needs("judge")
def test_models(page):
    open_tab(page, "Models")
    page.get_by_text("judge-fashion-mnist").first.wait_for()
