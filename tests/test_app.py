"""The real app on a free port, driven through gradio_client and raw HTTP."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from PIL import Image

from bench.page_client import PageClient
from bench.server import REPO, running_app

ENDPOINTS = {
    "/infogan_generate", "/infogan_sweep", "/infogan_interpolate", "/infogan_apply_settings",
    "/infogan_categories", "/cgan_generate", "/cgan_classes", "/cgan_apply_settings", "/random_seed",
    "/lab_train_2d", "/lab_step_2d", "/lab_reset_2d", "/lab_export_gif", "/caption", "/caption_attention",
    "/cyclegan_translate", "/cyclegan_models", "/style_fast", "/style_gatys", "/style_builtin_gallery",
    "/ae_reconstruct", "/vae_map", "/vae_sample", "/gan_vs_dcgan", "/pix2pix_render",
}  # fmt: skip


@pytest.fixture(scope="module")
def app(tiny_checkpoints, tiny_captioner_dir, tmp_path_factory):
    # no downloaded captioners or published CycleGANs, and no attempt to fetch any
    empty_hub = {
        "HF_HUB_CACHE": str(tmp_path_factory.mktemp("empty-hub")), "TORCH_HOME": str(tmp_path_factory.mktemp("torch")),
        "PLAYGROUND_OFFLINE": "1",
    }  # fmt: skip
    with running_app(
        tiny_checkpoints, tmp_path_factory.mktemp("cache"), "--caption-model", str(tiny_captioner_dir), env=empty_hub
    ) as (url, process, log):
        yield url, process, log


@pytest.fixture(scope="module")
def client(app):
    return Client(app[0], verbose=False)


def pixels(path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im).copy()


def test_help_explains_every_flag():
    out = subprocess.run([sys.executable, "app.py", "--help"], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0
    for flag in ("--host", "--port", "--share", "--device", "--preload"):
        assert flag in out.stdout


def test_every_endpoint_is_named(client):
    named = set(client.view_api(print_info=False, return_format="dict")["named_endpoints"])
    assert named >= ENDPOINTS


def test_infogan_generate_is_deterministic(client):
    first, settings = client.predict("infogan-mnist", 42, 3, 0.5, -0.5, api_name="/infogan_generate")
    again, _ = client.predict("infogan-mnist", 42, 3, 0.5, -0.5, api_name="/infogan_generate")
    other, _ = client.predict("infogan-mnist", 43, 3, 0.5, -0.5, api_name="/infogan_generate")
    assert pixels(first).shape[:2] == (280, 280)
    assert np.array_equal(pixels(first), pixels(again)) and not np.array_equal(pixels(first), pixels(other))
    assert json.loads(settings) == {"model": "infogan-mnist", "seed": 42, "category": 3, "codes": [0.5, -0.5]}


def test_the_page_protocol_client_gets_what_gradio_client_gets(app, client):
    """bench/page_client.py (the load benchmarks' browser-like user): the same picture and settings for the same
    call, and a bad value's sentence as an error."""
    page = PageClient(app[0])
    picture, settings = page.predict("infogan-mnist", 42, 3, 0.5, -0.5, api_name="/infogan_generate")
    expected, expected_settings = client.predict("infogan-mnist", 42, 3, 0.5, -0.5, api_name="/infogan_generate")
    fetched = Image.open(io.BytesIO(page.http.get(picture["url"]).content))
    assert settings == expected_settings and np.array_equal(np.asarray(fetched), pixels(expected))
    with pytest.raises(RuntimeError, match="seed"):
        page.predict("infogan-mnist", -5, 3, 0.5, -0.5, api_name="/infogan_generate")


def test_settings_round_trip_reproduces_the_pixels(client):
    image, settings = client.predict("infogan-fashion-mnist", 1234, 7, -1.25, 2.0, api_name="/infogan_generate")
    out = client.predict(settings, api_name="/infogan_apply_settings")
    model, seed, _, c1, c2, replay, replay_settings = out
    assert (model, seed, c1, c2) == ("infogan-fashion-mnist", 1234, -1.25, 2.0)
    assert np.array_equal(pixels(image), pixels(replay)) and replay_settings == settings


def test_cgan_settings_round_trip(client):
    grid, _, settings = client.predict("cgan-mnist", ["4", "2"], 3, 99, api_name="/cgan_generate")
    model, _, per_class, seed, replay, _, replay_settings = client.predict(settings, api_name="/cgan_apply_settings")
    assert (model, per_class, seed) == ("cgan-mnist", 3, 99) and replay_settings == settings
    assert np.array_equal(pixels(grid), pixels(replay))


def test_sweep_and_interpolation(client):
    sweep = client.predict("infogan-mnist", 5, 0, 0.0, 0.0, 1, "seeds", 5, 3, api_name="/infogan_sweep")
    assert pixels(sweep).shape[0] > 3 * 112
    film, gif, download = client.predict(
        "infogan-mnist", 5, 0, 0.0, 0.0, 9, 4, 1.0, -1.0, 6, "linear", api_name="/infogan_interpolate"
    )
    with Image.open(gif) as animation:
        assert animation.n_frames == 6 + 4
    assert pixels(film).shape[1] > 6 * 112 and download.endswith(".gif")


def test_cgan_generate_and_class_switch(client):
    grid, verdict, settings = client.predict("cgan-mnist", ["1", "7"], 4, 3, api_name="/cgan_generate")
    assert pixels(grid).shape[0] > 2 * 112 and verdict.count("judge agrees") == 2
    assert json.loads(settings)["classes"] == ["1", "7"]
    update = client.predict("cgan-mnist", api_name="/cgan_classes")
    assert [c[0] if isinstance(c, list) else c for c in update["choices"]][:3] == ["0", "1", "2"]


def test_caption_with_a_local_model(client, tiny_captioner_dir, tmp_path):
    picture = tmp_path / "photo.png"
    Image.new("RGB", (40, 30), (200, 30, 30)).save(picture)
    table, result = client.predict(handle_file(str(picture)), str(tiny_captioner_dir), 3, 2, 6, 0, 1.0, 1.0,
                                   api_name="/caption")  # fmt: skip
    assert "| greedy |" in table and len(result["beam"]["n_best"]) == 2 and "log_prob" in result["greedy"]
    gallery = client.predict(
        handle_file(str(picture)), str(tiny_captioner_dir), "mean", 4, api_name="/caption_attention"
    )
    assert 1 <= len(gallery) <= 4 and all(item["caption"] for item in gallery)


def test_missing_captioner_answers_fast_with_the_fetch_command(client, tmp_path):
    picture = tmp_path / "photo.png"
    Image.new("RGB", (40, 30)).save(picture)
    start = time.monotonic()
    with pytest.raises(AppError, match=r"python -m playground\.fetch caption vit-gpt2"):
        client.predict(handle_file(str(picture)), "vit-gpt2", 3, 2, 6, 0, 1.0, 1.0, api_name="/caption")
    assert time.monotonic() - start < 5


def test_caption_refuses_a_file_that_is_not_an_image(client, tiny_captioner_dir, tmp_path):
    fake = tmp_path / "notes.png"
    fake.write_text("this is text, not a PNG")
    with pytest.raises(AppError, match="not an image we can read"):
        client.predict(handle_file(str(fake)), str(tiny_captioner_dir), 2, 1, 4, 0, 1.0, 1.0, api_name="/caption")


LAB = ("gaussian", 64, 2, 1e-3, 1e-3, 1, "non-saturating", 0, None, None, 10)


def test_lab_streams_training_and_exports_a_gif(app):
    client = Client(app[0], verbose=False)  # its own session: the trainer lives in session state
    picture, status = client.predict(*LAB, api_name="/lab_step_2d")
    assert pixels(picture).shape[:2] == (360, 2 * 360 + 8) and "**step 10**" in status
    job = client.submit(*LAB, api_name="/lab_train_2d")
    deadline = time.monotonic() + 60
    while len(job.outputs()) < 5 and time.monotonic() < deadline:
        time.sleep(0.1)
    job.cancel()
    streamed = job.outputs()
    steps = [int(re.search(r"step (\d+)", status).group(1)) for _, status in streamed]
    assert len(streamed) >= 5 and steps == sorted(steps) and steps[0] > 10  # it continued the same run
    with Image.open(client.predict(api_name="/lab_export_gif")) as gif:
        assert gif.n_frames >= 5


def test_lab_custom_distribution_needs_points(app):
    client = Client(app[0], verbose=False)
    with pytest.raises(AppError, match="Upload a CSV"):
        client.predict("custom", *LAB[1:], api_name="/lab_step_2d")


@pytest.mark.parametrize(
    ("args", "api", "message"),
    [
        (("infogan-mnist", -1, 0, 0.0, 0.0), "/infogan_generate", "seed must be a whole number"),
        (("infogan-mnist", 1e30, 0, 0.0, 0.0), "/infogan_generate", "seed must be a whole number"),
        (("infogan-mnist", "abc", 0, 0.0, 0.0), "/infogan_generate", "seed must be a number"),
        (("infogan-mnist", 1, 99, 0.0, 0.0), "/infogan_generate", "Unknown category"),
        (("infogan-mnist", 1, 0, 9.0, 0.0), "/infogan_generate", "between -2 and 2"),
        (("no-such-model", 1, 0, 0.0, 0.0), "/infogan_generate", "Unknown model"),
        (("cgan-mnist", ["dragon"], 4, 1), "/cgan_generate", "Unknown class 'dragon'"),
        (("cgan-mnist", ["1"], 10**9, 1), "/cgan_generate", "Samples per class"),
        (("{not json",), "/infogan_apply_settings", "not valid JSON"),
    ],
)
def test_bad_input_gets_a_sentence_and_the_server_keeps_serving(client, args, api, message):
    with pytest.raises(AppError, match=message):
        client.predict(*args, api_name=api)
    image, _ = client.predict("infogan-mnist", 1, 0, 0.0, 0.0, api_name="/infogan_generate")
    assert pixels(image).shape[:2] == (280, 280)


def test_nan_over_raw_http_is_refused_plainly(app):
    """gradio_client cannot send NaN; a hand-written request can."""
    url = app[0]
    body = '{"data": ["infogan-mnist", NaN, 0, 0.0, 0.0]}'
    with httpx.Client(timeout=30) as http:
        event = http.post(f"{url}gradio_api/call/infogan_generate", content=body,
                          headers={"content-type": "application/json"})  # fmt: skip
        if event.status_code == 200:
            stream = http.get(f"{url}gradio_api/call/infogan_generate/{event.json()['event_id']}").text
            assert "event: error" in stream and "finite" in stream
        else:
            assert event.status_code == 422  # rejected before it reaches the model


def test_server_log_has_no_tracebacks(app):
    """Runs after the bad-input tests above: user errors are messages, not logged stack traces."""
    assert "Traceback" not in app[2].read_text()


def png_bomb(path, side=20_000):
    """A PNG whose header claims side × side pixels (400 megapixels) with almost no data behind it."""
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)))
    return path


