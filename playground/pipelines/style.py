"""Neural style transfer by optimisation (Gatys, Ecker & Bethge 2016) on VGG19 features.

The picture itself is the parameter: L-BFGS (or Adam) pulls its VGG19 activations toward the content
image's at conv4_2 and its Gram matrices toward the style images' at conv1_1 … conv5_1. This version keeps
only the VGG layers it reads, freezes them, computes the style Grams once per style, and on CUDA runs
channels-last under bfloat16 autocast (Grams and losses stay in float32). It yields pictures as it goes.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from .. import controls, hub
from ..errors import UserError, WeightsMissing

# torchvision's ImageNet VGG19, as safetensors on the Hub (timm's copy, the same numbers) ...
VGG19_HUB_REPO, VGG19_HUB_FILE = "timm/vgg19.tv_in1k", "model.safetensors"
# ... and torchvision's own pickle, the fallback (read with weights_only=True; sha256 starts with the name's hash)
VGG19_WEIGHTS_URL = "https://download.pytorch.org/models/vgg19-dcbb9e9d.pth"
VGG19_SHA256_PREFIX = "dcbb9e9d"
# Each named layer's ReLU output, by index in torchvision's vgg19().features.
VGG19_LAYERS = {
    "conv1_1": 1, "conv1_2": 3, "conv2_1": 6, "conv2_2": 8, "conv3_1": 11, "conv3_2": 13, "conv3_3": 15,
    "conv3_4": 17, "conv4_1": 20, "conv4_2": 22, "conv4_3": 24, "conv4_4": 26, "conv5_1": 29, "conv5_2": 31,
    "conv5_3": 33, "conv5_4": 35,
}  # fmt: skip
VGG19_FETCH = "python -m playground.fetch vgg19"
STYLE_LAYERS = ("conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv5_1")
CONTENT_LAYERS = ("conv4_2",)
IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
MAX_SCALES = 4
MIN_SCALE_SIDE = 64  # a coarser picture leaves conv5_1 with under 4×4 activations: no style left to match


def vgg19_weights_path() -> Path:
    """Where torchvision keeps its download (torch's hub cache, TORCH_HOME)."""
    return Path(torch.hub.get_dir()) / "checkpoints" / Path(VGG19_WEIGHTS_URL).name


def vgg19_hub_path() -> Path | None:
    """The Hub's safetensors copy in the Hugging Face cache, if it was fetched."""
    return hub.cached(VGG19_HUB_REPO, VGG19_HUB_FILE)


def vgg19_present() -> bool:
    return vgg19_hub_path() is not None or vgg19_weights_path().exists()


def features_state(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """torchvision's and timm's VGG19 name the convolutional stack alike (`features.<index>.weight`); keep
    it and drop the classifier (torchvision `classifier.*`, timm `pre_logits.*` and `head.*`)."""
    return {k.removeprefix("features."): v for k, v in state.items() if k.startswith("features.")}


def vgg19_features() -> nn.Sequential:
    """torchvision's VGG19 convolutional stack, randomly initialised (no 120M-parameter classifier)."""
    from torchvision.models.vgg import cfgs, make_layers

    return make_layers(cfgs["E"])


def load_vgg19_features() -> nn.Sequential:
    """VGG19's convolutional stack with ImageNet weights from the local caches (never downloads): the Hub's
    safetensors first, torchvision's pickle (tensors only) second."""
    path = vgg19_hub_path() or vgg19_weights_path()
    if not path.exists():
        raise WeightsMissing(
            f"VGG19's ImageNet weights are not downloaded on this machine. Fetch them once with: {VGG19_FETCH}",
            command=VGG19_FETCH,
        )
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        state = load_file(path)
    else:
        state = torch.load(path, map_location="cpu", weights_only=True)
    features = vgg19_features()
    try:
        features.load_state_dict(features_state(state))
    except RuntimeError as exc:
        raise UserError(f"{path.name} does not hold VGG19 weights: {str(exc).splitlines()[0]}") from None
    return features


class VGGFeatures(nn.Module):
    """The VGG19 layers up to the deepest one read, frozen; returns each requested layer's activation."""

    def __init__(self, features: nn.Sequential, layers: Sequence[str], *, avg_pool: bool = False) -> None:
        super().__init__()
        unknown = [name for name in layers if name not in VGG19_LAYERS]
        if unknown:
            raise UserError(f"Unknown VGG19 layer {unknown[0]!r}; use names like conv4_2.")
        last = max(VGG19_LAYERS[name] for name in layers)
        body = [nn.AvgPool2d(2, 2) if avg_pool and isinstance(m, nn.MaxPool2d) else m for m in features[: last + 1]]
        self.body = nn.Sequential(*body).eval().requires_grad_(False)
        self.taps = {VGG19_LAYERS[name]: name for name in layers}
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1))

    def forward(self, image: torch.Tensor) -> dict[str, torch.Tensor]:
        x = (image - self.mean) / self.std  # image: (B, 3, H, W) in [0, 1]
        out = {}
        for i, layer in enumerate(self.body):
            x = layer(x)
            if i in self.taps:
                out[self.taps[i]] = x
        return out


