"""The Lab's autoencoders: reconstruct and denoise pictures, sample the VAE, and explore a latent map with
k-means clusters — all from what ships in the checkpoint (no dataset needed at run time)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image, ImageDraw
from scipy.cluster.vq import kmeans2

from .. import checkpoints, controls
from ..errors import UserError
from ..imaging import enlarge, font, to_item, to_pil
from ..models.autoencoders import corrupt, psnr

CLASS_COLOURS = [
    (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189), (140, 86, 75), (227, 119, 194),
    (127, 127, 127), (188, 189, 34), (23, 190, 207),
]  # fmt: skip
MAP_SIDE = 420  # the latent map's side in pixels
SAMPLE_SCALE = 3  # VAE samples: 28 px → 84 px cells
MAX_SAMPLES = 64
MAX_CLUSTERS = 30


def cluster_purity(assignments: np.ndarray, labels: np.ndarray) -> float:
    """Share of points whose cluster's majority class is their own class."""
    total = 0
    for cluster in np.unique(assignments):
        total += np.bincount(labels[assignments == cluster]).max()
    return total / len(labels)


def with_legend(canvas: Image.Image, names: list[str], per_row: int = 4) -> Image.Image:
    """The map with a colour key for the classes underneath."""
    rows = -(-len(names) // per_row)
    sheet = Image.new("RGB", (canvas.width, canvas.height + 20 * rows + 6), (255, 255, 255))
    sheet.paste(canvas, (0, 0))
    draw = ImageDraw.Draw(sheet)
    cell = canvas.width // per_row
    for i, name in enumerate(names):
        x, y = 6 + (i % per_row) * cell, canvas.height + 4 + (i // per_row) * 20
        draw.rectangle((x, y + 3, x + 10, y + 13), fill=CLASS_COLOURS[i % len(CLASS_COLOURS)])
        draw.text((x + 15, y), name, fill=(40, 40, 40), font=font(12))
    return sheet


class AutoencoderPipeline:
    scale = 8  # 28 px → 224 px

    def __init__(self, stem: Path, device: torch.device) -> None:
        self.stem, self.device = Path(stem), device
        self.model, self.card = checkpoints.load_model(self.stem, "autoencoder", device)
        data = checkpoints.read_data(self.stem)
        self.examples, self.example_labels = data["examples"], data["example_labels"]
        self.codes, self.labels = data["map_codes"].numpy(), data["map_labels"].numpy()
        # 2-D map positions: the codes themselves for a 2-D latent, else their two principal components.
        self.centre = self.codes.mean(0)
        if self.codes.shape[1] == 2:
            self.axes = np.eye(2, dtype=np.float32)
        else:
            _, _, vt = np.linalg.svd(self.codes - self.centre, full_matrices=False)
            self.axes = vt[:2]
        self.points = (self.codes - self.centre) @ self.axes.T
        low, high = np.percentile(self.points, 1, 0), np.percentile(self.points, 99, 0)
        margin = (high - low) * 0.1
        self.window = (low - margin, high + margin)

    @property
    def is_vae(self) -> bool:
        return self.card["config"]["kind"] == "vae"

    def picture(self, x: torch.Tensor) -> Image.Image:
        return enlarge(to_pil(x[0]), self.scale)

    @torch.inference_mode()
    def reconstruction(self, image: Image.Image | None = None, *, example: Any = 0, noise: Any = 0.0,
                       seed: Any = 0) -> tuple[Image.Image, Image.Image, Image.Image, float, float]:  # fmt: skip
        """(clean input, noisy input, output, PSNR of the noisy input, PSNR of the output) — PSNR against the clean."""
        if image is None:
            index = controls.whole(example, "The example", 0, len(self.examples) - 1)
            clean = self.examples[index : index + 1]
        else:
            clean = to_item(image)
        sigma = controls.bounded(noise, "The noise level", 0, 1.5)
        clean = clean.to(self.device)
        generator = torch.Generator(device=self.device).manual_seed(controls.seed(seed))
        noisy = corrupt(clean, sigma, generator) if sigma > 0 else clean
        output = self.model.reconstruct(noisy)
        return self.picture(clean), self.picture(noisy), self.picture(output), psnr(noisy, clean), psnr(output, clean)

    @torch.inference_mode()
    def samples(self, seed: Any, *, n: Any = 16) -> Image.Image:
        """VAE only: decodes of z ~ N(0, I), a square-ish sheet of n."""
        if not self.is_vae:
            raise UserError("Sampling needs the VAE: a plain autoencoder has no prior to sample from.")
        n = controls.whole(n, "The number of samples", 1, MAX_SAMPLES)
        generator = torch.Generator().manual_seed(controls.seed(seed))
        z = torch.randn(n, self.model.config.latent_dim, generator=generator).to(self.device)
        images = [enlarge(to_pil(x), SAMPLE_SCALE) for x in self.model.decode(z)]
        cell = images[0].width
        cols = int(np.ceil(np.sqrt(n)))
        sheet = Image.new("L", (cols * cell, int(np.ceil(n / cols)) * cell))
        for i, im in enumerate(images):
            sheet.paste(im, ((i % cols) * cell, (i // cols) * cell))
        return sheet

    def to_map(self, points: np.ndarray) -> np.ndarray:
        low, high = self.window
        unit = (points - low) / (high - low)
        return np.stack([unit[:, 0] * MAP_SIDE, (1 - unit[:, 1]) * MAP_SIDE], 1)

    def latent_map(self, seed: Any = 0, *, n: Any = 10) -> tuple[Image.Image, float, list[str]]:
        """Test codes coloured by class, k-means with `n` clusters over the full codes (centres as crosses);
        the clusters' purity; the class names of the colour key."""
        clusters = controls.whole(n, "k", 2, MAX_CLUSTERS)
        centres, assignment = kmeans2(self.codes.astype(np.float64), clusters, seed=controls.seed(seed), minit="++")
        purity = cluster_purity(assignment, self.labels)
        canvas = Image.new("RGB", (MAP_SIDE, MAP_SIDE), (255, 255, 255))
        draw = ImageDraw.Draw(canvas)
        for (x, y), label in zip(self.to_map(self.points), self.labels, strict=True):
            draw.ellipse((x - 2, y - 2, x + 2, y + 2), fill=CLASS_COLOURS[int(label) % 10])
        for x, y in self.to_map((centres - self.centre) @ self.axes.T):
            draw.line((x - 7, y - 7, x + 7, y + 7), fill=(0, 0, 0), width=3)
            draw.line((x - 7, y + 7, x + 7, y - 7), fill=(0, 0, 0), width=3)
        names = list(self.card.get("class_names", [str(i) for i in range(10)]))
        draw.text((6, 4), f"k = {clusters}: purity {purity:.3f}", fill=(0, 0, 0), font=font(14))
        return with_legend(canvas, names), purity, names

    @torch.inference_mode()
    def decoded(self, x: Any, y: Any) -> Image.Image:
        """Decode the latent point under map position (x, y) in [0, 1]² (origin bottom-left)."""
        u = controls.bounded(x, "x", 0, 1)
        v = controls.bounded(y, "y", 0, 1)
        low, high = self.window
        point = low + np.array([u, v]) * (high - low)
        code = self.centre + point @ self.axes  # back from the map to the latent space
        return self.picture(self.model.decode(torch.tensor(code, dtype=torch.float32)[None].to(self.device)))