@pytest.mark.parametrize("mode", ["RGB", "L", "RGBA"])
def test_cyclegan_keeps_the_upload_size(client, tmp_path, mode):
    upload = tmp_path / f"in-{mode}.png"
    Image.new(mode, (333, 517)).save(upload)
    out, cycle, identity, notice = client.predict(
        handle_file(str(upload)), "cyclegan-sneaker-boot", "A→B", True, api_name="/cyclegan_translate"
    )
    assert Image.open(out).size == Image.open(cycle).size == Image.open(identity).size == (333, 517)
    assert "Sneaker → Ankle boot" in notice


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: png_bomb(p / "bomb.png"), "megapixels are accepted"),
        (lambda p: (p / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 40) and p / "broken.png",
         "not an image we can read"),
        (lambda p: (p / "empty.png").write_bytes(b"") or p / "empty.png", "empty"),
    ],
)  # fmt: skip
def test_cyclegan_refuses_bad_uploads_and_keeps_serving(client, tmp_path, make, message):
    with pytest.raises(AppError, match=message):
        client.predict(handle_file(str(make(tmp_path))), "cyclegan-sneaker-boot", "A→B", False,
                       api_name="/cyclegan_translate")  # fmt: skip
    fine = tmp_path / "fine.png"
    Image.new("RGB", (20, 20)).save(fine)
    assert client.predict(handle_file(str(fine)), "cyclegan-sneaker-boot", "B→A", False,
                          api_name="/cyclegan_translate")[0]  # fmt: skip


