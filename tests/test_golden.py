"""Golden pixels: every deterministic endpoint, called through the real app on the tiny seeded checkpoints,
returns exactly the pixels (and texts) recorded in tests/golden.json. A refactor that changes a single pixel
for a given seed fails here.

After a change that is *meant* to alter outputs, re-record with `PLAYGROUND_GOLDEN_RECORD=1 python -m pytest
tests/test_golden.py` and say why in the commit.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np
import pytest
from gradio_client import Client, handle_file
from PIL import Image

from bench.server import REPO, running_app

GOLDEN = Path(__file__).parent / "golden.json"
RECORD = os.environ.get("PLAYGROUND_GOLDEN_RECORD") == "1"
EXAMPLES = REPO / "assets" / "examples"


def digest(value) -> str:
    """A picture file → sha256 of its decoded pixels and shape; anything else → sha256 of its JSON."""
    if isinstance(value, str) and Path(value).suffix in (".png", ".gif", ".webp", ".jpg"):
        with Image.open(value) as image:
            array = np.asarray(image.convert("RGB"))
        return hashlib.sha256(repr(array.shape).encode() + array.tobytes()).hexdigest()[:16]
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:16]


# (name, api_name, arguments): arguments that are Paths are uploaded
CALLS = [
    ("infogan", "/infogan_generate", ["infogan-mnist", 42, 3, 0.5, -0.5]),
    ("infogan-fashion", "/infogan_generate", ["infogan-fashion-mnist", 7, 0, -2.0, 2.0]),
    ("sweep-categories", "/infogan_sweep", ["infogan-mnist", 5, 0, 0.0, 0.25, 0, "categories", 4, 3]),
    ("sweep-seeds", "/infogan_sweep", ["infogan-mnist", 5, 2, 0.0, 0.0, 1, "seeds", 3, 2]),
    ("interpolate", "/infogan_interpolate", ["infogan-mnist", 5, 0, 0.0, 0.0, 9, 4, 1.0, -1.0, 5, "spherical"]),
    ("interpolate-linear", "/infogan_interpolate", ["infogan-mnist", 1, 1, 0.5, 0.0, 2, 2, 0.0, 1.0, 4, "linear"]),
    ("cgan", "/cgan_generate", ["cgan-mnist", ["4", "2", "4"], 3, 99]),
    ("ae", "/ae_reconstruct", ["ae-conv-fashion-mnist", 4, None, 0.5, 3]),
    ("ae-upload", "/ae_reconstruct", ["vae-fashion-mnist", 0, EXAMPLES / "sketch-boot.png", 0.0, 0]),
    ("vae-sample", "/vae_sample", [3]),
    ("vae-map", "/vae_map", ["vae-fashion-mnist", 5]),
    ("gan-vs-dcgan", "/gan_vs_dcgan", [11, 12]),
    ("pix2pix", "/pix2pix_render", [None, EXAMPLES / "sketch-trousers.png"]),
    ("cyclegan", "/cyclegan_translate", [EXAMPLES / "sketch-tshirt.png", "cyclegan-sneaker-boot", "A→B", True]),
    ("lab-reset", "/lab_reset_2d", ["ring", 32, 2, 1e-3, 1e-3, 1, "lsgan", 4, None, None, 10]),
    ("lab-step", "/lab_step_2d", ["moons", 32, 2, 1e-3, 2e-3, 2, "wgan-gp", 3, None, None, 5]),
]


@pytest.fixture(scope="module")
def client(tiny_checkpoints, tmp_path_factory):
    env = {"PLAYGROUND_OFFLINE": "1", "TORCH_HOME": str(tmp_path_factory.mktemp("torch"))}
    with running_app(tiny_checkpoints, tmp_path_factory.mktemp("cache"), env=env) as (url, _, _):
        yield Client(url, verbose=False)


def test_outputs_match_the_recorded_pixels(client):
    found = {}
    for name, api, arguments in CALLS:
        args = [handle_file(str(a)) if isinstance(a, Path) else a for a in arguments]
        result = client.predict(*args, api_name=api)
        outputs = result if isinstance(result, (list, tuple)) else [result]
        found[name] = [digest(v) for v in outputs]
    if RECORD:
        GOLDEN.write_text(json.dumps(found, indent=1) + "\n")
    recorded = json.loads(GOLDEN.read_text())
    changed = {name: (recorded.get(name), got) for name, got in found.items() if recorded.get(name) != got}
    assert not changed, f"outputs changed for {sorted(changed)}"
