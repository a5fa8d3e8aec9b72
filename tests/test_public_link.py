"""Issue #19, safe on a public link: what a stranger with raw HTTP and gradio_client can and cannot do.

One real app on loopback with small disk caps (so a short soak reaches them), probed the way the issue's
report did: file paths the server never received, huge lists, two visitors at once, unread and cancelled
streams, and checkpoints cut off mid-save.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from pathlib import Path

import httpx
import numpy as np
import pytest
import torch
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from PIL import Image

from bench.server import REPO, running_app
from playground import checkpoints, settings
from playground.imaging import NOT_AN_UPLOAD

MB = 2**20
CAPS = {"PLAYGROUND_MAX_UPLOAD_FOLDER_BYTES": 6 * MB, "PLAYGROUND_MAX_OUTPUT_BYTES": 8 * MB}
LAB = ["gaussian", 64, 2, 1e-3, 1e-3, 1, "non-saturating", 0, None, None, 10]
LAB_LARGEST = ["ring", 256, 4, 1e-3, 1e-3, 5, "wgan-gp", 0, None, None, 50]  # the sliders' maxima


@pytest.fixture(scope="module")
def app(tiny_checkpoints, tiny_captioner_dir, tmp_path_factory):
    env = {
        "HF_HUB_CACHE": str(tmp_path_factory.mktemp("empty-hub")), "TORCH_HOME": str(tmp_path_factory.mktemp("torch")),
        "PLAYGROUND_OFFLINE": "1", "PLAYGROUND_CLEAN_EVERY_S": "1", "PLAYGROUND_MAX_JOB_SECONDS": "6",
        **{k: str(v) for k, v in CAPS.items()},
    }  # fmt: skip
    cache = tmp_path_factory.mktemp("cache")
    with running_app(tiny_checkpoints, cache, "--caption-model", str(tiny_captioner_dir), env=env) as (url, proc, _):
        yield url, proc, cache


@pytest.fixture(scope="module")
def client(app):
    return Client(app[0], verbose=False)


def raw_call(url: str, api: str, data: list, timeout: float = 120) -> tuple[str, str]:
    """POST /call/<api> with a hand-made body, read the stream: (last event name, its data)."""
    with httpx.Client(timeout=timeout) as http:
        event = http.post(f"{url}gradio_api/call/{api}", json={"data": data})
        if event.status_code != 200:
            return "http", str(event.status_code)
        stream = http.get(f"{url}gradio_api/call/{api}/{event.json()['event_id']}").text
    events = [block for block in stream.split("\n\n") if block.startswith("event:")]
    name, _, payload = events[-1].partition("\ndata: ")
    return name.removeprefix("event: "), payload


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def rss_mb(pid: int) -> float:
    line = next(x for x in Path(f"/proc/{pid}/status").read_text().splitlines() if x.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def folder_bytes(folder: Path) -> int:
    from playground.disk import folder_bytes as measured  # skips files the app deletes while it counts

    return measured(folder)


def pixels(path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB")).astype(np.int16)


# -- 1. no file leaves the server unless it was uploaded -------------------------------------------------------
def image_requests(path: str) -> dict[str, list]:
    """Every endpoint that opens a picture, with `path` as a raw FileData missing Gradio's `meta`."""
    file = {"path": path}
    return {
        "style_fast": [file, None, False, "built-in styles", [7], 1.0],
        "style_gatys": [file, None, "", False, 10, 64, 1e6, 1.0, 1e-3, "adam", "content", ["conv1_1"], 1],
        "style_builtin_gallery": [file],
        "caption": [file, "vit-gpt2", 2, 1, 4, 0, 1.0, 1.0],
        "caption_attention": [file, "vit-gpt2", "mean", 4],
        "cyclegan_translate": [file, "cyclegan-sneaker-boot", "A→B", False],
        "ae_reconstruct": ["vae-fashion-mnist", 0, file, 0.0, 0],
        "pix2pix_render": [None, file],
        "lab_step_2d": ["custom", *LAB[1:8], None, {"composite": file, "background": None, "layers": []}, 10],
        "pix2pix_render (drawing)": [{"composite": file, "background": None, "layers": []}, None],
    }


# Inputs whose data model nests a FileData (File, Sketchpad): Gradio itself refuses a path without `meta`
# (and checks one with it), so their refusal is Gradio's, as the same answer for every path.
CHECKED_BY_GRADIO = {"lab_step_2d", "pix2pix_render (drawing)"}