def test_published_pair_missing_offline_names_the_fetch_command(client, tmp_path):
    upload = tmp_path / "in.png"
    Image.new("RGB", (64, 48)).save(upload)
    start = time.monotonic()
    with pytest.raises(
        AppError, match=r"horse2zebra\.pth is not downloaded.*python -m playground\.fetch cyclegan horse2zebra"
    ):
        client.predict(handle_file(str(upload)), "horse2zebra", "A→B", False, api_name="/cyclegan_translate")
    assert time.monotonic() - start < 5
    listing = client.predict(api_name="/cyclegan_models")
    entry = next(row for row in listing if row["name"] == "horse2zebra")
    assert entry["available"] is False and entry["fetch"] == "python -m playground.fetch cyclegan horse2zebra"
    assert any(row["name"] == "cyclegan-sneaker-boot" for row in listing)


def test_fast_style_transfer_through_the_api(client):
    house, swirls = (str(REPO / "assets" / "examples" / f) for f in ("house.png", "swirls.png"))
    out, status = client.predict(handle_file(house), [handle_file(swirls)], False, "style image", [], 1.0,
                                 api_name="/style_fast")  # fmt: skip
    assert Image.open(out).size == Image.open(house).size and "Fast engine" in status
    out, _ = client.predict(handle_file(house), None, True, "built-in styles", [3, 12], 0.6, api_name="/style_fast")
    assert Image.open(out).size == Image.open(house).size
    with pytest.raises(AppError, match="one style picture"):
        client.predict(handle_file(house), [handle_file(swirls), handle_file(house)], False, "style image", [], 1.0,
                       api_name="/style_fast")  # fmt: skip


