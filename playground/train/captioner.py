"""Fine-tuning a captioner (any vision encoder–decoder, e.g. the composed Swin + GPT-2) on your own pairs:

  python -m playground.train captioner --images DIR --captions captions.csv [--base swin-gpt2]

captions.csv has a header with the columns `file` (a path relative to --images) and `caption`. The result
is saved with save_pretrained, so `python app.py --caption-model runs/captioner-NAME/captioner-NAME` uses it.
"""

from __future__ import annotations

import argparse
import csv
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, ClassVar

import torch
from torch import nn
from torch.utils.data import Dataset

from ..data import ImageData
from ..gradients import unwrap
from ..imaging import open_image
from ..pipelines.caption import fetch_command, load_components, resolve
from .recipe import Recipe


@dataclass(kw_only=True)
class CaptionerConfig:
    base: str = "swin-gpt2"  # registry key, save_pretrained folder or Hub id to start from
    max_length: int = 32  # caption tokens kept (longer captions are cut)


class CaptionPairs(Dataset):
    """(pixel values (3, H, W), caption) pairs from a folder of images and a CSV."""

    def __init__(self, images: Path, captions: Path, image_processor: Any) -> None:
        self.images, self.image_processor = Path(images), image_processor
        try:
            with open(captions, newline="", encoding="utf-8") as f:
                rows = list(csv.DictReader(f))
        except OSError as exc:
            raise ValueError(f"cannot read {captions}: {exc.strerror}") from None
        if not rows or not {"file", "caption"} <= set(rows[0]):
            raise ValueError(f"{Path(captions).name} needs a header with the columns 'file' and 'caption'")
        self.pairs = [(r["file"], r["caption"].strip()) for r in rows if r["file"] and r["caption"].strip()]
        missing = [f for f, _ in self.pairs if not (self.images / f).is_file()]
        if missing:
            raise ValueError(f"{len(missing)} images listed in the CSV are not in {self.images}, e.g. {missing[0]!r}")

    def __len__(self) -> int:
        return len(self.pairs)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, str]:
        file, text = self.pairs[i]
        pixels = self.image_processor(
            images=open_image(self.images / file, roots=[self.images]), return_tensors="pt"
        ).pixel_values[0]
        return pixels, text


class CaptionerRecipe(Recipe):
    """Fine-tune a vision encoder–decoder on (image, caption) pairs with the decoder's own cross-entropy; ships
    a save_pretrained folder the Captioning tab opens."""

    family = "captioner"
    shipped_roles = ("captioner",)
    defaults: ClassVar[dict[str, Any]] = {"epochs": 3, "batch_size": 8, "lr": 5e-5, "lr_decay": "linear"}

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--images", type=Path, help="folder of images (for the captioner family)")
        parser.add_argument("--captions", type=Path, help="CSV with columns file, caption")
        parser.add_argument(
            "--base", default="swin-gpt2", help="captioner to start from: registry key, folder or Hub id"
        )

    @classmethod
    def _components(cls, args: argparse.Namespace) -> tuple[Any, Any, Any]:
        try:
            return load_components(resolve(args.base), local_only=True)
        except OSError:
            raise ValueError(
                f"the base captioner {args.base!r} is not downloaded; run {fetch_command(args.base)}"
            ) from None

    @classmethod
    def load_data(cls, args: argparse.Namespace) -> ImageData:
        if not args.images or not args.captions:
            raise ValueError("the captioner family needs --images DIR and --captions FILE.csv")
        _, image_processor, _ = cls._components(args)
        pairs = CaptionPairs(args.images, args.captions, image_processor)
        return ImageData(name=Path(args.images).name, dataset=pairs, class_names=(), channels=3, image_size=0)

    @classmethod
    def make_config(cls, data: ImageData, args: argparse.Namespace) -> CaptionerConfig:
        return CaptionerConfig(base=args.base, **args.model)

    def build(self) -> dict[str, nn.Module]:
        model, self.image_processor, self.tokenizer = self._components(self.args)
        if not hasattr(model, "encoder") or not hasattr(model, "decoder"):
            raise ValueError("fine-tuning supports vision encoder–decoder models (ViT/Swin + GPT-2), not BLIP")
        return {"captioner": model}

    def optimizers(self, modules):
        return {"captioner": torch.optim.AdamW(modules["captioner"].parameters(), lr=self.args.lr, weight_decay=0.01)}

    def step(self, modules, optimizers, images, labels, rng):
        # Teacher forcing: the decoder reads the caption shifted right and predicts every next token.
        texts = [f"{caption}{self.tokenizer.eos_token}" for caption in labels]
        tokens = self.tokenizer(
            texts, padding=True, truncation=True, max_length=self.config.max_length, return_tensors="pt",
            add_special_tokens=False,
        ).to(images.device)  # fmt: skip
        targets = tokens.input_ids.masked_fill(tokens.attention_mask == 0, -100)  # no loss on padding
        loss = modules["captioner"](pixel_values=images, labels=targets).loss
        optimizers["captioner"].zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(modules["captioner"].parameters(), 1.0)
        optimizers["captioner"].step()
        return {"loss": loss.detach()}

    def export(self, modules: dict[str, nn.Module], stem: Path, card: dict[str, Any]) -> None:
        """save_pretrained (safetensors) + tokenizer + image processor, so any captioner loader reads it."""
        folder = stem
        unwrap(modules["captioner"]).save_pretrained(folder)
        self.tokenizer.save_pretrained(folder)
        self.image_processor.save_pretrained(folder)
        (folder / "model_card.json").write_text(json.dumps({**card, "config": asdict(self.config)}, indent=2) + "\n")
