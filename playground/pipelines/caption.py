"""Captioning: a vision encoder feeding a text decoder through cross-attention (ViT/Swin + GPT-2, or BLIP),
loaded through transformers, decoded greedily and by beam search side by side, with the decoder's
cross-attention over the image for every generated word.

Weights come from the Hugging Face Hub once (`python -m playground.fetch caption NAME`) and are then read
from the local cache only: the app never waits on the network.
"""

from __future__ import annotations

import json
import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image

from .. import controls, hub
from ..errors import UserError, WeightsMissing


@dataclass(frozen=True)
class CaptionerSpec:
    key: str
    label: str
    kind: str  # "encoder-decoder" | "blip" | "compose"
    repo: str | None = None
    encoder: str | None = None  # for "compose": a pretrained vision encoder ...
    decoder: str | None = None  # ... and a pretrained causal language model, joined by new cross-attention
    needs_finetuning: bool = False


REGISTRY: dict[str, CaptionerSpec] = {
    "vit-gpt2": CaptionerSpec("vit-gpt2", "ViT + GPT-2 (nlpconnect)", "encoder-decoder",
                              repo="nlpconnect/vit-gpt2-image-captioning"),
    "blip": CaptionerSpec("blip", "BLIP base (Salesforce)", "blip", repo="Salesforce/blip-image-captioning-base"),
    "swin-gpt2": CaptionerSpec(
        "swin-gpt2", "Swin + GPT-2, composed: cross-attention untrained, needs fine-tuning", "compose",
        encoder="microsoft/swin-tiny-patch4-window7-224", decoder="gpt2", needs_finetuning=True,
    ),
}  # fmt: skip


def fetch_command(key: str) -> str:
    return f"python -m playground.fetch caption {key}"


def hub_repos(spec: CaptionerSpec) -> list[str]:
    """The Hub repositories a captioner is read from (none for a local folder)."""
    if spec.kind == "compose":
        return [r for r in (spec.encoder, spec.decoder) if r]
    return [spec.repo] if spec.repo and not Path(spec.repo).expanduser().is_dir() else []


# -- loading ---------------------------------------------------------------------------------------------
def _local_kind(folder: Path) -> str:
    try:
        model_type = json.loads((folder / "config.json").read_text()).get("model_type")
    except (OSError, json.JSONDecodeError):
        raise UserError(f"{folder.name} has no readable config.json (a folder saved with save_pretrained).") from None
    if model_type == "vision-encoder-decoder":
        return "encoder-decoder"
    if model_type == "blip":
        return "blip"
    raise UserError(f"{folder.name} holds a {model_type!r} model, not an image captioner.")


def load_components(spec: CaptionerSpec, *, local_only: bool = True) -> tuple[Any, Any, Any]:
    """(model, image processor, tokenizer) for a spec; `local_only` reads the Hub cache without network."""
    from transformers import (
        AutoImageProcessor,
        AutoTokenizer,
        BlipForConditionalGeneration,
        BlipProcessor,
        VisionEncoderDecoderModel,
    )  # fmt: skip

    cache = str(hub.cache_dir())  # read when called: HF_HOME / HF_HUB_CACHE may point elsewhere (tests, Spaces)
    options = {"local_files_only": local_only, "cache_dir": cache}
    if spec.kind == "blip":
        processor = BlipProcessor.from_pretrained(spec.repo, **options)
        model = BlipForConditionalGeneration.from_pretrained(spec.repo, **options)
        return model, processor.image_processor, processor.tokenizer
    if spec.kind == "compose":
        model = VisionEncoderDecoderModel.from_encoder_decoder_pretrained(
            spec.encoder, spec.decoder, encoder_local_files_only=local_only, decoder_local_files_only=local_only,
            encoder_cache_dir=cache, decoder_cache_dir=cache,
        )  # fmt: skip
        image_processor = AutoImageProcessor.from_pretrained(spec.encoder, **options)
        tokenizer = AutoTokenizer.from_pretrained(spec.decoder, **options)
        if tokenizer.pad_token is None:  # GPT-2 has none: pad with end-of-text
            tokenizer.pad_token = tokenizer.eos_token
        model.config.decoder_start_token_id = tokenizer.bos_token_id
        model.config.pad_token_id = tokenizer.pad_token_id
        model.config.eos_token_id = tokenizer.eos_token_id
        model.generation_config.decoder_start_token_id = tokenizer.bos_token_id
        model.generation_config.pad_token_id = tokenizer.pad_token_id
        model.generation_config.eos_token_id = tokenizer.eos_token_id
        return model, image_processor, tokenizer
    model = VisionEncoderDecoderModel.from_pretrained(spec.repo, **options)
    return (
        model,
        AutoImageProcessor.from_pretrained(spec.repo, **options),
        AutoTokenizer.from_pretrained(spec.repo, **options),
    )