def test_gatys_without_vgg_weights_names_the_fetch_command(client):
    house, swirls = (str(REPO / "assets" / "examples" / f) for f in ("house.png", "swirls.png"))
    start = time.monotonic()
    with pytest.raises(AppError, match=r"python -m playground\.fetch vgg19"):
        client.predict(handle_file(house), [handle_file(swirls)], "", False, 10, 64, 1e6, 1.0, 1e-3, "lbfgs",
                       "content", ["conv1_1", "conv2_1"], api_name="/style_gatys")  # fmt: skip
    assert time.monotonic() - start < 5


@pytest.mark.parametrize(
    "path",
    [
        "/etc/passwd",
        "../../../../etc/passwd",
        "..%2F..%2F..%2Fetc%2Fpasswd",
        str(REPO / "app.py"),
        str(REPO / ".git/config"),
    ],
)
def test_the_file_route_serves_nothing_outside_the_apps_folders(app, path):
    response = httpx.get(f"{app[0]}gradio_api/file={path}", timeout=10)
    assert response.status_code in (403, 404) and "root:" not in response.text


def test_a_symlink_out_of_the_output_folder_is_not_served(app, tmp_path):
    outputs = Path(app[2]).parent / "outputs"  # the running app's PLAYGROUND_CACHE/outputs
    outputs.mkdir(parents=True, exist_ok=True)
    link = outputs / "escape.txt"
    link.unlink(missing_ok=True)
    link.symlink_to("/etc/passwd")
    response = httpx.get(f"{app[0]}gradio_api/file={link}", timeout=10)
    assert response.status_code in (403, 404) and "root:" not in response.text


def test_autoencoder_endpoints(client):
    *_, out, quality = client.predict("vae-fashion-mnist", 4, None, 0.5, 0, api_name="/ae_reconstruct")
    assert Image.open(out).size == (224, 224) and "dB" in quality
    picture, purity = client.predict("vae-fashion-mnist", 5, api_name="/vae_map")
    assert Image.open(picture).size == (420, 420 + 3 * 20 + 6) and "purity" in purity  # map + colour key
    assert Image.open(client.predict(3, api_name="/vae_sample")).size[0] > 0
    with pytest.raises(AppError, match="noise level"):
        client.predict("vae-fashion-mnist", 4, None, 9.0, 0, api_name="/ae_reconstruct")


