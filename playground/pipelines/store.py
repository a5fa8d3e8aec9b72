"""The store: every pipeline is built on first use (or at start with --preload) and then kept resident."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import torch

from .. import settings
from ..errors import UserError, WeightsMissing
from .autoencode import AutoencoderPipeline
from .conditional import ConditionalPipeline
from .latent import LatentPipeline
from .sampler import SamplerPipeline
from .sketch import SketchPipeline

PIPELINES = {
    "infogan": LatentPipeline, "cgan": ConditionalPipeline, "autoencoder": AutoencoderPipeline,
    "gan": SamplerPipeline, "dcgan": SamplerPipeline, "pix2pix": SketchPipeline,
}  # fmt: skip

DATASET_LABELS = {"fashion-mnist": "Fashion-MNIST", "mnist": "MNIST"}


class Models(Mapping[str, Any]):
    """One family's checkpoints, as a tab receives them: names, labels and cards known at once (the UI is
    built from them before any weights load), each pipeline loaded on first use and then kept resident."""

    def __init__(self, store: Store, family: str) -> None:
        self.store, self.family = store, family
        self.names = store.names(family)

    def __getitem__(self, name: str) -> Any:
        if name not in self.names:
            raise UserError(f"Unknown model {str(name)[:60]!r}; choose one of: {', '.join(self.names)}.")
        return self.store.get(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)

    def card(self, name: str) -> dict[str, Any]:
        return self.store.cards[name]

    def choices(self) -> list[tuple[str, str]]:
        """(dataset label, name) pairs for a model picker."""
        return [(self.store.label(name), name) for name in self.names]


class Store:
    def __init__(self, checkpoint_dir: Path, device: torch.device) -> None:
        self.checkpoint_dir, self.device = Path(checkpoint_dir), device
        self._loaded: dict[str, Any] = {}
        self._captioners: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.cards: dict[str, dict[str, Any]] = {}
        for path in sorted(self.checkpoint_dir.glob("*.json")):
            if path.stem.endswith(".next"):  # half of an interrupted save (see checkpoints.recover)
                continue
            try:
                self.cards[path.stem] = json.loads(path.read_text())
            except (OSError, json.JSONDecodeError):
                continue  # a broken card is reported on the Models tab, not at start-up

    def names(self, family: str) -> list[str]:
        return [n for n, c in self.cards.items() if c.get("family") == family]

    def models(self, family: str) -> Models:
        """The checkpoints of one family, as a tab uses them."""
        return Models(self, family)

    def label(self, name: str) -> str:
        dataset = self.cards[name].get("dataset", "")
        return DATASET_LABELS.get(dataset, dataset)

    def get(self, name: str) -> Any:
        if name not in self.cards or self.cards[name].get("family") not in PIPELINES:
            raise UserError(f"Unknown model {str(name)[:60]!r}.")
        with self._lock:
            if name not in self._loaded:
                cls = PIPELINES[self.cards[name]["family"]]
                self._loaded[name] = cls(self.checkpoint_dir / name, self.device)
            return self._loaded[name]

    def captioner(self, source: str) -> Any:
        """A captioning model by registry key, folder or Hub id, loaded once from the local cache; at most
        settings.MAX_RESIDENT_CAPTIONERS stay resident (the least recently used one is dropped)."""
        from .caption import canonical, load_captioner

        key = canonical(source)
        with self._lock:
            if key not in self._captioners:
                self._captioners[key] = load_captioner(key, self.device)
                while len(self._captioners) > settings.MAX_RESIDENT_CAPTIONERS:
                    self._captioners.popitem(last=False)
            self._captioners.move_to_end(key)
            return self._captioners[key]

    def translator(self, name: str) -> Any:
        """A CycleGAN pair: one of our checkpoints, or a published pair (fetched on first use)."""
        from .translate import OFFICIAL, load_official_pair, load_trained_pair

        with self._lock:
            key = f"cyclegan:{name}"
            if key not in self._loaded:
                if self.cards.get(name, {}).get("family") == "cyclegan":
                    self._loaded[key] = load_trained_pair(self.checkpoint_dir / name, self.device)
                elif name in OFFICIAL:
                    self._loaded[key] = load_official_pair(name, self.device)
                else:
                    raise UserError(f"Unknown CycleGAN model {str(name)[:60]!r}.")
            return self._loaded[key]

    def fast_style(self) -> Any:
        from .fast_style import FastStyle

        with self._lock:
            if "fast_style" not in self._loaded:
                self._loaded["fast_style"] = FastStyle(self.device)
            return self._loaded["fast_style"]

    def gatys(self) -> Any:
        """Gatys style transfer on VGG19 (ImageNet weights from the local cache; never downloads)."""
        from .style import Gatys, load_vgg19_features

        with self._lock:
            if "gatys" not in self._loaded:
                self._loaded["gatys"] = Gatys(load_vgg19_features(), self.device)
            return self._loaded["gatys"]

    def preload(self, *, heavy: bool = False) -> None:
        """Load every shipped model; with `heavy`, also the fast style engine, Gatys' VGG19 and the default
        captioner when their weights are on disk (never downloads: a missing one stays lazy). ZeroGPU needs
        this: only what the main process holds at start-up reaches the GPU workers."""
        for name, card in self.cards.items():
            if card.get("family") in PIPELINES:
                self.get(name)
        if heavy:
            for load in (self.fast_style, self.gatys, lambda: self.captioner("vit-gpt2")):
                try:
                    load()
                except WeightsMissing:
                    continue
