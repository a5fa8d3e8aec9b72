"""Slow: every row of every examples table (gr.Examples) of every tab, clicked as a person clicks it, in Chromium
through Playwright. A row that runs its tab (run_on_click) must bring its picture; a row that only fills the
inputs must fill them, and the tab's main button must then work on them. (tests/browser_harness.py: the page's
error watcher and the server-log check run after every test.)"""

from __future__ import annotations

import json
import time

import pytest

from playground import settings
from playground.pipelines.latent import category_choices
from tests.browser_harness import ARTIFACTS

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def app(shipped_app):
    return shipped_app  # conftest's: the shipped checkpoints, offline, an empty cache


def blank_cells(rows, settle_ms: int = 3000) -> list[str]:
    """'row R, column "C"' for every cell of an examples table that shows nothing (once the cells have had
    `settle_ms` to draw: each column's example view loads on its own)."""
    headers = rows.first.locator("xpath=ancestor::table[1]").locator("thead th").all_inner_texts()
    deadline = time.monotonic() + settle_ms / 1000
    while True:
        blank = [
            f"row {r + 1}, column {headers[c].strip()!r}"
            for r, row in enumerate(rows.all())
            for c, cell in enumerate(row.locator("td").all())
            if not cell.inner_text().strip() and cell.locator("img").count() == 0
        ]
        if not blank or time.monotonic() > deadline:
            return blank
        rows.first.page.wait_for_timeout(200)


def test_latent_explorer_every_example_row_draws_its_picture(person):
    image = person.block("#latent-image")
    src, *_ = person.wait_picture(image)
    rows = person.example_rows("Try these")
    choices = category_choices(json.loads((settings.CHECKPOINT_DIR / "infogan-fashion-mnist.json").read_text()))
    shown = [value for _, value in choices if value != 0]  # the table would show category 0 as a blank cell
    expected = [(42, shown[0], [0.0, 0.0]), (7, shown[2], [1.5, -1.0]), (2024, shown[-1], [-2.0, 2.0])]
    assert rows.count() == len(expected)
    for row, (seed, category, codes) in zip(rows.all(), expected, strict=True):
        row.click()
        src, width, height = person.wait_picture(image, src)
        assert (width, height) == (280, 280)
        person.until("s => document.querySelector('#latent-seed input').value === String(s)", seed)
        shown = person.settings_shown()
        assert (shown["seed"], shown["category"], shown["codes"]) == (seed, category, codes)


def test_latent_explorer_example_rows_show_every_value(person):
    rows = person.example_rows("Try these")
    rows.first.wait_for()
    assert not blank_cells(rows), f"example cells that show nothing: {blank_cells(rows)}"


def test_conditional_every_example_row_draws_its_grid(person):
    person.open_tab("Conditional")
    grid = person.block("#cgan-grid")
    src, *_ = person.wait_picture(grid)
    rows = person.example_rows("Try these")
    expected = [(0, 6, 10), (123, 12, 3), (7, 16, 1)]  # seed, samples per class, classes
    assert rows.count() == len(expected)
    assert not blank_cells(rows)
    for row, (seed, per_class, n_classes) in zip(rows.all(), expected, strict=True):
        row.click()
        src, width, height = person.wait_picture(grid, src)
        shown = person.settings_shown()
        assert (shown["seed"], shown["per_class"], len(shown["classes"])) == (seed, per_class, n_classes)
        assert width > per_class * 112 and height >= n_classes * 112


def test_cyclegan_every_example_of_our_own_pairs_translates_on_click(person):
    person.open_tab("CycleGAN")
    rows = person.example_rows("Fashion items for our own pairs (our drawings, CC0)")
    assert rows.count() == 2
    assert not blank_cells(rows)
    out = ""
    for row, (a, b) in zip(rows.all(), [("Sandal", "Sneaker"), ("Sneaker", "Ankle boot")], strict=True):
        row.click()
        out, width, height = person.wait_picture(person.block("#cyclegan-output"), out)
        assert (width, height) == (28, 28)  # the example's own size
        person.wait_picture(person.block("Cycle back (reconstruction)"))
        person.wait_picture(person.block("Identity"))
        person.page.get_by_text(f"{a} → {b}").first.wait_for()
        compare = person.block("#cyclegan-compare").element_handle()  # before | after, the divider between them
        person.until("el => el.querySelectorAll('img').length === 2", compare)
        person.page.screenshot(path=str(ARTIFACTS / f"cyclegan-example-{a.lower()}.png"), full_page=True)


def test_cyclegan_a_small_example_is_shown_large_enough_to_see(person):
    person.open_tab("CycleGAN")
    person.example_rows("Fashion items for our own pairs (our drawings, CC0)").first.click()
    sizes = {}
    for label in ("#cyclegan-output", "Cycle back (reconstruction)", "Identity"):
        block = person.block(label)
        person.wait_picture(block)
        box = block.locator("img").bounding_box()
        sizes[label] = (round(box["width"]), round(box["height"]))
    assert all(h >= 112 for _, h in sizes.values()), f"pictures on screen (width, height in px): {sizes}"


