from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from playground.pipelines import style
from playground.pipelines.fast_style import FastStyle

CPU = torch.device("cpu")
EXAMPLES = Path(__file__).resolve().parents[1] / "assets" / "examples"


@pytest.fixture(scope="module")
def gatys():
    torch.manual_seed(0)
    return style.Gatys(style.vgg19_features(), CPU)  # randomly initialised VGG19: tests run offline


def noise_image(w: int, h: int, seed: int) -> Image.Image:
    return Image.fromarray(np.random.default_rng(seed).integers(0, 255, (h, w, 3), dtype=np.uint8))


def pixels(image: Image.Image, mode: str = "RGB") -> np.ndarray:
    return np.asarray(image.convert(mode)).astype(int)


@pytest.mark.parametrize("optimizer", ["lbfgs", "adam"])
def test_loss_falls_and_the_image_changes(gatys, optimizer):
    content, painting = noise_image(64, 48, 0), noise_image(40, 56, 1)  # different sizes on purpose
    settings = style.GatysSettings(steps=20, size=64, style_weight=1e9, optimizer=optimizer)
    progress = list(gatys.stylized(content, styles=[(painting, 1.0)], settings=settings, every=5))
    assert [p.step for p in progress] == [5, 10, 15, 20]
    assert progress[-1].losses["total"] < progress[0].losses["total"]
    assert progress[-1].image.size == (64, 48)
    assert np.abs(pixels(progress[-1].image) - pixels(content)).mean() > 1


def test_coarse_to_fine_climbs_the_scales_within_the_step_budget(gatys):
    content = Image.open(EXAMPLES / "house.png").resize((160, 120))  # pictures, not noise: a coarse copy says something
    painting = Image.open(EXAMPLES / "swirls.png")
    settings = style.GatysSettings(steps=9, size=160, scales=3)
    assert settings.checked().schedule() == [(80, 6), (160, 3)]  # 40 px is under MIN_SCALE_SIDE: skipped
    progress = list(gatys.stylized(content, styles=[(painting, 1.0)], settings=settings, every=3))
    assert [(p.step, p.image.size) for p in progress] == [(3, (80, 60)), (6, (80, 60)), (9, (160, 120))]
    assert progress[-1].seconds >= progress[0].seconds
    # the full-size scale starts from the coarse result, not from the content: its 3 steps end far lower than
    # 3 full-size steps from the content do
    single = style.GatysSettings(steps=3, size=160)
    one_scale = list(gatys.stylized(content, styles=[(painting, 1.0)], settings=single, every=3))[-1]
    assert progress[-1].losses["total"] < 0.5 * one_scale.losses["total"]


@pytest.mark.parametrize(
    ("steps", "size", "scales", "schedule"),
    [
        (300, 512, 3, [(128, 150), (256, 100), (512, 50)]),
        (300, 512, 1, [(512, 300)]),
        (10, 512, 4, [(64, 4), (128, 3), (256, 2), (512, 1)]),
        (2, 512, 3, [(256, 1), (512, 1)]),  # fewer steps than scales: the finest ones
        (300, 100, 3, [(100, 300)]),
    ],
)
def test_the_schedule_spends_exactly_the_budget(steps, size, scales, schedule):
    assert style.GatysSettings(steps=steps, size=size, scales=scales).checked().schedule() == schedule


def test_colour_preservation_keeps_the_content_chroma(gatys):
    content = Image.new("RGB", (48, 48), (200, 40, 60))
    content.paste((30, 160, 90), (0, 24, 48, 48))
    settings = style.GatysSettings(steps=6, size=48, style_weight=1e9, preserve_color=True)
    result = list(gatys.stylized(content, styles=[(noise_image(48, 48, 3), 1.0)], settings=settings, every=6))[-1].image
    chroma = np.abs(pixels(result, "YCbCr")[..., 1:] - pixels(content, "YCbCr")[..., 1:]).max(-1)
    in_gamut = ((pixels(result) > 0) & (pixels(result) < 255)).all(-1)  # where RGB did not clip the colour
    assert in_gamut.mean() > 0.5 and chroma[in_gamut].max() <= 2  # rounding only
    assert np.abs(pixels(result, "YCbCr")[..., 0] - pixels(content, "YCbCr")[..., 0]).mean() > 0.5


