from __future__ import annotations

import json

import pytest
import torch

from playground import checkpoints, models


def tiny_generator(seed: int = 0):
    torch.manual_seed(seed)
    cfg = models.CGANConfig(g_width=8, d_width=8, latent_dim=8)
    return models.build("cgan", "generator", cfg), cfg


def save_tiny(stem):
    import dataclasses

    G, cfg = tiny_generator()
    checkpoints.save(stem, {"generator": G}, {"family": "cgan", "config": dataclasses.asdict(cfg), "dataset": "mnist"})
    return G


def test_round_trip_is_exact(tmp_path):
    G = save_tiny(tmp_path / "cgan-test")
    loaded, card = checkpoints.load_model(tmp_path / "cgan-test", "generator")
    assert card["family"] == "cgan" and card["roles"] == ["generator"]
    for (k, a), (k2, b) in zip(G.state_dict().items(), loaded.state_dict().items(), strict=True):
        assert k == k2 and torch.equal(a, b)
    assert not loaded.training


def test_weights_are_safetensors_not_pickle(tmp_path):
    save_tiny(tmp_path / "m")
    raw = (tmp_path / "m.safetensors").read_bytes()
    header_len = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8 : 8 + header_len])  # safetensors: u64 header length + JSON header
    assert "generator.label_embedding.weight" in header
    assert header["generator.label_embedding.weight"]["dtype"] == "F32"
    assert not raw.startswith(b"PK\x03\x04")  # not torch.save's zip of pickles


def test_truncated_file_names_the_file(tmp_path):
    save_tiny(tmp_path / "broken")
    path = tmp_path / "broken.safetensors"
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(checkpoints.CheckpointError, match=r"broken\.safetensors"):
        checkpoints.load_model(tmp_path / "broken")


def test_mismatched_config_names_the_file_and_keys(tmp_path):
    save_tiny(tmp_path / "odd")
    card = json.loads((tmp_path / "odd.json").read_text())
    card["config"]["g_width"] = 16
    (tmp_path / "odd.json").write_text(json.dumps(card))
    with pytest.raises(checkpoints.CheckpointError, match=r"odd\.safetensors does not match its generator"):
        checkpoints.load_model(tmp_path / "odd")


def test_missing_and_corrupt_cards(tmp_path):
    with pytest.raises(checkpoints.CheckpointError, match=r"nothing\.json is missing"):
        checkpoints.load_model(tmp_path / "nothing")
    save_tiny(tmp_path / "bad")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(checkpoints.CheckpointError, match=r"bad\.json is not valid JSON"):
        checkpoints.load_model(tmp_path / "bad")


def test_training_state_round_trips(tmp_path):
    G, _ = tiny_generator()
    opt = torch.optim.Adam(G.parameters(), lr=1e-3)
    G(torch.randn(4, 8), torch.arange(4)).mean().backward()
    opt.step()
    extra = {"optimizers": {"generator": opt.state_dict()}, "progress": {"epoch": 3, "history": [{"loss": 0.5}]}}
    checkpoints.save(tmp_path / "last", {"generator": G}, {"family": "cgan"}, extra=extra)
    G2, _ = tiny_generator(seed=1)
    _, state = checkpoints.load_state(tmp_path / "last", {"generator": G2})
    opt2 = torch.optim.Adam(G2.parameters(), lr=1e-3)
    opt2.load_state_dict(state["optimizers"]["generator"])
    assert state["progress"] == {"epoch": 3, "history": [{"loss": 0.5}]}
    for a, b in zip(opt.state_dict()["state"].values(), opt2.state_dict()["state"].values(), strict=True):
        assert torch.equal(a["exp_avg"], b["exp_avg"]) and torch.equal(a["step"], b["step"])