@pytest.mark.parametrize(("row", "key"), [(0, "photo2monet"), (1, "style_vangogh")])
def test_cyclegan_every_example_for_the_published_pairs_names_its_fetch_command(person, row, key):
    """Offline: the row fills the picture and picks its published pair; Translate names the command that fetches
    that pair (`python -m playground.fetch cyclegan PAIR`, the command the tab's status line gives)."""
    person.open_tab("CycleGAN")
    rows = person.example_rows("Pictures for the published pairs (press Translate: the first use downloads the pair)")
    assert rows.count() == 2
    assert not blank_cells(rows)
    person.expect_error("python -m playground.fetch cyclegan")
    rows.nth(row).click()
    _, width, height = person.wait_picture(person.block("#cyclegan-input"))
    assert (width, height) == (320, 240)
    person.press("Translate")
    toast = person.page.get_by_test_id("toast-text").filter(has_text="python -m playground.fetch cyclegan")
    toast.first.wait_for()
    assert toast.first.inner_text().rstrip(".").endswith(f"python -m playground.fetch cyclegan {key}"), (
        toast.first.inner_text()
    )


def test_style_every_one_style_example_fills_both_inputs_and_stylizes(person):
    person.open_tab("Style transfer")
    rows = person.example_rows("Examples, one style each: both engines (our own CC0 drawings, assets/SOURCES.md)")
    assert rows.count() == 3
    assert not blank_cells(rows)
    content = result = ""
    for row, style in zip(rows.all(), ("swirls", "mosaic", "mosaic"), strict=True):
        row.click()
        content, *_ = person.wait_picture(person.block("#style-content"), content)
        person.block("Style image(s)").get_by_text(style).wait_for()
        person.press("Stylize (fast)")
        result, width, height = person.wait_picture(person.block("#style-result"), result)
        assert (width, height) == (320, 240)


def test_style_the_blend_example_fills_content_two_styles_and_weights(person):
    person.open_tab("Style transfer", "Gatys (VGG19)")
    rows = person.example_rows("A blend of two styles, weighted 1 : 0.5")
    assert rows.count() == 1
    rows.first.click()
    person.wait_picture(person.block("#style-content"))
    styles = person.block("Style image(s)")
    styles.get_by_text("swirls").wait_for()
    styles.get_by_text("mosaic").wait_for()
    weights = person.page.get_by_label("Blend weights (one per style, e.g. 1, 0.5; empty = equal)")
    assert weights.input_value() == "1, 0.5"


def test_captioning_every_example_picture_fills_the_input_and_captions(person):
    person.open_tab("Captioning")
    rows = person.example_rows("Example pictures (CC0, assets/SOURCES.md)")
    assert rows.count() == 3
    shown = ""
    table = person.block("#caption-table")
    for row in rows.all():
        row.click()
        shown, *_ = person.wait_picture(person.block("#caption-input"), shown)
        before = table.inner_text()
        person.press("Caption")
        person.until("([el, before]) => el.innerText.includes('beam #1') && el.innerText !== before",
                     [table.element_handle(), before])  # fmt: skip


def test_lab_2d_gan_every_example_row_sets_the_controls_and_trains(person):
    person.open_tab("Lab", "2-D GAN")
    picture = person.block("#lab-picture")
    src, *_ = person.wait_picture(picture)
    rows = person.example_rows("Try these")
    assert rows.count() == 3
    assert not blank_cells(rows)
    for row, (data, loss, ratio) in zip(rows.all(), [("ring", "non-saturating", "1:1"), ("moons", "lsgan", "2:1"),
                                                     ("spiral", "wgan-gp", "5:1")], strict=True):  # fmt: skip
        row.click()
        person.until("d => document.querySelector(`input[type=radio][value='${d}']`)?.checked", data)
        assert person.page.get_by_label(loss, exact=True).is_checked()
        person.press("Step")
        src, *_ = person.wait_picture(picture, src)
        person.page.get_by_text(f"{loss}, D:G {ratio}").first.wait_for()


def test_lab_autoencoders_every_example_row_sets_the_controls_and_reconstructs(person):
    person.open_tab("Lab", "Autoencoders")
    rows = person.example_rows("Try these")
    assert rows.count() == 2
    assert not blank_cells(rows)
    out = ""
    for row, (picture, noise) in zip(rows.all(), [("3", "0"), ("17", "0.5")], strict=True):
        row.click()
        person.until("p => document.querySelector('input[aria-label=\"number input for Test picture\"]').value === p",
                     picture)  # fmt: skip
        assert person.page.get_by_label("number input for Noise σ (pixels on [0, 1])").input_value() == noise
        person.press("Reconstruct")
        out, *_ = person.wait_picture(person.block("#ae-output"), out)


def test_lab_pix2pix_every_example_outline_draws_its_item(person):
    person.open_tab("Lab", "Pix2Pix")
    rows = person.example_rows("Example outlines (our own, CC0)")
    assert rows.count() == 3
    item = ""
    verdicts = []
    for row in rows.all():
        row.click()
        item, width, height = person.wait_picture(person.block("#sketch-item"), item)
        assert (width, height) == (256, 256)
        verdict = person.page.get_by_text("The judge calls it").first
        verdict.wait_for()
        verdicts.append(verdict.inner_text())
    assert len(set(verdicts)) == 3, f"three outlines, the same verdict: {verdicts}"