def test_gan_vs_dcgan_on_the_same_seeds(client):
    left, right = client.predict(11, 12, api_name="/gan_vs_dcgan")
    assert Image.open(left).size == Image.open(right).size and Image.open(left).width > 6 * 84
    again, _ = client.predict(11, 12, api_name="/gan_vs_dcgan")
    assert np.array_equal(pixels(left), pixels(again))


def test_pix2pix_renders_an_uploaded_outline(client):
    outline = handle_file(str(REPO / "assets" / "examples" / "sketch-trousers.png"))
    edges, item, _ = client.predict(None, outline, api_name="/pix2pix_render")
    assert Image.open(item).size == Image.open(edges).size == (256, 256)
    with pytest.raises(AppError, match="Draw an outline"):
        client.predict(None, None, api_name="/pix2pix_render")


def raw_call(url: str, api: str, body: str) -> str:
    """POST a hand-written JSON body (it may hold NaN or Infinity, which gradio_client cannot send)."""
    with httpx.Client(timeout=60) as http:
        event = http.post(f"{url}gradio_api/call/{api}", content=body, headers={"content-type": "application/json"})
        if event.status_code != 200:
            return f"HTTP {event.status_code}"
        return http.get(f"{url}gradio_api/call/{api}/{event.json()['event_id']}").text


@pytest.mark.parametrize(
    ("api", "data", "message"),
    [
        ("infogan_generate", '["infogan-mnist", 1, 0, Infinity, 0]', "finite"),
        ("infogan_generate", '["infogan-mnist", 1e400, 0, 0, 0]', "finite"),
        (
            "infogan_generate",
            '["infogan-mnist", 123456789012345678901234567890, 0, 0, 0]',
            "seed must be a whole number",
        ),
        ("infogan_generate", '["infogan-mnist", [1, 2], 0, 0, 0]', "seed must be a number"),
        ("infogan_sweep", '["infogan-mnist", 1, 0, 0, 0, NaN, "seeds", 5, 3]', "finite"),
        ("cgan_generate", '["cgan-mnist", ["1"], -Infinity, 0]', "finite"),
        ("cgan_generate", '["cgan-mnist", "1", "many", 0]', "Samples per class must be a number"),
        ("lab_step_2d", '["gaussian", NaN, 2, 0.001, 0.001, 1, "lsgan", 0, null, null, 5]', "finite"),
        ("lab_step_2d", '["gaussian", 64, 2, 1e9, 0.001, 1, "lsgan", 0, null, null, 5]', "learning rate"),
        ("ae_reconstruct", '["vae-fashion-mnist", 1e30, null, 0, 0]', "example"),
        ("gan_vs_dcgan", '[{"a": 1}, 12]', "seed must be a number"),
    ],
)
def test_hostile_numbers_over_raw_http(app, api, data, message):
    stream = raw_call(app[0], api, f'{{"data": {data}}}')
    assert stream.startswith("HTTP 422") or ("event: error" in stream and message in stream), stream[-300:]


def test_a_huge_base64_payload_is_refused_and_the_server_keeps_serving(app, client):
    blob = "A" * (30 * 1024 * 1024)  # 30 MB of base64 "image" in the JSON body
    stream = raw_call(
        app[0],
        "cyclegan_translate",
        f'{{"data": ["data:image/png;base64,{blob}", "cyclegan-sneaker-boot", "A→B", false]}}',
    )
    assert "event: complete" not in stream
    image, _ = client.predict("infogan-mnist", 3, 0, 0.0, 0.0, api_name="/infogan_generate")
    assert pixels(image).shape[:2] == (280, 280)


