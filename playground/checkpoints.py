"""Checkpoints: safetensors weights beside a JSON model card, and nothing is ever unpickled.

A shipped checkpoint is `<stem>.safetensors` (tensors keyed `<role>.<param>`) + `<stem>.json` (family,
config, dataset, class names, epochs, wall time, metrics, ...). Loading rebuilds the model from the card.
Training state (optimisers, RNG) is flattened into the same two files: tensors in safetensors, the
nested structure around them in JSON.
"""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import load_file, save_file
from torch import nn

from . import models
from .errors import CheckpointError

_TENSOR_REF = "__tensor__"


def paths(stem: str | Path) -> tuple[Path, Path]:
    stem = Path(stem)
    base = stem.with_suffix("") if stem.suffix in (".safetensors", ".json") else stem
    return base.with_name(base.name + ".safetensors"), base.with_name(base.name + ".json")


def git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=5,
            cwd=Path(__file__).resolve().parent,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def _atomic_write(path: Path, write) -> None:
    """Write to a temporary sibling, flush it to disk, then rename: an interrupted save never clobbers a file."""
    tmp = path.with_name(path.name + ".tmp")
    write(tmp)
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _pending(stem: str | Path) -> tuple[Path, Path]:
    """Where a save puts its new pair before it replaces the current one: `<stem>.next.safetensors/.json`."""
    weights, card = paths(stem)
    return weights.with_name(weights.name.replace(".safetensors", ".next.safetensors")), card.with_name(
        card.name.replace(".json", ".next.json")
    )


def recover(stem: str | Path) -> None:
    """Finish or undo a save that was interrupted, so the pair on disk is the old one or the new one.

    A save writes the new weights to `.next.safetensors`, then the new card to `.next.json` — that rename is
    the commit — then moves both over the current pair. A `.next.json` therefore means the new pair is
    complete (its weights are beside it or already moved): move what is left. A `.next.safetensors` alone
    is an unfinished new pair: the current pair is untouched, drop it.
    """
    weights, card = paths(stem)
    next_weights, next_card = _pending(stem)
    if next_card.exists():
        if next_weights.exists():
            os.replace(next_weights, weights)
        os.replace(next_card, card)
    elif next_weights.exists():
        next_weights.unlink()


def flatten(obj: Any, prefix: str, tensors: dict[str, torch.Tensor]) -> Any:
    """Move every tensor of a nested dict/list structure into `tensors`; return the JSON-able skeleton."""
    if isinstance(obj, torch.Tensor):
        key = prefix.rstrip("/")
        tensors[key] = obj.detach().cpu().contiguous()
        return {_TENSOR_REF: key}
    if isinstance(obj, dict):
        return {"__dict__": [[k, flatten(v, f"{prefix}{k}/", tensors)] for k, v in obj.items()]}
    if isinstance(obj, (list, tuple)):
        return [flatten(v, f"{prefix}{i}/", tensors) for i, v in enumerate(obj)]
    return obj


def unflatten(skeleton: Any, tensors: dict[str, torch.Tensor]) -> Any:
    if isinstance(skeleton, dict) and _TENSOR_REF in skeleton:
        return tensors[skeleton[_TENSOR_REF]]
    if isinstance(skeleton, dict) and "__dict__" in skeleton:
        return {k: unflatten(v, tensors) for k, v in skeleton["__dict__"]}
    if isinstance(skeleton, list):
        return [unflatten(v, tensors) for v in skeleton]
    return skeleton


def save(
    stem: str | Path,
    modules: dict[str, nn.Module],
    card: dict[str, Any],
    extra: dict[str, Any] | None = None,
    data: dict[str, torch.Tensor] | None = None,
) -> Path:
    """Save `modules` (by role) to `<stem>.safetensors` and `card` to `<stem>.json`.

    `extra` (optimiser states, ...) is flattened into the same pair of files under `state/`; `data` are named
    tensors shipped with the model (example inputs, precomputed codes), stored as `data.<name>`.
    """
    weights_path, _ = paths(stem)
    weights_path.parent.mkdir(parents=True, exist_ok=True)
    tensors: dict[str, torch.Tensor] = {}
    seen: set[int] = set()
    for role, module in modules.items():
        for key, value in module.state_dict().items():
            value = value.detach().cpu().contiguous()
            # Tied weights (e.g. GPT-2's embedding and output layer) share storage; safetensors wants copies.
            if value.untyped_storage().data_ptr() in seen:
                value = value.clone()
            seen.add(value.untyped_storage().data_ptr())
            tensors[f"{role}.{key}"] = value
    tensors.update({f"data.{k}": v.detach().cpu().contiguous() for k, v in (data or {}).items()})
    card = {**card, "roles": sorted(modules)}
    if extra is not None:
        card["state"] = flatten(extra, "state/", tensors)
    # The pair is replaced as one (see `recover`); the save id ties the weights to their card.
    card["save_id"] = save_id = uuid.uuid4().hex
    recover(stem)
    next_weights, next_card = _pending(stem)
    _atomic_write(next_weights, lambda p: save_file(tensors, str(p), metadata={"format": "pt", "save_id": save_id}))
    _atomic_write(next_card, lambda p: p.write_text(json.dumps(card, indent=2) + "\n"))  # the commit
    recover(stem)
    return weights_path


