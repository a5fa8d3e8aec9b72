"""Slow: your own picture, the history and shared links, as a person uses them in Chromium — drawing with
the mouse, clicking, reloading, opening a link in a browser that has never seen the app."""

from __future__ import annotations

import io
import urllib.request

import numpy as np
import pytest
from PIL import Image

from bench.server import running_app
from playground import settings
from tests.browser_harness import ARTIFACTS

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    env = {"PLAYGROUND_OFFLINE": "1", "TORCH_HOME": str(tmp_path_factory.mktemp("torch"))}
    with running_app(settings.CHECKPOINT_DIR, tmp_path_factory.mktemp("cache"), env=env) as (url, _, log):
        yield url
        assert "Traceback" not in log.read_text()


def fresh_page(browser, url):
    context = browser.new_context(viewport={"width": 1300, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(120_000)
    page.goto(url, wait_until="load")
    page.locator("#latent-image img").wait_for()
    return context, page


def shown(page, elem_id: str) -> np.ndarray:
    """The pixels a picture component shows right now."""
    src = page.locator(f"#{elem_id} img").first.get_attribute("src")
    with urllib.request.urlopen(src, timeout=30) as reply:
        return np.asarray(Image.open(io.BytesIO(reply.read())).convert("RGB"))


def changed(page, elem_id: str, before: str) -> None:
    page.wait_for_function(
        "([id, before]) => { const i = document.querySelector(`#${id} img`); return i && i.src !== before && i.complete; }",
        arg=[elem_id, before],
    )


def src(page, elem_id: str) -> str:
    return page.locator(f"#{elem_id} img").first.get_attribute("src")


def draw(page, canvas_selector: str, points: list[tuple[float, float]]) -> None:
    """Mouse strokes through `points` (fractions of the canvas), as a hand draws them."""
    canvas = page.locator(canvas_selector).first
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + box["width"] * points[0][0], box["y"] + box["height"] * points[0][1])
    page.mouse.down()
    for x, y in points[1:]:
        page.mouse.move(box["x"] + box["width"] * x, box["y"] + box["height"] * y, steps=8)
    page.mouse.up()


def test_draw_an_item_invert_it_then_a_slider_edits_it(browser, app):
    context, page = fresh_page(browser, app)
    page.get_by_role("tab", name="Your own picture").click()
    # a pair of trousers, drawn stroke by stroke
    draw(page, "#latent-invert-pad canvas", [(0.35, 0.15), (0.65, 0.15), (0.7, 0.9), (0.55, 0.9), (0.5, 0.4),
                                              (0.45, 0.9), (0.3, 0.9), (0.35, 0.15)])  # fmt: skip
    steps = page.locator("#latent-invert-steps input[type=number]")
    steps.fill("60")
    steps.press("Enter")
    before = src(page, "latent-image")
    page.locator("#latent-invert-go").click()
    page.locator("#latent-invert-status").get_by_text("Step 60/60").wait_for()
    changed(page, "latent-image", before)
    page.locator("#latent-note").get_by_text("your picture's latent").wait_for()
    assert page.locator("#latent-invert-compare img").count() == 2  # original | reconstruction
    found = shown(page, "latent-image")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "latent-own-picture.png"), full_page=True)
    # drag code 1 to its right end: the inverted picture changes, and stays yours
    slider = page.locator("#latent-code-1 input[type=range]")
    slider.scroll_into_view_if_needed()
    box = slider.bounding_box()
    before = src(page, "latent-image")
    page.mouse.click(box["x"] + box["width"] * 0.97, box["y"] + box["height"] / 2)
    changed(page, "latent-image", before)
    assert not np.array_equal(shown(page, "latent-image"), found)
    context.close()


def test_three_pictures_survive_a_reload_and_a_click_brings_one_back(browser, app):
    context, page = fresh_page(browser, app)
    page.locator("#history-clear").click()
    seed = page.locator("#latent-seed input")
    for value in ("101", "102", "103"):
        before = src(page, "latent-image")
        seed.fill(value)
        seed.press("Enter")
        changed(page, "latent-image", before)
    page.wait_for_function("() => document.querySelectorAll('#history-strip img').length >= 3")
    page.reload(wait_until="load")
    page.locator("#latent-image img").wait_for()
    page.wait_for_function("() => document.querySelectorAll('#history-strip img').length >= 3")
    captions = page.locator("#history-strip").inner_text()
    assert all(f"seed {v}" in captions for v in ("101", "102", "103"))
    page.locator("#history-strip img[alt*='seed 102']").first.click()
    page.wait_for_function("() => document.querySelector('#latent-seed input').value === '102'")
    page.screenshot(path=str(ARTIFACTS / "history.png"), full_page=True)
    context.close()


def test_a_shared_link_opens_the_same_pixels_in_a_fresh_browser(browser, app):
    context, page = fresh_page(browser, app)
    seed = page.locator("#latent-seed input")
    before = src(page, "latent-image")
    seed.fill("4242")
    seed.press("Enter")
    changed(page, "latent-image", before)
    mine = shown(page, "latent-image")
    page.locator("#latent-share").click()
    page.wait_for_function("() => document.querySelector('#latent-link input').value.includes('settings=')")
    link = page.locator("#latent-link input").input_value()
    context.close()
    other, visitor = fresh_page(browser, link)  # a new context: no cookies, no history, nothing shared
    visitor.wait_for_function("() => document.querySelector('#latent-seed input').value === '4242'")
    assert np.array_equal(shown(visitor, "latent-image"), mine)
    other.close()
