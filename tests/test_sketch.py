from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from playground import models
from playground.models.pix2pix import edge_map, pad_to
from playground.pipelines.sketch import SketchPipeline, sketch_image, sketch_to_edges
from playground.settings import ASSETS_DIR

CPU = torch.device("cpu")


def test_unet_and_patch_discriminator_shapes():
    config = models.Pix2PixConfig(ngf=8, ndf=8)
    G, D = models.UNetGenerator(config).eval(), models.ConditionalPatchDiscriminator(config)
    x = torch.randn(2, 1, 32, 32)
    assert G(x).shape == (2, 1, 32, 32) and D(x, G(x)).shape == (2, 1, 6, 6)
    with pytest.raises(ValueError, match="divisible"):
        models.UNetGenerator(models.Pix2PixConfig(image_size=30))


def test_edge_maps_outline_an_item():
    item = -torch.ones(1, 1, 28, 28)
    item[..., 8:20, 8:20] = 1  # a bright square
    edges = edge_map(pad_to(item, 32))
    assert edges.shape == (1, 1, 32, 32) and set(edges.unique().tolist()) == {-1.0, 1.0}
    assert edges[0, 0, 16, 16] == -1 and edges[0, 0, 10, 16] == 1  # inside is empty, the border is drawn


def test_a_drawn_outline_becomes_an_edge_map_like_the_training_ones():
    sketch = Image.open(ASSETS_DIR / "examples" / "sketch-tshirt.png")
    edges = sketch_to_edges(sketch)
    assert edges.shape == (1, 1, 32, 32) and set(edges.unique().tolist()) == {-1.0, 1.0}
    ink = (edges[0, 0] > 0).nonzero()
    assert ink[:, 0].min() >= 2 and ink[:, 0].max() <= 29  # centred in the 28-px item box
    with pytest.raises(ValueError, match="canvas is empty"):
        sketch_to_edges(Image.new("RGB", (100, 100), "white"))


def test_sketchpad_values_become_pictures():
    transparent = np.zeros((50, 50, 4), dtype=np.uint8)
    transparent[10:20, 10:40] = (0, 0, 0, 255)
    picture = sketch_image({"composite": transparent, "layers": [], "background": None})
    assert picture.getpixel((0, 0)) == (255, 255, 255) and picture.getpixel((15, 15)) == (0, 0, 0)
    with pytest.raises(ValueError, match="Draw an outline"):
        sketch_image({"composite": None})


def test_pipeline_draws_an_item_and_asks_the_judge(tiny_checkpoints):
    pipe = SketchPipeline(tiny_checkpoints / "pix2pix-fashion-mnist", CPU)
    edges, item, verdict = pipe.item(Image.open(ASSETS_DIR / "examples" / "sketch-boot.png"))
    assert edges.size == item.size == (256, 256)
    assert verdict == ""  # no judge-fashion-mnist in the tiny set