def test_a_path_outside_the_upload_folder_is_refused_the_same_way_whether_it_exists_or_not(app, tmp_path):
    secret = tmp_path / "secret.png"  # a picture on the server that no visitor uploaded
    Image.new("RGB", (40, 30), (200, 30, 30)).save(secret)
    candidates = [str(secret), str(tmp_path / "missing.png"), "/etc/passwd", str(REPO / "app.py"),
                  str(settings.upload_dir()) + "/../../etc/passwd"]  # fmt: skip
    for api in image_requests("x"):
        answers = {raw_call(app[0], api.split()[0], image_requests(path)[api]) for path in candidates}
        assert len(answers) == 1, (api, answers)  # not a word about which one exists, or its size
        (name, payload) = answers.pop()
        assert name == "error", (api, payload[:200])
        if api not in CHECKED_BY_GRADIO:
            assert NOT_AN_UPLOAD in payload, (api, payload[:200])


def test_uploads_and_the_apps_own_examples_still_open(client):
    house = handle_file(str(REPO / "assets" / "examples" / "house.png"))  # uploaded, then opened from there
    out, status = client.predict(house, None, False, "built-in styles", [3], 1.0, api_name="/style_fast")
    assert Image.open(out).size == Image.open(REPO / "assets" / "examples" / "house.png").size and "style 3" in status


# -- 2. every list and count is bounded before a tensor is made ------------------------------------------------
def test_ten_thousand_classes_get_a_sentence_and_no_memory(app, client):
    pid = app[1].pid
    client.predict("cgan-mnist", ["1"], 4, 0, api_name="/cgan_generate")  # warm: the model is resident
    before = rss_mb(pid)
    with pytest.raises(AppError, match=r"At most \d+ classes can be asked for at once, got 10000"):
        client.predict("cgan-mnist", ["1"] * 10_000, 16, 0, api_name="/cgan_generate")
    assert rss_mb(pid) - before < 100


def test_duplicate_classes_are_one_row(client):
    _, verdict, used = client.predict("cgan-mnist", ["7"] * 40 + ["1"], 2, 0, api_name="/cgan_generate")
    assert json.loads(used)["classes"] == ["7", "1"] and verdict.count("judge agrees") == 2
    pasted = json.dumps({"model": "cgan-mnist", "seed": 0, "classes": ["7"] * 1500, "per_class": 16})
    with pytest.raises(AppError, match="At most"):
        client.predict(pasted, api_name="/cgan_apply_settings")


def test_lab_steps_per_call_are_capped(app):
    name, payload = raw_call(app[0], "lab_step_2d", [*LAB[:10], 100_000])
    assert name == "error" and f"from 1 to {settings.LAB_MAX_STEPS_PER_CALL}" in payload


# -- 3. nothing one visitor uploads is shown to another ---------------------------------------------------------
def test_each_visitor_gets_thumbnails_of_their_own_photo(app, tmp_path):
    def gallery(name: str, split: str) -> list[np.ndarray]:
        photo = np.zeros((48, 64, 3), np.uint8)  # half black, half white: flat photos all look alike once
        if split == "left-right":  # the style network normalises away their one colour
            photo[:, 32:] = 255
        else:
            photo[24:] = 255
        Image.fromarray(photo).save(tmp_path / f"{name}.png")
        items = Client(app[0], verbose=False).predict(
            handle_file(str(tmp_path / f"{name}.png")), api_name="/style_builtin_gallery"
        )
        return [pixels(item["image"]) for item in items]

    first, second = gallery("a", "left-right"), gallery("b", "top-bottom")
    assert len(first) == len(second) == 26
    assert all(np.abs(a - b).mean() > 10 for a, b in zip(first, second, strict=True))
    again = gallery("c", "left-right")  # the same picture from a third visitor: the same thumbnails
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))


# -- 5. the captioner box names no folder ----------------------------------------------------------------------
def test_the_captioner_box_takes_only_listed_models(app, tiny_captioner_dir, tmp_path):
    picture = tmp_path / "p.png"
    Image.new("RGB", (32, 32), (9, 90, 200)).save(picture)
    client = Client(app[0], verbose=False)
    uploaded = handle_file(str(picture))
    refusals = set()
    for folder in ("/root/.ssh", str(tmp_path), str(tmp_path / "nothing-here"), "/etc", "some/hub-id", "x" * 5000):
        with pytest.raises(AppError) as refused:
            client.predict(uploaded, folder, 2, 1, 4, 0, 1.0, 1.0, api_name="/caption")
        refusals.add(str(refused.value))
    assert len(refusals) == 1 and "Unknown captioner" in refusals.pop()
    for spelling in (str(tiny_captioner_dir), f"{tiny_captioner_dir}/", f"{tiny_captioner_dir}/."):
        table, _ = client.predict(uploaded, spelling, 2, 1, 4, 0, 1.0, 1.0, api_name="/caption")
        assert "| greedy |" in table