def read_card(stem: str | Path) -> dict[str, Any]:
    recover(stem)
    _, card_path = paths(stem)
    try:
        return json.loads(card_path.read_text())
    except FileNotFoundError:
        raise CheckpointError(f"model card {card_path.name} is missing") from None
    except json.JSONDecodeError as exc:
        raise CheckpointError(f"model card {card_path.name} is not valid JSON ({exc.msg})") from None


def read_tensors(stem: str | Path) -> dict[str, torch.Tensor]:
    recover(stem)
    weights_path, _ = paths(stem)
    try:
        return load_file(str(weights_path))
    except FileNotFoundError:
        raise CheckpointError(f"weights file {weights_path.name} is missing") from None
    except (SafetensorError, OSError, ValueError) as exc:
        raise CheckpointError(f"{weights_path.name} is not a readable safetensors file ({exc})") from None


def load_into(stem: str | Path, modules: dict[str, nn.Module], tensors: dict[str, torch.Tensor] | None = None) -> None:
    """Load each role's weights into the given modules, strictly; a mismatch names the file and keys."""
    weights_path, _ = paths(stem)
    tensors = read_tensors(stem) if tensors is None else tensors
    for role, module in modules.items():
        prefix = f"{role}."
        state = {k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)}
        if not state:
            raise CheckpointError(f"{weights_path.name} holds no weights for the {role}")
        try:
            module.load_state_dict(state, strict=True)
        except RuntimeError as exc:
            first = str(exc).splitlines()[1:3] or [str(exc)]
            raise CheckpointError(
                f"{weights_path.name} does not match its {role} model: {' '.join(s.strip() for s in first)}"
            ) from None


def load_model(stem: str | Path, role: str = "generator", device: str | torch.device = "cpu") -> tuple[nn.Module, dict]:
    """Rebuild `role` from the card beside the weights, load it and put it in eval mode on `device`."""
    card = read_card(stem)
    try:
        config = models.make_config(card["family"], card["config"])
        module = models.build(card["family"], role, config)
    except (KeyError, TypeError, ValueError) as exc:
        raise CheckpointError(f"model card {paths(stem)[1].name} does not describe a {role}: {exc}") from None
    load_into(stem, {role: module})
    return module.to(device).eval(), card


def read_state(stem: str | Path) -> Any:
    """The extra training state saved beside a checkpoint's weights (optimisers, progress)."""
    return unflatten(read_card(stem).get("state"), read_tensors(stem))


def read_data(stem: str | Path) -> dict[str, torch.Tensor]:
    """The named tensors shipped beside a model's weights (see `save(data=...)`)."""
    return {k.removeprefix("data."): v for k, v in read_tensors(stem).items() if k.startswith("data.")}


def save_id(stem: str | Path) -> str | None:
    """The id a save wrote into the weights' metadata (None for files saved before ids existed)."""
    weights_path, _ = paths(stem)
    try:
        with safe_open(str(weights_path), "pt") as f:
            return (f.metadata() or {}).get("save_id")
    except FileNotFoundError:
        raise CheckpointError(f"weights file {weights_path.name} is missing") from None
    except (SafetensorError, OSError, ValueError) as exc:
        raise CheckpointError(f"{weights_path.name} is not a readable safetensors file ({exc})") from None


def load_state(stem: str | Path, modules: dict[str, nn.Module]) -> tuple[dict[str, Any], Any]:
    """Load a training checkpoint: weights into `modules`; returns (card, extra state)."""
    card = read_card(stem)
    if card.get("save_id") != save_id(stem):
        weights_path, card_path = paths(stem)
        raise CheckpointError(f"{weights_path.name} and {card_path.name} come from different saves")
    tensors = read_tensors(stem)
    load_into(stem, modules, tensors)
    return card, unflatten(card.get("state"), tensors)