def gram(features: torch.Tensor) -> torch.Tensor:
    """(B, C, H, W) → (B, C, C) Gram matrix, normalised by C·H·W, in float32."""
    b, c, h, w = features.shape
    f = features.float().reshape(b, c, h * w)
    return f @ f.transpose(1, 2) / (c * h * w)


def total_variation(image: torch.Tensor) -> torch.Tensor:
    return (image[..., 1:, :] - image[..., :-1, :]).abs().mean() + (image[..., :, 1:] - image[..., :, :-1]).abs().mean()


# -- images in and out -----------------------------------------------------------------------------------
def fit(image: Image.Image, max_side: int) -> Image.Image:
    scale = max_side / max(image.size)
    if scale >= 1:
        return image
    return image.resize(
        (max(1, round(image.width * scale)), max(1, round(image.height * scale))), Image.Resampling.LANCZOS
    )


def to_tensor(image: Image.Image) -> torch.Tensor:
    array = np.asarray(image.convert("RGB"), dtype=np.float32) / 255
    return torch.from_numpy(array).permute(2, 0, 1)[None].contiguous()  # (1, 3, H, W) in [0, 1]


def to_image(x: torch.Tensor) -> Image.Image:
    return Image.fromarray(
        (x[0].detach().float().clamp(0, 1).permute(1, 2, 0).cpu().numpy() * 255).round().astype(np.uint8)
    )


def luminance(image: Image.Image) -> Image.Image:
    """The Y channel as a grey RGB picture (for colour-preserving transfer)."""
    return image.convert("YCbCr").getchannel("Y").convert("RGB")


def with_chroma_of(result: Image.Image, content: Image.Image) -> Image.Image:
    """Luminance from the stylised result, colour (Cb, Cr) from the content photo."""
    _, cb, cr = content.resize(result.size, Image.Resampling.LANCZOS).convert("YCbCr").split()
    return Image.merge("YCbCr", (result.convert("YCbCr").getchannel("Y"), cb, cr)).convert("RGB")