def test_captioners_share_one_key_per_folder_and_the_resident_set_is_bounded(
    tiny_captioner_dir, tiny_blip_dir, monkeypatch
):
    from playground.pipelines.store import Store

    monkeypatch.setattr(settings, "MAX_RESIDENT_CAPTIONERS", 1)
    store = Store(REPO / "checkpoints", torch.device("cpu"))
    first = store.captioner(str(tiny_captioner_dir))
    assert store.captioner(f"{tiny_captioner_dir}/") is first and store.captioner(f"{tiny_captioner_dir}/.") is first
    store.captioner(str(tiny_blip_dir))
    assert len(store._captioners) == 1


# -- 6. cancel means stop ----------------------------------------------------------------------------------------
def wait_for_outputs(job, n: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while len(job.outputs()) < n:
        assert time.monotonic() < deadline, "the stream sent nothing"
        time.sleep(0.05)


def idle_after(pid: int, settle: float = 2.0, window: float = 2.0) -> float:
    """CPU seconds the server burns in `window` seconds, starting `settle` seconds from now."""
    time.sleep(settle)
    start = cpu_seconds(pid)
    time.sleep(window)
    return cpu_seconds(pid) - start


def test_a_cancelled_lab_run_frees_the_cpu_within_two_seconds(app):
    client = Client(app[0], verbose=False)
    job = client.submit(*LAB_LARGEST, api_name="/lab_train_2d")
    wait_for_outputs(job, 1)
    job.cancel()
    assert idle_after(app[1].pid) < 0.5  # a 20,000-step run at the largest settings would keep a core busy


def test_a_reader_who_leaves_stops_the_run(app):
    url = app[0]
    with httpx.Client(timeout=60) as http:
        event = http.post(f"{url}gradio_api/call/lab_train_2d", json={"data": LAB_LARGEST}).json()["event_id"]
        with http.stream("GET", f"{url}gradio_api/call/lab_train_2d/{event}") as stream:
            for line in stream.iter_lines():
                if line.startswith("event: generating"):
                    break  # one message read, then the connection is closed
    assert idle_after(app[1].pid) < 0.5


def test_a_stream_nobody_reads_stops(app):
    with httpx.Client(timeout=60) as http:  # submitted, never read
        assert http.post(f"{app[0]}gradio_api/call/lab_train_2d", json={"data": LAB}).status_code == 200
    assert idle_after(app[1].pid, settle=15) < 0.5


def test_a_run_stops_at_the_time_limit_and_says_so(app):
    start = time.monotonic()
    job = Client(app[0], verbose=False).submit(*LAB_LARGEST, api_name="/lab_train_2d")
    _, status, *_ = job.result(timeout=60)
    assert "stopped after 6 s" in status and time.monotonic() - start < 30
    assert idle_after(app[1].pid, settle=1) < 0.5


def test_one_lab_job_per_visitor(app):
    client = Client(app[0], verbose=False)
    job = client.submit(*LAB_LARGEST, api_name="/lab_train_2d")
    wait_for_outputs(job, 1)
    try:
        with pytest.raises(AppError, match="busy with your previous job"):
            client.predict(*LAB, api_name="/lab_step_2d")
    finally:
        job.cancel()
    time.sleep(2)
    _, status = client.predict(*LAB, api_name="/lab_step_2d")  # free again once it stopped
    assert "step" in status


# -- 4. the disk stays bounded -------------------------------------------------------------------------------------
def soak(app, tmp_path, seconds: float) -> list[tuple[float, int, int, int]]:
    """Uploads, unread streams and generation for `seconds`. Returns samples taken every half second:
    (time, upload folder bytes, output folder bytes, bytes uploaded in the 2 s before)."""
    url, _, cache = app
    uploads, outputs = cache / "gradio", cache / "outputs"
    blob = tmp_path / "noise.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (600, 600, 3), dtype=np.uint8)).save(blob)  # ~1 MB
    client = Client(url, verbose=False)
    stop, sent, samples = threading.Event(), [], []

    def watch() -> None:
        while not stop.is_set():
            time.sleep(0.5)
            now = time.monotonic()
            recent = sum(size for when, size in list(sent) if now - when < 2.0)
            samples.append((now, folder_bytes(uploads), folder_bytes(outputs), recent))

    watcher = threading.Thread(target=watch)
    watcher.start()
    deadline, i = time.monotonic() + seconds, 0
    try:
        with httpx.Client(timeout=60) as http:
            while time.monotonic() < deadline:
                with open(blob, "rb") as f:  # a fresh name each time: Gradio stores each upload anew
                    assert http.post(f"{url}gradio_api/upload", files={"files": (f"n{i}.png", f)}).status_code == 200
                sent.append((time.monotonic(), blob.stat().st_size))
                if i % 5 == 0:
                    http.post(f"{url}gradio_api/call/lab_train_2d", json={"data": LAB})  # never read
                client.predict("cgan-mnist", ["1", "2"], 16, i, api_name="/cgan_generate")
                i += 1
    finally:
        stop.set()
        watcher.join()
    assert i > 5
    return samples


@pytest.mark.parametrize("seconds", [pytest.param(25, id="25s"), pytest.param(180, id="3min", marks=pytest.mark.slow)])
def test_a_soak_keeps_the_upload_and_output_folders_under_their_caps(app, tmp_path, seconds):
    """The output folder is pruned before every write: always under its cap. The upload folder is filled by
    Gradio's own upload route and swept every PLAYGROUND_CLEAN_EVERY_S = 1 s: it is under its cap plus what
    was uploaded in the last two seconds (a sweep period and a sample's lag), plus 1 MB of pictures."""
    samples = soak(app, tmp_path, seconds)
    upload_cap, output_cap = CAPS["PLAYGROUND_MAX_UPLOAD_FOLDER_BYTES"], CAPS["PLAYGROUND_MAX_OUTPUT_BYTES"]
    over = [(up - upload_cap - recent) / MB for _, up, _, recent in samples]
    print(f"soak {seconds} s, {len(samples)} samples: upload folder ≤ cap + recent uploads + {max(over):.2f} MB; "
          f"largest {max(s[1] for s in samples) / MB:.1f} MB; outputs ≤ {max(s[2] for s in samples) / MB:.2f} MB")  # fmt: skip
    assert max(over) <= 1.0
    assert max(out for _, _, out, _ in samples) <= output_cap
    assert samples[-1][1] <= upload_cap + samples[-1][3] + MB


def test_blocks_delete_their_temporary_files():
    from playground.pipelines.store import Store
    from playground.ui.app import build_demo

    demo = build_demo(Store(REPO / "checkpoints", torch.device("cpu")))
    assert demo.delete_cache == (settings.CLEAN_EVERY_S, settings.MAX_UPLOAD_AGE_S)


# -- 7. a checkpoint pair is replaced as one ------------------------------------------------------------------------
def save_pair(stem: Path, value: float) -> None:
    layer = torch.nn.Linear(2, 2)
    torch.nn.init.constant_(layer.weight, value)
    checkpoints.save(stem, {"generator": layer}, {"value": value}, extra={"step": torch.tensor(value)})


def read_pair(stem: Path) -> tuple[float, float]:
    layer = torch.nn.Linear(2, 2)
    card, _ = checkpoints.load_state(stem, {"generator": layer})
    return card["value"], float(layer.weight[0, 0].detach())


@pytest.mark.parametrize("crash_at", range(1, 7))
def test_a_save_cut_off_anywhere_leaves_the_old_pair_or_the_new(tmp_path, monkeypatch, crash_at):
    stem = tmp_path / "last"
    save_pair(stem, 1.0)
    calls = {"n": 0}
    real_replace = os.replace

    def crashing_replace(src, dst):
        calls["n"] += 1
        if calls["n"] == crash_at:
            raise KeyboardInterrupt("killed")  # the process dies between two renames
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", crashing_replace)
    with contextlib.suppress(KeyboardInterrupt):
        save_pair(stem, 2.0)
    monkeypatch.setattr(os, "replace", real_replace)
    card_value, weight = read_pair(stem)  # the next reader (a --resume) sees one consistent pair
    assert (card_value, weight) in {(1.0, 1.0), (2.0, 2.0)}


def test_resume_on_a_half_written_run_is_one_sentence(fixture_data_dir, tmp_path, capsys):
    from tests.test_train import run

    assert run("gan", fixture_data_dir, tmp_path, "--epochs", "1", "--steps-per-epoch", "2") == 0
    (tmp_path / "last.json").unlink()  # what the old two-rename save left after a kill
    capsys.readouterr()
    assert run("gan", fixture_data_dir, tmp_path, "--epochs", "2", "--steps-per-epoch", "2", "--resume") == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: --resume:") and "last.json" in err and len(err.splitlines()) == 1


def test_shipped_checkpoints_still_load():
    for card in sorted((REPO / "checkpoints").glob("*.json")):
        stem = card.with_suffix("")
        assert checkpoints.read_card(stem)["family"] and checkpoints.read_tensors(stem)