def test_several_styles_blend_by_weight(gatys):
    content, a, b = noise_image(32, 32, 0), noise_image(32, 32, 1), noise_image(32, 32, 2)
    settings = style.GatysSettings(steps=3, size=32, style_weight=1e9)
    only_a = list(gatys.stylized(content, styles=[(a, 1.0), (b, 0.0)], settings=settings, every=3))[-1].image
    mixed = list(gatys.stylized(content, styles=[(a, 1.0), (b, 1.0)], settings=settings, every=3))[-1].image
    assert not np.array_equal(pixels(only_a), pixels(mixed))
    with pytest.raises(ValueError, match="blend weight above 0"):
        list(gatys.stylized(content, styles=[(a, 0.0)], settings=settings))


def test_only_the_needed_layers_are_kept_and_frozen():
    vgg = style.VGGFeatures(style.vgg19_features(), style.STYLE_LAYERS + style.CONTENT_LAYERS)
    assert len(vgg.body) == style.VGG19_LAYERS["conv5_1"] + 1 == 30
    assert not any(p.requires_grad for p in vgg.parameters())
    out = vgg(torch.rand(1, 3, 32, 32))
    assert set(out) == {*style.STYLE_LAYERS, *style.CONTENT_LAYERS} and out["conv1_1"].shape == (1, 64, 32, 32)
    with pytest.raises(ValueError, match="Unknown VGG19 layer"):
        style.VGGFeatures(style.vgg19_features(), ("conv9_9",))


def test_bad_settings_get_a_sentence(gatys):
    content = noise_image(32, 32, 0)
    for settings, message in [
        (style.GatysSettings(optimizer="sgd"), "Unknown optimizer"),
        (style.GatysSettings(steps=0), "Steps"),
        (style.GatysSettings(size=10**6), "output size"),
        (style.GatysSettings(scales=9), "number of scales"),
        (style.GatysSettings(style_weight=float("nan")), "finite"),
    ]:
        with pytest.raises(ValueError, match=message):
            list(gatys.stylized(content, styles=[(content, 1.0)], settings=settings))


def test_weights_load_from_the_torch_cache_and_are_missing_plainly(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    with pytest.raises(style.WeightsMissing, match=r"python -m playground\.fetch vgg19"):
        style.load_vgg19_features()
    torch.manual_seed(1)
    reference = style.vgg19_features()
    path = style.vgg19_weights_path()
    path.parent.mkdir(parents=True)
    torch.save(
        {f"features.{k}": v for k, v in reference.state_dict().items()} | {"classifier.0.bias": torch.zeros(4)}, path
    )
    loaded = style.load_vgg19_features()
    assert all(
        torch.equal(a, b) for a, b in zip(reference.state_dict().values(), loaded.state_dict().values(), strict=True)
    )


@pytest.fixture(scope="module")
def fast():
    return FastStyle(CPU)


def test_fast_engine_keeps_the_size_and_blends(fast):
    content, painting = noise_image(512, 512, 0), noise_image(300, 200, 1)
    assert fast.stylized(content, style=painting).size == (512, 512)
    assert fast.stylized(noise_image(200, 120, 2), style=[3, 12], strength=0.5).size == (200, 120)
    weak = fast.stylized(content, style=painting, strength=0.0, preserve_color=True)
    assert weak.size == (512, 512)


def test_fast_engine_refuses_bad_controls(fast):
    with pytest.raises(ValueError, match="built-in style"):
        fast.stylized(noise_image(64, 64, 0), style=[26])
    with pytest.raises(ValueError, match="Style strength"):
        fast.stylized(noise_image(64, 64, 0), style=noise_image(64, 64, 1), strength=2)
    with pytest.raises(ValueError, match="too small"):
        fast.stylized(noise_image(8, 8, 0), style=noise_image(64, 64, 1))