def canonical(source: str) -> str:
    """One spelling per captioner, used as its key: a registry key or Hub id as given, a path (anything with
    a path separator or a leading dot or tilde that is not a Hub id) resolved (`dir`, `dir/`, `dir/.` → one)."""
    source = str(source).strip()
    if source in REGISTRY:
        return source
    looks_like_hub_id = source.count("/") == 1 and not source.startswith(("/", ".", "~")) and not source.endswith("/")
    if looks_like_hub_id and not Path(source).exists():
        return source
    return os.path.realpath(os.path.expanduser(source))


def resolve(source: str) -> CaptionerSpec:
    """A registry key, a local folder saved with save_pretrained, or a Hub repo id."""
    if source in REGISTRY:
        return REGISTRY[source]
    folder = Path(source).expanduser()
    if folder.is_dir():
        return CaptionerSpec(folder.name, f"local: {folder.name}", _local_kind(folder), repo=str(folder))
    if source.count("/") == 1 and " " not in source:
        kind = "blip" if "blip" in source.lower() else "encoder-decoder"
        return CaptionerSpec(source, source, kind, repo=source)
    raise UserError(f"Unknown captioner {source[:60]!r}; choose one of {', '.join(REGISTRY)}, a folder or a Hub id.")


def load_captioner(source: str, device: torch.device) -> Captioner:
    spec = resolve(source)
    try:
        model, image_processor, tokenizer = load_components(spec, local_only=True)
    except OSError:  # transformers' "not in the cache and offline" family of errors
        raise WeightsMissing(
            f"The captioning model {spec.label} is not downloaded on this machine. "
            f"Fetch it once with: {fetch_command(spec.key)}",
            command=fetch_command(spec.key),
        ) from None
    return Captioner(model, image_processor, tokenizer, spec, device)


# -- decoding ----------------------------------------------------------------------------------------------
@dataclass
class Candidate:
    text: str
    log_prob: float  # Σ log p(token) under the model, end-of-text included
    tokens: int

    @property
    def per_token(self) -> float:
        return self.log_prob / max(self.tokens, 1)


@dataclass
class CaptionReport:
    greedy: Candidate
    beams: list[Candidate]
    greedy_seconds: float
    beam_seconds: float
    settings: dict[str, Any] = field(default_factory=dict)


@dataclass
class AttentionReport:
    tokens: list[str]
    maps: np.ndarray  # (T, g, g): for each generated token, where the decoder looked (rows sum to 1)


