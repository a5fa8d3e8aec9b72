"""CycleGAN translation A↔B for images of any size: our own trained pairs and the reference
implementation's published generators (fetched once into the cache, verified, loaded without pickle)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from PIL import Image

from .. import checkpoints, settings
from ..downloads import HashBook, download, sha256_of
from ..errors import CheckpointError, DownloadError, UserError, WeightsMissing
from ..models.cyclegan import DOWNSAMPLINGS, CycleGANConfig, ResnetGenerator, drop_instance_norm_stats

OFFICIAL_URL = settings.CYCLEGAN_URL  # PLAYGROUND_CYCLEGAN_URL names a mirror
OFFICIAL_DIR = settings.CACHE_DIR / "cyclegan"
DIRECTIONS = ("A→B", "B→A")


@dataclass(frozen=True)
class OfficialPair:
    """A pair of published generators; `b_to_a` is None where only one direction was released."""

    key: str
    label_a: str
    label_b: str
    a_to_b: str
    b_to_a: str | None


OFFICIAL: dict[str, OfficialPair] = {
    p.key: p
    for p in (
        OfficialPair("horse2zebra", "horse", "zebra", "horse2zebra", "zebra2horse"),
        OfficialPair("apple2orange", "apple", "orange", "apple2orange", "orange2apple"),
        OfficialPair("summer2winter_yosemite", "summer", "winter", "summer2winter_yosemite", "winter2summer_yosemite"),
        OfficialPair("photo2monet", "photo", "Monet", "style_monet", "monet2photo"),
        OfficialPair("style_vangogh", "photo", "Van Gogh", "style_vangogh", None),
        OfficialPair("style_cezanne", "photo", "Cézanne", "style_cezanne", None),
        OfficialPair("style_ukiyoe", "photo", "Ukiyo-e", "style_ukiyoe", None),
        OfficialPair("iphone2dslr_flower", "iPhone", "DSLR", "iphone2dslr_flower", None),
        OfficialPair("map2sat", "map", "satellite", "map2sat", "sat2map"),
    )
}
PINNED_SHA256: dict[str, str] = {}  # none published upstream: each file's hash is recorded on first fetch


def fetch_command(name: str) -> str:
    return f"python -m playground.fetch cyclegan {name}"


def official_path(name: str, folder: Path | None = None) -> Path:
    return Path(folder or OFFICIAL_DIR) / f"{name}.pth"


def fetch_official(name: str, *, folder: Path | None = None, url: str | None = None, timeout: float = 20.0,
                   quiet: bool = True, progress: Callable[[int, int | None], None] | None = None) -> Path:  # fmt: skip
    """Download one published generator into the cache (once) and record its hash."""
    folder = Path(folder or OFFICIAL_DIR)
    book = HashBook(folder)
    dest = official_path(name, folder)
    known = PINNED_SHA256.get(name) or (book.get(name) or {}).get("sha256")
    download(url or OFFICIAL_URL.format(name=name), dest, sha256=known, timeout=timeout, quiet=quiet,
             progress=progress)  # fmt: skip
    book.record(name, sha256_of(dest), dest.stat().st_size)
    return dest


def load_official(name: str, device: torch.device, *, pair: str | None = None, folder: Path | None = None,
                  fetch: bool | None = None, timeout: float = 8.0) -> ResnetGenerator:  # fmt: skip
    """A published `latest_net_G` (ngf 64, 9 blocks): verified against its recorded hash, unpickled only
    as tensors (`weights_only=True`), legacy instance-norm statistics dropped."""
    folder = Path(folder or OFFICIAL_DIR)
    path = official_path(name, folder)
    fetch = not settings.OFFLINE if fetch is None else fetch
    if not path.exists():
        if not fetch:
            raise WeightsMissing(
                f"{path.name} is not downloaded. Fetch it with: {fetch_command(pair or name)}",
                command=fetch_command(pair or name),
            )
        try:
            fetch_official(name, folder=folder, timeout=timeout)
        except DownloadError as exc:
            raise WeightsMissing(
                f"{path.name} is not downloaded ({exc}). Fetch it with: {fetch_command(pair or name)}",
                command=fetch_command(pair or name),
            ) from None
    record = HashBook(folder).get(name)
    if record and sha256_of(path) != record["sha256"]:
        raise CheckpointError(
            f"{path.name} does not match the hash recorded when it was fetched; delete it and fetch again"
        )
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # weights_only refuses pickled code; anything unreadable lands here too
        raise CheckpointError(f"{path.name} is not a plain state dict of tensors ({exc.__class__.__name__})") from None
    if not isinstance(state, dict):
        raise CheckpointError(f"{path.name} does not hold a state dict")
    state, dropped = drop_instance_norm_stats(state)
    if dropped:
        print(f"note: {path.name}: dropped {len(dropped)} legacy instance-norm statistics")
    generator = ResnetGenerator(CycleGANConfig())
    try:
        generator.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        first = " ".join(line.strip() for line in str(exc).splitlines()[1:3])
        raise CheckpointError(f"{path.name} is not a ResNet-9 CycleGAN generator: {first}") from None
    return generator.to(device).eval()


@dataclass
class Translation:
    output: Image.Image
    reconstruction: Image.Image | None  # A→B→A (or B→A→B); None where the way back was not published
    identity: Image.Image | None  # the generator given an image already in its target domain
    notice: str


def to_tensor(image: Image.Image, channels: int) -> torch.Tensor:
    mode = "L" if channels == 1 else "RGB"
    x = torch.frombuffer(bytearray(image.convert(mode).tobytes()), dtype=torch.uint8)
    x = x.view(image.height, image.width, channels).permute(2, 0, 1).float()
    return x[None] / 127.5 - 1  # (1, C, H, W) in [-1, 1]


def to_image(x: torch.Tensor) -> Image.Image:
    array = ((x[0].clamp(-1, 1) + 1) * 127.5).round().byte().permute(1, 2, 0).cpu().numpy()
    return Image.fromarray(array[..., 0] if array.shape[2] == 1 else array)


def run_padded(generator: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Pad the sides up to the generator's stride multiple (reflecting the border), run it, crop back."""
    multiple = 2**DOWNSAMPLINGS
    h, w = x.shape[-2:]
    # at least 2 × 2 positions at the bottleneck: instance norm needs more than one value to normalise
    pad_h, pad_w = max(-h % multiple, 2 * multiple - h), max(-w % multiple, 2 * multiple - w)
    mode = "reflect" if pad_h < h and pad_w < w else "replicate"  # reflect needs the pad smaller than the side
    padded = F.pad(x, (0, pad_w, 0, pad_h), mode=mode) if pad_h or pad_w else x
    return generator(padded)[..., :h, :w]


