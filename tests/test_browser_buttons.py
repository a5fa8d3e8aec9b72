"""Slow: every main control of every tab, pressed as a person presses it, in Chromium through Playwright, on the
real app with the shipped checkpoints, offline with an empty cache. Each test checks that what the control
promises appears (a new picture of the right size, a status line, a file). Before any click, the tabs whose
models need a download (Captioning, Style transfer's Gatys, CycleGAN's published pairs) say so.
(tests/browser_harness.py: the page's error watcher and the server-log check run after every test.)"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from playground import settings
from tests.browser_harness import EXAMPLES, gif_frames

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def app(shipped_app):
    return shipped_app  # conftest's: the shipped checkpoints, offline, an empty cache


def same_pixels(a, b) -> bool:
    return a.size == b.size and np.array_equal(np.asarray(a.convert("RGB")), np.asarray(b.convert("RGB")))


# -- before any click ---------------------------------------------------------------------------------------------
def test_offline_tabs_say_what_needs_a_download_before_any_click(person):
    """PLAYGROUND_OFFLINE=1, an empty cache: each tab says which models are ready and which need a download,
    with the shell command, as soon as it is opened."""
    person.open_tab("Captioning")
    status = person.block("#caption-weights")
    person.wait_text(status, "Not downloaded, and downloads are off here")
    for command in ("caption vit-gpt2", "caption blip", "caption swin-gpt2"):
        assert f"python -m playground.fetch {command}" in status.inner_text()
    assert status.is_visible()

    person.open_tab("Style transfer")
    status = person.block("#style-weights")
    person.wait_text(status, "VGG19")
    assert "Not downloaded, and downloads are off here" in status.inner_text()
    assert "python -m playground.fetch vgg19" in status.inner_text()
    person.open_tab("Gatys (VGG19)")
    assert status.is_visible(), "the Gatys tab does not show that VGG19 needs a download"

    person.open_tab("CycleGAN")
    status = person.block("#cyclegan-weights")
    person.wait_text(status, "published pairs")
    text = status.inner_text()
    assert "Ready:" in text and "Sneaker ↔ Ankle boot (trained here)" in text
    assert "python -m playground.fetch cyclegan NAME" in text
    pick_box = person.page.get_by_label("Model pair", exact=True)
    pick_box.click()
    options = person.page.get_by_role("option").filter(visible=True).all_inner_texts()
    assert any("horse ↔ zebra" in o and "not downloaded" in o for o in options), options
    person.page.keyboard.press("Escape")


@pytest.mark.parametrize(
    ("tab", "status", "ready"),
    [
        ("Captioning", "#caption-weights", "local"),
        ("Style transfer", "#style-weights", "fast"),
        ("CycleGAN", "#cyclegan-weights", "Sneaker ↔ Ankle boot (trained here)"),
    ],
)  # fmt: skip
def test_offline_status_says_which_models_are_ready(person, tab, status, ready):
    """Before any click, the status line says what is ready as well as what needs a download."""
    person.open_tab(tab)
    line = person.block(status)
    person.wait_text(line, "Not downloaded")
    text = line.inner_text()
    assert "Ready:" in text and ready in text.split("Ready:", 1)[1].split("Not downloaded")[0], text


def test_offline_gatys_says_vgg19_needs_a_download(person):
    person.open_tab("Style transfer")
    person.wait_text(person.block("#style-weights"), "python -m playground.fetch vgg19")
    person.upload(person.block("#style-content"), EXAMPLES / "house.png")
    person.upload(person.block("Style image(s)"), EXAMPLES / "swirls.png")
    person.block("Style image(s)").get_by_text("swirls").wait_for()
    person.open_tab("Gatys (VGG19)")
    person.expect_error("VGG19")
    person.press("Run Gatys")
    toast = person.page.get_by_test_id("toast-text").filter(has_text="VGG19")
    toast.first.wait_for()
    assert "python -m playground.fetch vgg19" in toast.first.inner_text()
    person.press("Stop")  # nothing runs: stopping is harmless


def test_offline_a_published_cyclegan_pair_says_it_needs_a_download(person):
    person.open_tab("CycleGAN")
    person.upload(person.block("#cyclegan-input"), EXAMPLES / "beach.png")
    person.wait_picture(person.block("#cyclegan-input"))
    person.pick("Model pair", "horse ↔ zebra (published) — not downloaded")
    person.expect_error("horse2zebra|horse")
    person.press("Translate")
    toast = person.page.get_by_test_id("toast-text").filter(has_text="python -m playground.fetch cyclegan")
    toast.first.wait_for()


def test_offline_a_hub_captioner_says_it_needs_a_download(person):
    person.open_tab("Captioning")
    person.upload(person.block("#caption-input"), EXAMPLES / "house.png")
    person.wait_picture(person.block("#caption-input"))
    person.pick("Captioner", "ViT + GPT-2 (nlpconnect)")
    person.expect_error("ViT|vit-gpt2")
    person.press("Caption")
    toast = person.page.get_by_test_id("toast-text").filter(has_text="python -m playground.fetch caption vit-gpt2")
    toast.first.wait_for()


# -- Latent Explorer ----------------------------------------------------------------------------------------------
def test_latent_explorer_sliders_category_seed_and_dice(person):
    image = person.block("#latent-image")
    src, width, height = person.wait_picture(image)  # drawn when the page opens
    assert (width, height) == (280, 280)
    person.drag_slider("Continuous code 1", 0.85)  # let go: the .release event draws
    src, *_ = person.wait_picture(image, src)
    assert person.settings_shown()["codes"][0] > 0.5
    person.drag_slider("Continuous code 2", 0.1)
    src, *_ = person.wait_picture(image, src)
    assert person.settings_shown()["codes"][1] < -0.5
    person.pick("Category", 2)
    src, *_ = person.wait_picture(image, src)
    person.fill_number("Seed", 1234, submit=True)
    src, *_ = person.wait_picture(image, src)
    assert person.settings_shown()["seed"] == 1234
    person.press("🎲 Random seed")
    src, *_ = person.wait_picture(image, src)
    assert person.settings_shown()["seed"] != 1234
    person.pick("Dataset", "MNIST")
    person.wait_picture(image, src)
    assert person.settings_shown()["model"] == "infogan-mnist"


def test_latent_explorer_sweep_and_interpolate(person):
    person.wait_picture(person.block("#latent-image"))
    person.open_tab("Sweep a code")
    person.press("Sweep")
    _, width, height = person.wait_picture(person.block_after("Sweep"))
    assert width > 9 * 28 and height > 10 * 28  # 9 columns, 10 categories
    person.open_tab("Interpolate")
    person.press("Interpolate")
    _, width, height = person.wait_picture(person.block_after("Interpolate"))
    assert width > 16 * 28
    person.wait_picture(person.block("Animation"))
    gif = person.block("Download GIF")
    gif.locator("[data-testid=download-link]").wait_for()
    assert gif_frames(person.download(gif)) >= 16  # 16 frames (and back: it loops)


def test_latent_explorer_apply_settings(person):
    image = person.block("#latent-image")
    first, *_ = person.wait_picture(image)
    shared = person.settings_shown()
    person.page.get_by_text("Paste settings").filter(visible=True).click()
    box = person.page.get_by_label("Settings JSON", exact=True)
    box.fill(json.dumps({**shared, "seed": 99, "codes": [1.0, -1.0]}))
    person.press("Apply settings")
    changed, *_ = person.wait_picture(image, first)
    assert person.page.locator("#latent-seed input").input_value() == "99"
    assert person.settings_shown()["seed"] == 99
    box.fill(json.dumps(shared))  # the first settings back: the same pixels
    person.press("Apply settings")
    again, *_ = person.wait_picture(image, changed)
    assert same_pixels(person.fetch_picture(first), person.fetch_picture(again))


# -- Conditional ----------------------------------------------------------------------------------------------------
def test_conditional_generate_dice_slider_dataset_and_apply_settings(person):
    person.open_tab("Conditional")
    grid = person.block("#cgan-grid")
    src, *_ = person.wait_picture(grid)  # drawn when the page opens
    person.fill_number("Seed", 77)
    person.press("Generate")
    src, width, height = person.wait_picture(grid, src)
    assert width > 8 * 112 and height > 4 * 112
    person.page.get_by_text(re.compile(r"the judge agrees on \d+/8")).first.wait_for()
    person.press("🎲 Random seed")
    src, *_ = person.wait_picture(grid, src)
    assert person.page.locator("#cgan-seed input").input_value() != "77"
    per_class = person.drag_slider("Samples per class", 0.2)  # let go: the .release event draws
    src, *_ = person.wait_picture(grid, src)
    assert person.settings_shown()["per_class"] == per_class
    person.pick("Dataset", "MNIST")
    src, *_ = person.wait_picture(grid, src)
    shared = person.settings_shown()
    assert shared["model"] == "cgan-mnist" and shared["classes"] == ["0", "1", "2", "3"]
    person.page.get_by_text("Paste settings").filter(visible=True).click()
    person.page.get_by_label("Settings JSON", exact=True).fill(json.dumps({**shared, "classes": ["7"], "seed": 5}))
    person.press("Apply settings")
    person.wait_picture(grid, src)
    assert (person.settings_shown()["classes"], person.page.locator("#cgan-seed input").input_value()) == (["7"], "5")


# -- CycleGAN -------------------------------------------------------------------------------------------------------
def test_cyclegan_translate_both_ways_with_the_cycle_and_identity(person):
    person.open_tab("CycleGAN")
    person.upload(person.block("#cyclegan-input"), EXAMPLES / "house.png")
    person.wait_picture(person.block("#cyclegan-input"))
    person.page.get_by_label("Also show the identity mapping").check()
    person.press("Translate")
    out, *_ = person.wait_picture(person.block("#cyclegan-output"))
    person.wait_picture(person.block("Cycle back (reconstruction)"))
    _, width, height = person.wait_picture(person.block("Identity"))
    assert (width, height) == (320, 240)
    person.page.get_by_text("Sandal → Sneaker").first.wait_for()  # the first of our pairs
    person.page.get_by_label("B→A").check()
    person.press("Translate")
    out, *_ = person.wait_picture(person.block("#cyclegan-output"), out)
    person.page.get_by_text("Sneaker → Sandal").first.wait_for()
    person.pick("Model pair", "Sneaker ↔ Ankle boot (trained here)")
    person.press("Translate")
    person.wait_picture(person.block("#cyclegan-output"), out)
    person.page.get_by_text("Ankle boot → Sneaker").first.wait_for()


# -- Style transfer ------------------------------------------------------------------------------------------------
def test_style_fast_builtin_styles_and_the_gallery(person):
    person.open_tab("Style transfer")
    person.upload(person.block("#style-content"), EXAMPLES / "beach.png")
    person.wait_picture(person.block("#style-content"))
    person.page.locator("#style-source").get_by_text("built-in styles").click()
    person.press("Stylize (fast)")
    result, width, height = person.wait_picture(person.block("#style-result"))
    assert (width, height) == (320, 240)
    person.page.get_by_text("Fast engine, built-in style 7").first.wait_for()
    person.page.get_by_text("The 26 built-in styles").click()
    person.press("Show them on the content picture")
    gallery = person.block("Click one to pick it")
    gallery.locator("img").nth(25).wait_for()
    assert gallery.locator("img").count() == 26
    gallery.get_by_role("button", name="Thumbnail 4 of 26").click()  # picks style 3
    picked = person.page.locator(".block").filter(has=person.page.get_by_text("Built-in styles (several = a blend)"))
    person.until("el => /style 3/.test(el.innerText) && !/style 7/.test(el.innerText)", picked.last.element_handle())
    person.press("Stylize (fast)")
    person.wait_picture(person.block("#style-result"), result)
    person.page.get_by_text("Fast engine, built-in style 3").first.wait_for()


# -- Captioning -----------------------------------------------------------------------------------------------------
def test_captioning_caption_and_show_attention(person):
    person.open_tab("Captioning")
    person.upload(person.block("#caption-input"), EXAMPLES / "beach.png")
    person.wait_picture(person.block("#caption-input"))
    person.press("Caption")
    table = person.block("#caption-table")
    person.wait_text(table, "beam #1")
    person.press("Show attention")
    maps = person.block("Pick a word")
    maps.locator("img").first.wait_for()
    assert re.search(r"1\. ", maps.inner_text()), "the attention maps are not labelled with their words"


# -- Lab ------------------------------------------------------------------------------------------------------------
def step_shown(person) -> int:
    status = person.page.get_by_text("energy distance to the real sample").first
    return int(re.search(r"step (\d+)", status.inner_text()).group(1))


def wait_step(person, above: int) -> None:
    """Wait until the Lab's status line shows a step count above `above`."""
    person.until("p => { const m = document.body.innerText.match(/step (\\d+) ·/); return !!m && +m[1] > p; }", above)