class Captioner:
    def __init__(self, model: Any, image_processor: Any, tokenizer: Any, spec: CaptionerSpec, device: torch.device):
        self.spec, self.device = spec, device
        self.model = model.to(device).eval()
        if hasattr(self.model, "set_attn_implementation"):
            self.model.set_attn_implementation("eager")  # attention weights are only returned by eager attention
        self.image_processor, self.tokenizer = image_processor, tokenizer
        self.is_blip = spec.kind == "blip"

    def pixels(self, image: Image.Image) -> torch.Tensor:
        return self.image_processor(images=image.convert("RGB"), return_tensors="pt").pixel_values.to(self.device)

    def _generate(self, pixels: torch.Tensor, **kwargs: Any) -> Any:
        return self.model.generate(pixel_values=pixels, do_sample=False, return_dict_in_generate=True, **kwargs)

    @torch.inference_mode()
    def sequence_log_probs(self, pixels: torch.Tensor, sequences: torch.Tensor) -> list[tuple[float, int]]:
        """Re-score finished sequences with one teacher-forced pass: (Σ log p, number of scored tokens)."""
        n = sequences.shape[0]
        inputs, targets = sequences[:, :-1], sequences[:, 1:]
        batch = pixels.expand(n, *pixels.shape[1:])
        if self.is_blip:
            logits = self.model(pixel_values=batch, input_ids=inputs).logits
        else:
            logits = self.model(pixel_values=batch, decoder_input_ids=inputs).logits
        token_lp = logits.log_softmax(-1).gather(-1, targets[..., None]).squeeze(-1)  # (n, L-1)
        pad, eos = self.tokenizer.pad_token_id, self.model.generation_config.eos_token_id
        keep = torch.ones_like(targets, dtype=torch.bool)
        for row in range(n):  # score up to and including the first end-of-text; padding after it is not text
            ends = (targets[row] == eos).nonzero()
            if len(ends):
                keep[row, ends[0, 0] + 1 :] = False
            elif pad is not None and pad != eos:
                keep[row] &= targets[row] != pad
        return [(float(token_lp[r][keep[r]].sum()), int(keep[r].sum())) for r in range(n)]

    def _candidates(self, pixels: torch.Tensor, sequences: torch.Tensor) -> list[Candidate]:
        texts = self.tokenizer.batch_decode(sequences, skip_special_tokens=True)
        scores = self.sequence_log_probs(pixels, sequences)
        return [Candidate(t.strip(), lp, n) for t, (lp, n) in zip(texts, scores, strict=True)]

    @torch.inference_mode()
    def captions(
        self, image: Image.Image, *, beams: Any = 4, n: Any = 3, steps: Any = 20, no_repeat_ngram_size: Any = 0,
        repetition_penalty: Any = 1.0, length_penalty: Any = 1.0,
    ) -> CaptionReport:  # fmt: skip
        """Greedy decoding beside beam search (width `beams`, its `n` best kept), each at most `steps` tokens,
        every candidate re-scored with its exact log-probability; timings of both."""
        width = controls.whole(beams, "The number of beams", 1, 16)
        settings = {
            "beams": width,
            "n": min(controls.whole(n, "The n-best size", 1, 16), width),  # at most one entry per beam
            "steps": controls.whole(steps, "Max new tokens", 1, 64),
            "no_repeat_ngram_size": controls.whole(no_repeat_ngram_size, "No-repeat n-gram size", 0, 6),
            "repetition_penalty": controls.bounded(repetition_penalty, "The repetition penalty", 1.0, 3.0),
            "length_penalty": controls.bounded(length_penalty, "The length penalty", -2.0, 3.0),
        }
        shared = {
            "max_new_tokens": settings["steps"], "no_repeat_ngram_size": settings["no_repeat_ngram_size"],
            "repetition_penalty": settings["repetition_penalty"],
        }  # fmt: skip
        pixels = self.pixels(image)
        start = time.perf_counter()
        greedy = self._generate(pixels, num_beams=1, **shared)
        greedy_seconds = time.perf_counter() - start
        start = time.perf_counter()
        beam = self._generate(
            pixels, num_beams=width, num_return_sequences=settings["n"],
            length_penalty=settings["length_penalty"], early_stopping=True, **shared,
        )  # fmt: skip
        beam_seconds = time.perf_counter() - start
        return CaptionReport(
            greedy=self._candidates(pixels, greedy.sequences)[0],
            beams=self._candidates(pixels, beam.sequences),
            greedy_seconds=greedy_seconds, beam_seconds=beam_seconds, settings=settings,
        )  # fmt: skip

    @torch.inference_mode()
    def attention(self, image: Image.Image, *, steps: Any = 20, layer: Any = "mean") -> AttentionReport:
        """Greedy caption plus, per generated token, the cross-attention over the image patches
        (averaged over heads, and over layers unless one layer is picked)."""
        if self.is_blip:
            raise UserError("Attention maps are shown for vision encoder–decoder models (ViT/Swin + GPT-2).")
        pixels = self.pixels(image)
        out = self._generate(
            pixels, num_beams=1, output_attentions=True,
            max_new_tokens=controls.whole(steps, "Max new tokens", 1, 64),
        )  # fmt: skip
        per_token = out.cross_attentions  # per token: per layer (1, heads, 1, patches)
        n_layers = len(per_token[0])
        pick = list(range(n_layers)) if layer == "mean" else [controls.whole(layer, "The layer", 0, n_layers - 1)]
        maps = torch.stack([torch.stack([layers[i][0].mean(0)[-1] for i in pick]).mean(0) for layers in per_token])
        maps = patch_grid(maps.float().cpu())
        token_ids = out.sequences[0, 1 : 1 + len(per_token)]
        tokens = [self.tokenizer.decode([int(t)]).strip() or "␣" for t in token_ids]
        return AttentionReport(tokens, maps.numpy())


def patch_grid(weights: torch.Tensor) -> torch.Tensor:
    """(T, P) attention over encoder positions → (T, g, g) over the patch grid; a leading [CLS] position
    (ViT) is dropped and the rest renormalised."""
    n = weights.shape[1]
    side = math.isqrt(n - 1)
    if side * side == n - 1:
        weights = weights[:, 1:]
    else:
        side = math.isqrt(n)
        if side * side != n:
            raise UserError(f"Cannot lay {n} encoder positions out as a square patch grid.")
    weights = weights / weights.sum(1, keepdim=True).clamp_min(1e-12)
    return weights.view(-1, side, side)


def overlay(image: Image.Image, heat: np.ndarray, alpha: float = 0.6) -> Image.Image:
    """Heat (g, g) in any range, stretched over the image: bright red where attention is high."""
    base = image.convert("RGB")
    h = (heat - heat.min()) / max(float(heat.max() - heat.min()), 1e-12)
    mask = Image.fromarray((h * 255).astype(np.uint8), "L").resize(base.size, Image.Resampling.BILINEAR)
    red = Image.new("RGB", base.size, (255, 40, 40))
    dimmed = Image.blend(base, Image.new("RGB", base.size, (0, 0, 0)), 0.45)
    return Image.composite(Image.blend(base, red, alpha), dimmed, mask)
