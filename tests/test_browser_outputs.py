"""Slow: the download button of every output of every tab, pressed in Chromium through Playwright, and each
downloaded file opened — pictures with PIL (the size the page shows), GIFs frame by frame, a gallery's zip
picture by picture, settings as JSON. An output that is an upload box (a drop zone or file input inside it,
and no download button) fails: a person can drop a file on a result but cannot save it.
(tests/browser_harness.py: the page's error watcher and the server-log check run after every test.)"""

from __future__ import annotations

import json
import re

import pytest

from playground import settings
from tests.browser_harness import EXAMPLES, gif_frames, open_picture, zipped_pictures

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def app(shipped_app):
    return shipped_app  # conftest's: the shipped checkpoints, offline, an empty cache


# -- Latent Explorer ----------------------------------------------------------------------------------------------
def test_latent_explorer_generated_picture_downloads(person):
    image = person.block("#latent-image")
    person.wait_picture(image)
    assert person.download_picture(image, "Generated").size == (280, 280)


def test_latent_explorer_settings_json_downloads(person):
    person.wait_picture(person.block("#latent-image"))
    shown = person.settings_shown()
    saved = json.loads(person.download(person.block("Settings (copy to share; paste below to reproduce)")).read_text())
    assert saved == shown and saved["seed"] == 42


def test_latent_explorer_sweep_strip_and_gif_download(person):
    person.wait_picture(person.block("#latent-image"))
    person.open_tab("Sweep a code")
    person.press("Sweep")
    sweep = person.block_after("Sweep")
    person.wait_picture(sweep)
    person.download_picture(sweep, "Sweep")
    person.open_tab("Interpolate")
    person.press("Interpolate")
    strip = person.block_after("Interpolate")
    person.wait_picture(strip)
    person.download_picture(strip, "Frames")
    animation = person.block("Animation")
    person.wait_picture(animation)
    assert gif_frames(person.download(animation)) >= 16
    gif = person.block("Download GIF")
    gif.locator("[data-testid=download-link]").wait_for()
    assert gif_frames(person.download(gif)) >= 16


# -- Conditional ----------------------------------------------------------------------------------------------------
def test_conditional_grid_downloads(person):
    person.open_tab("Conditional")
    grid = person.block("#cgan-grid")
    person.wait_picture(grid)
    assert person.download_picture(grid, "Samples").width > 8 * 112


def test_conditional_settings_json_downloads(person):
    person.open_tab("Conditional")
    person.wait_picture(person.block("#cgan-grid"))
    shown = person.settings_shown()
    saved = json.loads(person.download(person.block("Settings (copy to share; paste below to reproduce)")).read_text())
    assert saved == shown and saved["model"] == "cgan-fashion-mnist"


# -- CycleGAN -------------------------------------------------------------------------------------------------------
def test_cyclegan_translation_cycle_and_identity_download(person):
    person.open_tab("CycleGAN")
    person.upload(person.block("#cyclegan-input"), EXAMPLES / "beach.png")
    person.wait_picture(person.block("#cyclegan-input"))
    person.page.get_by_label("Also show the identity mapping").check()
    person.press("Translate")
    for label in ("#cyclegan-output", "Cycle back (reconstruction)", "Identity"):
        block = person.block(label)
        person.wait_picture(block)
        assert person.download_picture(block, label).size == (320, 240)


# -- Style transfer -------------------------------------------------------------------------------------------------
def stylize(person) -> None:
    person.open_tab("Style transfer")
    person.upload(person.block("#style-content"), EXAMPLES / "house.png")
    person.wait_picture(person.block("#style-content"))
    person.page.locator("#style-source").get_by_text("built-in styles").click()
    person.press("Stylize (fast)")
    person.wait_picture(person.block("#style-result"))


def test_style_result_downloads(person):
    stylize(person)
    assert person.download_picture(person.block("#style-result"), "Result").size == (320, 240)


def test_style_builtin_gallery_downloads_every_picture(person):
    stylize(person)
    person.page.get_by_text("The 26 built-in styles").click()
    person.press("Show them on the content picture")
    gallery = person.block("Click one to pick it")
    gallery.locator("img").nth(25).wait_for()
    pictures = zipped_pictures(person.download(gallery, "the built-in styles gallery"))
    assert len(pictures) == 26 and all(p.width > 0 for p in pictures)