def test_lab_2d_gan_train_pause_step_reset_and_export_gif(person):
    person.open_tab("Lab", "2-D GAN")
    picture = person.block("#lab-picture")
    src, *_ = person.wait_picture(picture)
    person.expect_error("Train for a moment first")
    person.press("Export GIF")  # nothing trained yet: a sentence says so
    person.page.get_by_test_id("toast-text").filter(has_text="Train for a moment first").first.wait_for()
    person.press("▶ Train")
    wait_step(person, 99)
    person.press("Pause")
    person.page.wait_for_timeout(800)  # the stream has stopped: the step count stays
    paused = step_shown(person)
    person.page.wait_for_timeout(1200)
    assert step_shown(person) == paused, "the Lab kept training after Pause"
    person.press("Step")  # 10 steps per picture (exactly? test_lab_2d_gan_step_after_pause_adds_steps_per_picture)
    wait_step(person, paused)
    person.press("Export GIF")
    gif = person.block("Animation")
    gif.locator("[data-testid=download-link]").wait_for()
    assert gif_frames(person.download(gif)) > 2
    src, *_ = person.wait_picture(picture, src)
    person.press("Reset")
    person.until("() => /step 0 ·/.test(document.body.innerText)")
    person.wait_picture(picture, src)


def test_lab_2d_gan_step_after_pause_adds_steps_per_picture(person):
    """Pause, then Step: the count goes up by 'Steps per picture' (10) from what the page showed. Tried up to
    five times (the trainer runs ahead of the page only when the pause lands mid-burst, most of the time)."""
    person.open_tab("Lab", "2-D GAN")
    person.wait_picture(person.block("#lab-picture"))
    for _ in range(5):
        person.press("▶ Train")
        wait_step(person, step_shown(person) + 50)
        person.press("Pause")
        person.page.wait_for_timeout(800)
        paused = step_shown(person)
        person.press("Step")
        wait_step(person, paused)
        person.page.wait_for_timeout(300)
        assert step_shown(person) == paused + 10, f"paused at step {paused}, one Step showed {step_shown(person)}"