def test_lab_learns_points_from_an_uploaded_csv(app, tmp_path):
    csv = tmp_path / "points.csv"
    csv.write_text("x,y\n" + "\n".join(f"{i % 7},{(i * 3) % 5}" for i in range(50)))
    client = Client(app[0], verbose=False)
    picture, status = client.predict("custom", *LAB[1:8], handle_file(str(csv)), None, 10, api_name="/lab_step_2d")
    assert pixels(picture).shape[:2] == (360, 728) and "**step 10**" in status
    bad = tmp_path / "bad.csv"
    bad.write_text("x,y\n1,2\nhello,world\n")
    with pytest.raises(AppError, match="Row 3"):
        client.predict("custom", *LAB[1:8], handle_file(str(bad)), None, 10, api_name="/lab_step_2d")


def test_model_card_tells_the_earlier_training_stage():
    from playground.ui.models_tab import card_markdown

    card = {
        "family": "infogan", "dataset": "fashion-mnist", "train_images": 60000, "split": "train", "epochs": 6,
        "steps": 2808, "wall_time_s": 1800, "earlier_stage": {"init_from": "runs/x/last", "name": "x", "epochs": 24,
                                                               "wall_time_s": 7200},
    }  # fmt: skip
    text = card_markdown("infogan-fashion-mnist", card)
    assert "6 epochs" in text and "Started from `x`: 24 epochs, 2.00 h before that." in text


def test_model_card_tells_why_it_ships():
    from playground.train.cyclegan import PAIR_NOTES
    from playground.ui.models_tab import card_markdown

    card = {"family": "cyclegan", "dataset": "fashion-mnist", "domains": ["Sandal", "Sneaker"], "train_images": 6000,
            "steps": 3750, "note": PAIR_NOTES["sandal-sneaker"],
            "command": "python -m playground.train cyclegan --pair sandal-sneaker --epochs 10"}  # fmt: skip
    text = card_markdown("cyclegan-sandal-sneaker", card)
    assert "Reproduce: `python -m playground.train cyclegan --pair sandal-sneaker --epochs 10`" in text
    assert "(Sandal ↔ Sneaker)" in text and "Ships instead of T-shirt/top ↔ Pullover" in text


def test_offline_tabs_name_the_fetch_commands_and_never_download(client):
    status = client.predict("vit-gpt2", api_name="/caption_weights")
    assert "downloads are off" in status and "python -m playground.fetch caption vit-gpt2" in status
    assert "python -m playground.fetch vgg19" in client.predict(api_name="/style_weights")
    picker, status = client.predict("horse2zebra", api_name="/cyclegan_weights")
    assert dict((k, label) for label, k in picker["choices"])["horse2zebra"].endswith("— not downloaded")
    with pytest.raises(AppError, match="Downloads are switched off"):
        client.predict("vit-gpt2", api_name="/caption_download")


def test_every_main_style_example_runs_in_the_default_mode(client):
    from playground.ui.style_tab import BLEND_EXAMPLES, EXAMPLES_ONE_STYLE

    for content, styles in EXAMPLES_ONE_STYLE:  # the fast engine, a style picture: the tab's defaults
        out, _ = client.predict(handle_file(content), [handle_file(f) for f in styles], False, "style image", [], 1.0,
                                api_name="/style_fast")  # fmt: skip
        assert Image.open(out).size == Image.open(content).size
    assert all(len(styles) > 1 for _, styles, _ in BLEND_EXAMPLES)  # blends are shown with Gatys only


def test_models_tab_shows_every_evaluated_card_and_explains_the_bars():
    from playground import settings
    from playground.ui.models_tab import BARS_EXPLAINED, card_markdown

    for path in sorted(settings.CHECKPOINT_DIR.glob("*.json")):
        card = json.loads(path.read_text())
        text = card_markdown(path.stem, card)
        if card.get("metrics"):
            assert "Not evaluated yet" not in text and "| metric | value |" in text, path.stem
    assert "recall" in BARS_EXPLAINED and "mode-collapsed" in BARS_EXPLAINED