# -- Captioning -----------------------------------------------------------------------------------------------------
def test_captioning_attention_gallery_downloads_every_map(person):
    person.open_tab("Captioning")
    person.upload(person.block("#caption-input"), EXAMPLES / "house.png")
    person.wait_picture(person.block("#caption-input"))
    person.press("Show attention")
    maps = person.block("Pick a word")
    maps.locator("img").first.wait_for()
    shown = maps.locator("img").count()
    pictures = zipped_pictures(person.download(maps, "the attention maps"))
    assert len(pictures) == shown and all(p.size == (320, 240) for p in pictures)


# -- Lab ------------------------------------------------------------------------------------------------------------
def three_steps(person) -> None:
    person.open_tab("Lab", "2-D GAN")
    picture = person.block("#lab-picture")
    src, *_ = person.wait_picture(picture)
    for _ in range(3):
        person.press("Step")
        src, *_ = person.wait_picture(picture, src)


def test_lab_2d_gan_picture_downloads(person):
    three_steps(person)
    assert person.download_picture(person.block("#lab-picture"), "Training").size == (2 * 360 + 8, 360)


def test_lab_2d_gan_gif_of_a_short_run_has_every_picture(person):
    three_steps(person)  # four pictures: the start and one per Step
    person.press("Export GIF")
    gif = person.block("Animation")
    gif.locator("[data-testid=download-link]").wait_for()
    assert gif_frames(person.download(gif)) == 4


def test_lab_autoencoders_every_picture_downloads(person):
    person.open_tab("Lab", "Autoencoders")
    person.drag_slider("Noise σ (pixels on [0, 1])", 0.3)
    person.press("Reconstruct")
    for label in ("Input (28×28, as the model sees it)", "Noisy input", "#ae-output"):
        block = person.block(label)
        person.wait_picture(block)
        person.download_picture(block, label)
    latent = person.block("#ae-map")
    person.wait_picture(latent)
    person.download_picture(latent, "the latent map")
    latent.scroll_into_view_if_needed()
    box = latent.locator("img").bounding_box()
    person.page.mouse.click(box["x"] + box["width"] * 0.6, box["y"] + box["width"] * 0.5)
    decoded = person.block("Decoded from the clicked point")
    person.wait_picture(decoded)
    person.download_picture(decoded, "Decoded from the clicked point")
    person.press("Sample the VAE")
    samples = person.block("Samples")
    person.wait_picture(samples)
    person.download_picture(samples, "VAE samples")


def test_lab_pix2pix_edge_map_and_item_download(person):
    person.open_tab("Lab", "Pix2Pix")
    person.example_rows("Example outlines (our own, CC0)").first.click()
    for label in ("Edge map the model sees", "#sketch-item"):
        block = person.block(label)
        person.wait_picture(block)
        assert person.download_picture(block, label).size == (256, 256)


def test_lab_gan_vs_dcgan_grids_download(person):
    person.open_tab("Lab", "GAN vs DCGAN")
    sizes = []
    for label in ("#gan-grid", "#dcgan-grid"):
        block = person.block(label)
        person.wait_picture(block)
        sizes.append(person.download_picture(block, label).size)
    assert sizes[0] == sizes[1]


# -- Models ---------------------------------------------------------------------------------------------------------
def test_models_every_sample_grid_downloads(person):
    person.open_tab("Models")
    grids = sorted(p.stem for p in settings.CHECKPOINT_DIR.glob("*.png"))
    for name in grids:
        heading = person.page.get_by_role("heading", name=re.compile(rf"^{re.escape(name)}\b"))
        heading.scroll_into_view_if_needed()
        row = person.row_of(heading)
        person.wait_picture(row)
        block = row.locator(".block").filter(has=person.page.locator("img"))
        saved = person.download_picture(block, f"{name} samples")
        assert saved.tobytes() == open_picture(settings.CHECKPOINT_DIR / f"{name}.png").tobytes()