def test_lab_autoencoders_reconstruct_map_click_and_sample(person):
    person.open_tab("Lab", "Autoencoders")
    assert person.drag_slider("Noise σ (pixels on [0, 1])", 0.5) > 0
    person.press("Reconstruct")
    _, width, height = person.wait_picture(person.block("#ae-output"))
    assert (width, height) == (224, 224)
    person.wait_picture(person.block("Noisy input"))
    person.page.get_by_text("noisy input").first.wait_for()  # the PSNR line compares both
    latent = person.block("#ae-map")
    src, *_ = person.wait_picture(latent)  # drawn when the page opens
    k = person.drag_slider("k-means clusters (k)", 0.2)
    person.press("Draw the map")
    person.wait_picture(latent, src)
    person.page.get_by_text(f"k-means with k = {k:g}: cluster purity").first.wait_for()
    latent.scroll_into_view_if_needed()
    box = latent.locator("img").bounding_box()
    person.page.mouse.click(box["x"] + box["width"] * 0.4, box["y"] + box["width"] * 0.4)  # on the map
    _, width, _ = person.wait_picture(person.block("Decoded from the clicked point"))
    assert width > 0
    person.press("Sample the VAE")
    person.wait_picture(person.block("Samples"))


def test_lab_gan_vs_dcgan_generate_both_and_dice(person):
    person.open_tab("Lab", "GAN vs DCGAN")
    left, right = person.block("#gan-grid"), person.block("#dcgan-grid")
    before = person.wait_picture(right)[0]
    person.fill_number("Seed", 5)
    person.press("Generate both")
    before = person.wait_picture(right, before)[0]
    person.wait_picture(left)
    person.press("🎲 Random seed")
    person.wait_picture(right, before)