# -- the optimisation --------------------------------------------------------------------------------------
@dataclass
class GatysSettings:
    steps: int = 300
    size: int = 384  # longest side of the result
    style_size: int | None = None  # longest side the style images are read at (default: size)
    content_weight: float = 1.0
    style_weight: float = 1e6
    tv_weight: float = 1e-3
    optimizer: str = "lbfgs"  # or "adam"
    lr: float = 0.02  # Adam only
    init: str = "content"  # or "style", "noise"
    preserve_color: bool = False
    content_layers: tuple[str, ...] = CONTENT_LAYERS
    style_layers: tuple[str, ...] = STYLE_LAYERS
    avg_pool: bool = False
    seed: int = 0
    scales: int = 1  # coarse-to-fine: optimise at size / 2^(scales-1) first, then double up to `size`

    def checked(self) -> GatysSettings:
        controls.choice(self.optimizer, "optimizer", ("lbfgs", "adam"))
        controls.choice(self.init, "initialisation", ("content", "style", "noise"))
        self.steps = controls.whole(self.steps, "Steps", 1, 5000)
        self.size = controls.whole(self.size, "The output size", 32, 2048)
        if self.style_size is not None:
            self.style_size = controls.whole(self.style_size, "The style size", 32, 2048)
        for name in ("content_weight", "style_weight", "tv_weight"):
            setattr(self, name, controls.bounded(getattr(self, name), name.replace("_", " ").capitalize(), 0, 1e12))
        self.lr = controls.bounded(self.lr, "The learning rate", 1e-5, 1.0)
        self.scales = controls.whole(self.scales, "The number of scales", 1, MAX_SCALES)
        return self

    def schedule(self) -> list[tuple[int, int]]:
        """(longest side, steps) of each scale, coarsest first: jcjohnson's neural-style multi-resolution
        recipe. Sides halve from `size` down to MIN_SCALE_SIDE at most; the step budget goes
        (n, n-1, …, 1)-proportionally to the scales, most where a step is cheapest (a step costs ∝ pixels)."""
        sides = [self.size >> k for k in range(self.scales) if self.size >> k >= MIN_SCALE_SIDE][::-1] or [self.size]
        n = len(sides)
        shares = [n - k for k in range(n)]  # coarsest first
        steps = [max(1, self.steps * share // sum(shares)) for share in shares]
        steps[-1] += self.steps - sum(steps)  # the full size takes what rounding left (the budget stays exact)
        if steps[-1] < 1:  # fewer steps than scales: one each, as far as they go, from the full size down
            return [(side, 1) for side in sides[-self.steps :]]
        return list(zip(sides, steps, strict=True))


@dataclass
class GatysProgress:
    step: int
    image: Image.Image
    losses: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0


class Gatys:
    """One VGG19, resident on the device; `run` is a generator of progress pictures."""

    def __init__(self, features: nn.Sequential, device: torch.device) -> None:
        self.features, self.device = features.to(device), device
        self._extractors: dict[tuple, VGGFeatures] = {}

    def extractor(self, layers: tuple[str, ...], avg_pool: bool) -> VGGFeatures:
        key = (layers, avg_pool)
        if key not in self._extractors:
            vgg = VGGFeatures(self.features, layers, avg_pool=avg_pool).to(self.device)
            if self.device.type == "cuda":
                vgg = vgg.to(memory_format=torch.channels_last)
            self._extractors[key] = vgg
        return self._extractors[key]

    def _activations(self, vgg: VGGFeatures, x: torch.Tensor) -> dict[str, torch.Tensor]:
        if self.device.type == "cuda":
            with torch.autocast("cuda", dtype=torch.bfloat16):
                return vgg(x.contiguous(memory_format=torch.channels_last))
        return vgg(x)

    def stylized(
        self, image: Image.Image, *, styles: Sequence[tuple[Image.Image, float]], settings: GatysSettings,
        every: int = 10,
    ) -> Iterator[GatysProgress]:  # fmt: skip
        """Optimise a picture whose VGG19 features match `image`'s and whose Gram matrices match the weighted
        blend of `styles`; yields the picture every `every` steps (and at the last) with the losses."""
        s = settings.checked()
        content = fit(image.convert("RGB"), s.size)
        weights = blend_weights(styles)
        vgg = self.extractor(tuple(dict.fromkeys(s.content_layers + s.style_layers)), s.avg_pool)
        started, done, picture = time.perf_counter(), 0, None
        for side, steps in s.schedule():
            here = fit(content, side)
            style_side = round((s.style_size or s.size) * side / s.size)  # styles shrink with the picture
            style_images = [fit(img.convert("RGB"), style_side) for img, _ in styles]
            if s.preserve_color:  # optimise brightness only; the content's colours come back at the end
                work, style_images = luminance(here), [luminance(img) for img in style_images]
            else:
                work = here
            targets = self._targets(vgg, work, style_images, weights, s)
            if picture is None:
                start = self._start(work, style_images, s)
            else:  # the coarser result, upsampled, starts this scale
                start = F.interpolate(picture, size=(work.height, work.width), mode="bilinear", align_corners=False)
            for step, picture, losses in self._optimise(vgg, targets, start.clamp(0, 1), s, steps, every):
                shown = to_image(picture)
                yield GatysProgress(
                    done + step, with_chroma_of(shown, here) if s.preserve_color else shown, losses,
                    time.perf_counter() - started,
                )  # fmt: skip
            done += steps

    def _targets(
        self, vgg: VGGFeatures, content: Image.Image, style_images: list[Image.Image], weights: list[float],
        s: GatysSettings,
    ) -> Targets:  # fmt: skip
        """The content activations and each style's Grams, computed once."""
        with torch.inference_mode():
            acts = self._activations(vgg, to_tensor(content).to(self.device))
            content_acts = {k: v.float() for k, v in acts.items() if k in s.content_layers}
            grams = []
            for img, w in zip(style_images, weights, strict=True):
                style_acts = self._activations(vgg, to_tensor(img).to(self.device))
                grams.append((w / sum(weights), {k: gram(style_acts[k]) for k in s.style_layers}))
        # clones leave inference mode, so the targets can sit in a graph that needs gradients
        return Targets(
            {k: v.clone() for k, v in content_acts.items()},
            [(w, {k: g.clone() for k, g in layer_grams.items()}) for w, layer_grams in grams],
        )

    def _start(self, content: Image.Image, style_images: list[Image.Image], s: GatysSettings) -> torch.Tensor:
        """The picture the optimisation starts from: the content, the first style, or seeded grey noise."""
        if s.init == "content":
            return to_tensor(content).to(self.device)
        if s.init == "style":
            return to_tensor(style_images[0].resize(content.size, Image.Resampling.LANCZOS)).to(self.device)
        generator = torch.Generator().manual_seed(s.seed)
        size = (1, 3, content.height, content.width)
        return (0.5 + 0.1 * torch.randn(size, generator=generator)).clamp(0, 1).to(self.device)

    def _loss(
        self, vgg: VGGFeatures, targets: Targets, image: torch.Tensor, s: GatysSettings
    ) -> dict[str, torch.Tensor]:
        acts = self._activations(vgg, image)
        content_loss = sum(F.mse_loss(acts[k].float(), t) for k, t in targets.content.items())
        style_loss = sum(
            w * sum(F.mse_loss(gram(acts[k]), g) for k, g in grams.items()) / len(grams) for w, grams in targets.styles
        )
        tv = total_variation(image)
        total = s.content_weight * content_loss + s.style_weight * style_loss + s.tv_weight * tv
        return {"content": content_loss, "style": style_loss, "tv": tv, "total": total}

    def _optimise(
        self, vgg: VGGFeatures, targets: Targets, start: torch.Tensor, s: GatysSettings, steps: int, every: int
    ) -> Iterator[tuple[int, torch.Tensor, dict[str, float]]]:
        """L-BFGS (one function evaluation per step) or Adam on the pixels, clamped to [0, 1] after each step;
        yields (step, the picture (1, 3, H, W), losses) every `every` steps and at the last."""
        image = start.clone().requires_grad_(True)
        losses: dict[str, float] = {}
        if s.optimizer == "lbfgs":
            optimizer = torch.optim.LBFGS([image], lr=1.0, max_iter=1, history_size=50)
        else:
            optimizer = torch.optim.Adam([image], lr=s.lr)

        def closure() -> torch.Tensor:
            optimizer.zero_grad(set_to_none=True)
            parts = self._loss(vgg, targets, image, s)
            losses.update({k: float(v.detach()) for k, v in parts.items()})
            parts["total"].backward()
            return parts["total"]

        for step in range(1, steps + 1):
            optimizer.step(closure)
            with torch.no_grad():
                image.clamp_(0, 1)
            if step % every == 0 or step == steps:
                yield step, image.detach(), dict(losses)


@dataclass
class Targets:
    content: dict[str, torch.Tensor]  # layer → activation of the content picture
    styles: list[tuple[float, dict[str, torch.Tensor]]]  # (blend weight, layer → Gram) per style picture


def blend_weights(styles: Sequence[tuple[Image.Image, float]]) -> list[float]:
    """Each style's blend weight, checked: at least one style, and at least one weight above 0."""
    if not styles:
        raise UserError("Give at least one style image.")
    weights = [controls.bounded(w, "A style's blend weight", 0, 1e6) for _, w in styles]
    if sum(weights) <= 0:
        raise UserError("At least one style needs a blend weight above 0.")
    return weights