class Translator:
    """Two generators (A→B and, where available, B→A), resident on the device."""

    def __init__(self, label: str, label_a: str, label_b: str, g_ab: torch.nn.Module, g_ba: torch.nn.Module | None,
                 device: torch.device, *, native_size: int | None = None) -> None:  # fmt: skip
        self.label, self.label_a, self.label_b = label, label_a, label_b
        self.g_ab, self.g_ba, self.device = g_ab, g_ba, device
        self.native_size = native_size  # our small models were trained at one size: run them there
        self.channels = g_ab.config.in_channels

    @torch.inference_mode()
    def translation(self, image: Image.Image, *, direction: str = "A→B", identity: bool = False,
                    max_side: int | None = None) -> Translation:  # fmt: skip
        """A→B (or B→A) of any size, the cycle back where the other generator exists, and with `identity`
        the other generator applied to the picture itself; out at the size it came in (after `max_side`)."""
        if direction not in DIRECTIONS:
            raise UserError(f"Direction must be one of {', '.join(DIRECTIONS)}, got {str(direction)[:20]!r}.")
        forward, backward = (self.g_ab, self.g_ba) if direction == "A→B" else (self.g_ba, self.g_ab)
        if forward is None:
            raise UserError(f"{self.label} has no published {self.label_b}→{self.label_a} generator; use A→B.")
        max_side = max_side or settings.MAX_IMAGE_SIDE
        notice = ""
        if max(image.size) > max_side:
            scale = max_side / max(image.size)
            new_size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
            notice = (
                f"Downscaled from {image.width}×{image.height} to {new_size[0]}×{new_size[1]} (max side {max_side})."
            )
            image = image.resize(new_size, Image.Resampling.LANCZOS)
        size = image.size
        work = image.resize((self.native_size,) * 2, Image.Resampling.BICUBIC) if self.native_size else image
        x = to_tensor(work, self.channels).to(self.device)
        y = run_padded(forward, x)
        back = run_padded(backward, y) if backward is not None else None
        same = run_padded(backward, x) if identity and backward is not None else None

        def out(t: torch.Tensor | None) -> Image.Image | None:
            if t is None:
                return None
            picture = to_image(t)
            return picture.resize(size, Image.Resampling.BICUBIC) if picture.size != size else picture

        return Translation(out(y), out(back), out(same), notice)


def load_official_pair(key: str, device: torch.device, **kwargs) -> Translator:
    pair = OFFICIAL[key]
    g_ab = load_official(pair.a_to_b, device, pair=key, **kwargs)  # messages name the pair the fetch command takes
    g_ba = load_official(pair.b_to_a, device, pair=key, **kwargs) if pair.b_to_a else None
    return Translator(f"{pair.label_a} ↔ {pair.label_b} (published)", pair.label_a, pair.label_b, g_ab, g_ba, device)


def load_trained_pair(stem: Path, device: torch.device) -> Translator:
    """One of our checkpoints: both generators in one safetensors file, the card naming the two domains."""
    g_ab, card = checkpoints.load_model(stem, "generator_ab", device)
    g_ba, _ = checkpoints.load_model(stem, "generator_ba", device)
    a, b = card["domains"]
    return Translator(f"{a} ↔ {b}", a, b, g_ab, g_ba, device, native_size=card.get("image_size"))
