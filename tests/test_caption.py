from __future__ import annotations

import time

import numpy as np
import pytest
import torch
from PIL import Image

from playground.errors import WeightsMissing
from playground.pipelines import caption

CPU = torch.device("cpu")


@pytest.fixture(scope="module")
def captioner(tiny_captioner_dir):
    return caption.load_captioner(str(tiny_captioner_dir), CPU)


@pytest.fixture
def picture():
    rng = np.random.default_rng(0)
    return Image.fromarray(rng.integers(0, 255, (48, 64, 3), dtype=np.uint8))


def test_local_folder_loads_through_the_same_path(captioner, tiny_captioner_dir):
    assert captioner.spec.kind == "encoder-decoder" and captioner.spec.repo == str(tiny_captioner_dir)
    assert not captioner.model.training


def test_greedy_and_beam_return_scored_strings(captioner, picture):
    report = captioner.captions(picture, beams=4, n=3, steps=8, length_penalty=0.0)
    assert isinstance(report.greedy.text, str) and len(report.beams) == 3
    assert all(isinstance(c.text, str) and np.isfinite(c.log_prob) and c.log_prob <= 0 for c in report.beams)
    # with no length normalisation, beam search maximises Σ log p: its best is at least greedy's
    assert max(c.log_prob for c in report.beams) >= report.greedy.log_prob - 1e-4
    assert report.greedy_seconds > 0 and report.beam_seconds > 0 and report.settings["beams"] == 4


def test_log_prob_rescoring_matches_generate(captioner, picture):
    pixels = captioner.pixels(picture)
    out = captioner.model.generate(
        pixel_values=pixels, num_beams=1, do_sample=False, max_new_tokens=6, output_scores=True,
        return_dict_in_generate=True,
    )  # fmt: skip
    steps = captioner.model.compute_transition_scores(out.sequences, out.scores, normalize_logits=True)[0]
    (log_prob, n), *_ = captioner.sequence_log_probs(pixels, out.sequences)
    eos = captioner.model.generation_config.eos_token_id
    generated = out.sequences[0, 1:]
    length = int((generated == eos).nonzero()[0, 0]) + 1 if (generated == eos).any() else len(generated)
    assert n == length and log_prob == pytest.approx(float(steps[:length].sum()), abs=1e-3)


def test_attention_maps_cover_the_patch_grid(captioner, picture):
    report = captioner.attention(picture, steps=5)
    assert report.maps.shape == (len(report.tokens), 4, 4)  # 32 px / 8 px patches
    np.testing.assert_allclose(report.maps.sum((1, 2)), 1.0, atol=1e-5)
    single = captioner.attention(picture, steps=5, layer=1)
    assert single.maps.shape == report.maps.shape and not np.allclose(single.maps, report.maps)
    heat = caption.overlay(picture, report.maps[0])
    assert heat.size == picture.size


def test_bad_decoding_controls(captioner, picture):
    with pytest.raises(ValueError, match="number of beams"):
        captioner.captions(picture, beams=0)
    assert len(captioner.captions(picture, beams=2, n=5, steps=4).beams) == 2
    with pytest.raises(ValueError, match="layer"):
        captioner.attention(picture, layer=9)


def test_missing_model_names_the_fetch_command_quickly(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    start = time.perf_counter()
    with pytest.raises(WeightsMissing, match=r"python -m playground\.fetch caption vit-gpt2"):
        caption.load_captioner("vit-gpt2", CPU)
    assert time.perf_counter() - start < 5


def test_unknown_sources_are_refused(tmp_path):
    with pytest.raises(ValueError, match="Unknown captioner"):
        caption.resolve("no such model")
    (tmp_path / "config.json").write_text('{"model_type": "bert"}')
    with pytest.raises(ValueError, match="not an image captioner"):
        caption.resolve(str(tmp_path))


def make_pairs(folder, n=8):
    from tests.conftest import CAPTION_CORPUS

    folder.mkdir()
    rows = ["file,caption"]
    for i in range(n):
        colour = ((i * 40) % 255, (i * 90) % 255, (255 - i * 30) % 255)
        Image.new("RGB", (40 + i, 32), colour).save(folder / f"{i}.png")
        rows.append(f"{i}.png,{CAPTION_CORPUS[i % len(CAPTION_CORPUS)]}")
    (folder / "captions.csv").write_text("\n".join(rows) + "\n")
    return folder


def test_fine_tune_lowers_the_loss_and_saves_a_loadable_captioner(tiny_captioner_dir, tmp_path):
    from playground.checkpoints import read_state
    from playground.train.__main__ import main as train_main

    pairs = make_pairs(tmp_path / "pairs")
    run = tmp_path / "run"
    code = train_main([
        "captioner", "--images", str(pairs), "--captions", str(pairs / "captions.csv"),
        "--base", str(tiny_captioner_dir), "--run-dir", str(run), "--epochs", "1", "--batch-size", "4",
        "--lr", "3e-3", "--lr-decay", "none", "--log-every", "1",
    ])  # fmt: skip
    assert code == 0
    history = read_state(run / "last")["progress"]["history"]
    assert len(history) == 2 and history[1]["loss"] < history[0]["loss"]
    exported = run / "captioner-pairs"
    assert (exported / "model.safetensors").exists() and (exported / "model_card.json").exists()
    tuned = caption.load_captioner(str(exported), CPU)
    assert isinstance(tuned.captions(Image.new("RGB", (40, 32)), beams=2, steps=4).greedy.text, str)


def test_fine_tune_reports_a_bad_csv(tiny_captioner_dir, tmp_path, capsys):
    from playground.train.__main__ import main as train_main

    pairs = make_pairs(tmp_path / "pairs")
    (pairs / "captions.csv").write_text("image,text\n0.png,hello\n")
    code = train_main(["captioner", "--images", str(pairs), "--captions", str(pairs / "captions.csv"),
                       "--base", str(tiny_captioner_dir), "--run-dir", str(tmp_path / "run")])  # fmt: skip
    assert code == 1 and "'file' and 'caption'" in capsys.readouterr().err


def test_blip_captions_through_the_same_pipeline(tiny_blip_dir, picture):
    blip = caption.load_captioner(str(tiny_blip_dir), CPU)
    assert blip.spec.kind == "blip"
    report = blip.captions(picture, beams=3, n=2, steps=5, length_penalty=0.0)
    assert len(report.beams) == 2 and all(np.isfinite(c.log_prob) for c in report.beams)
    assert max(c.log_prob for c in report.beams) >= report.greedy.log_prob - 1e-4
    with pytest.raises(ValueError, match="encoder–decoder models"):
        blip.attention(picture)