def test_an_inverted_picture_becomes_the_point_every_control_edits(app, tmp_path):
    client = Client(app[0], verbose=False)  # its own session: the latent lives in session state
    target, _ = client.predict("infogan-mnist", 5, 2, 0.5, -0.5, api_name="/infogan_generate")
    before, _ = client.predict("infogan-mnist", 5, 2, 1.0, -0.5, api_name="/infogan_generate")
    *_, category, c1, c2, shown, settings = client.predict(
        "infogan-mnist", handle_file(target), None, 0, 30, api_name="/infogan_invert"
    )
    used = json.loads(settings)
    assert len(used["latent"]) == 62 and used["category"] == category and [c1, c2] == used["codes"]
    moved, moved_settings = client.predict("infogan-mnist", 5, category, 1.5, c2, api_name="/infogan_generate")
    assert json.loads(moved_settings)["latent"] == used["latent"]  # the slider edits the inverted point ...
    assert not np.array_equal(pixels(moved), pixels(shown)) and not np.array_equal(pixels(moved), pixels(before))
    files = client.predict("infogan-mnist", 5, category, 0.0, 0.0, 9, 4, 1.0, -1.0, 5, "linear",
                           api_name="/infogan_interpolate_video")  # fmt: skip
    mp4, saved = sorted(files, key=lambda f: Path(f).suffix)[::-1]  # .mp4 after .json
    assert Path(mp4).suffix == ".mp4" and Path(mp4).stat().st_size > 1000
    assert json.loads(Path(saved).read_text())["start"]["latent"] == used["latent"]  # ... and the interpolation
    assert client.predict(api_name="/random_seed") >= 0
    client.predict("infogan-mnist", 5, category, 1.5, c2, api_name="/infogan_generate")


def test_a_sweep_exports_gif_mp4_and_settings(client):
    files = client.predict("infogan-mnist", 5, 0, 0.0, 0.0, 1, "seeds", 5, 3, api_name="/infogan_sweep_video")
    by_kind = {Path(f).suffix: f for f in files}
    assert set(by_kind) == {".gif", ".mp4", ".json"}
    with Image.open(by_kind[".gif"]) as gif:
        assert gif.n_frames == 5 + 3  # one frame per column, forward and back
    assert json.loads(Path(by_kind[".json"]).read_text())["n"] == 5


def test_the_class_swap_draws_an_upload_as_every_class(client):
    grid, _, _ = client.predict("cgan-mnist", ["7"], 1, 4, api_name="/cgan_generate")
    swapped, compare, status, settings = client.predict(
        "cgan-mnist", handle_file(grid), None, "7", 0, 20, api_name="/cgan_swap"
    )
    used = json.loads(settings)
    assert used["classes"] == [str(d) for d in range(10)] and used["per_class"] == 1 and len(used["latent"]) == 64
    assert "found in **7**" in status and len(compare) == 2
    replay, _, replay_settings = client.predict(settings, api_name="/cgan_apply_settings")[4:]
    assert np.array_equal(pixels(replay), pixels(swapped)) and json.loads(replay_settings) == used


def test_heavy_jobs_take_turns_in_their_lane_while_a_slider_answers(app):
    from gradio_client.utils import Status

    from playground.ui.lanes import lanes

    assert lanes()["heavy"].limit < 3  # (on a machine of under 12 cores, as CI's)
    target = str(REPO / "assets" / "examples" / "fashion-sneaker.png")
    heavy = [Client(app[0], verbose=False) for _ in range(3)]  # three visitors inverting pictures at once
    jobs = [c.submit("infogan-mnist", handle_file(target), None, s, 300, api_name="/infogan_invert")
            for s, c in enumerate(heavy)]  # fmt: skip
    slider = Client(app[0], verbose=False)
    picture, _ = slider.predict("infogan-mnist", 5, 2, 0.5, -0.5, api_name="/infogan_generate")
    assert Path(picture).stat().st_size > 0
    answered_while_busy = sum(not j.done() for j in jobs)
    most_waiting = 0
    while not all(j.done() for j in jobs):
        most_waiting = max(most_waiting, sum(j.status().code == Status.IN_QUEUE for j in jobs))
        time.sleep(0.05)
    assert all(len(j.outputs()) > 0 for j in jobs)
    assert answered_while_busy >= 2  # the slider did not wait for the inversions
    assert most_waiting >= 3 - lanes()["heavy"].limit  # the others waited their turn in the heavy lane