# -- Models ---------------------------------------------------------------------------------------------------------
def test_models_tab_shows_every_card_and_its_samples(person):
    person.open_tab("Models")
    cards = sorted(p.stem for p in settings.CHECKPOINT_DIR.glob("*.json"))
    for name in cards:
        heading = person.page.get_by_role("heading", name=re.compile(rf"^{re.escape(name)}\b"))
        heading.scroll_into_view_if_needed()  # the page draws a card's picture when it comes into view
        if (settings.CHECKPOINT_DIR / f"{name}.png").exists():
            row = person.row_of(heading)
            _, width, _ = person.wait_picture(row)
            assert width > 100, f"{name}'s sample grid is not shown"


# -- Caption this ---------------------------------------------------------------------------------------------------
def send_to_captioning(person, tab: str, output: str) -> tuple[str, str]:
    """Press a tab's "Caption this": (the picture shown there, the picture the Captioning tab then shows)."""
    person.open_tab(tab)
    if tab == "Style transfer":  # a result first
        person.upload(person.block("#style-content"), EXAMPLES / "night-city.png")
        person.wait_picture(person.block("#style-content"))
        person.page.locator("#style-source").get_by_text("built-in styles").click()
        person.press("Stylize (fast)")
    shown, *_ = person.wait_picture(person.block(output))
    person.press("Caption this")
    person.page.get_by_role("tab", name="Captioning", selected=True).wait_for()
    sent, *_ = person.wait_picture(person.block("#caption-input"))
    return shown, sent


@pytest.mark.parametrize(
    ("tab", "output"),
    [("Latent Explorer", "#latent-image"), ("Conditional", "#cgan-grid"), ("Style transfer", "#style-result")],
)
def test_caption_this_sends_the_picture_to_captioning(person, tab, output):
    shown, sent = send_to_captioning(person, tab, output)
    assert person.fetch_picture(sent).size == person.fetch_picture(shown).size
    person.press("Caption")
    person.wait_text(person.block("#caption-table"), "greedy")


def test_caption_this_sends_the_same_pixels(person):
    shown, sent = send_to_captioning(person, "Latent Explorer", "#latent-image")
    assert same_pixels(person.fetch_picture(sent), person.fetch_picture(shown)), f"shown {shown}, sent {sent}"
