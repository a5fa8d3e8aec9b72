"""Draw the example pictures in assets/examples/ (our own drawings, CC0): `python scripts/make_examples.py`."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parent.parent / "assets" / "examples"


def house() -> Image.Image:
    im = Image.new("RGB", (320, 240), (135, 200, 250))
    d = ImageDraw.Draw(im)
    d.rectangle((0, 180, 320, 240), fill=(70, 160, 60))  # grass
    d.ellipse((250, 20, 300, 70), fill=(255, 215, 0))  # sun
    d.rectangle((80, 110, 190, 190), fill=(200, 80, 60))  # walls
    d.polygon([(70, 112), (135, 60), (200, 112)], fill=(120, 50, 40))  # roof
    d.rectangle((120, 145, 145, 190), fill=(90, 55, 30))  # door
    d.rectangle((155, 125, 180, 145), fill=(220, 240, 255))  # window
    d.rectangle((232, 120, 244, 190), fill=(110, 70, 40))  # trunk
    d.ellipse((210, 80, 266, 135), fill=(40, 120, 40))  # crown
    return im


def beach() -> Image.Image:
    im = Image.new("RGB", (320, 240), (250, 200, 150))
    d = ImageDraw.Draw(im)
    d.rectangle((0, 0, 320, 110), fill=(255, 170, 110))  # sunset sky
    d.ellipse((130, 70, 190, 130), fill=(255, 230, 90))  # sun
    d.rectangle((0, 110, 320, 170), fill=(40, 110, 180))  # sea
    d.rectangle((0, 170, 320, 240), fill=(235, 210, 150))  # sand
    d.polygon([(60, 165), (100, 165), (80, 120)], fill=(250, 250, 250))  # sail
    d.rectangle((55, 165, 105, 172), fill=(120, 60, 30))  # boat
    return im


def night_city() -> Image.Image:
    im = Image.new("RGB", (320, 240), (15, 20, 50))
    d = ImageDraw.Draw(im)
    d.ellipse((250, 25, 290, 65), fill=(240, 240, 210))  # moon
    for x, w, h in ((10, 50, 150), (70, 60, 190), (140, 45, 120), (195, 70, 170), (275, 40, 100)):
        d.rectangle((x, 240 - h, x + w, 240), fill=(40, 45, 70))
        for wy in range(240 - h + 10, 235, 18):
            for wx in range(x + 6, x + w - 8, 14):
                if (wx * 7 + wy * 3) % 5:
                    d.rectangle((wx, wy, wx + 6, wy + 8), fill=(250, 220, 120))
    return im


def swirls(side: int = 256) -> Image.Image:
    """A style picture: bands of colour wound around two centres."""
    y, x = np.mgrid[0:side, 0:side] / side
    angle = np.arctan2(y - 0.4, x - 0.35) * 3 + np.hypot(y - 0.4, x - 0.35) * 25
    angle += np.sin(np.hypot(y - 0.8, x - 0.8) * 30)
    rgb = np.stack([np.sin(angle), np.sin(angle + 2.1), np.sin(angle + 4.2)], -1) * 0.5 + 0.5
    palette = np.array([[30, 60, 140], [240, 200, 60], [200, 70, 40]], dtype=np.float32)
    return Image.fromarray((rgb @ palette / rgb.sum(-1, keepdims=True)).clip(0, 255).astype(np.uint8))


def mosaic(side: int = 256, cells: int = 60) -> Image.Image:
    """A style picture: flat-coloured Voronoi tiles with dark grout."""
    rng = np.random.default_rng(7)
    centres = rng.uniform(0, side, (cells, 2))
    colours = rng.choice(
        np.array([[180, 40, 50], [40, 110, 160], [230, 180, 60], [60, 140, 80], [240, 230, 210]]), cells
    )
    y, x = np.mgrid[0:side, 0:side]
    d = np.hypot(x[..., None] - centres[:, 0], y[..., None] - centres[:, 1])
    order = np.sort(d, -1)
    picture = colours[d.argmin(-1)].astype(np.float32)
    picture[(order[..., 1] - order[..., 0]) < 2.5] = (35, 30, 30)
    return Image.fromarray(picture.astype(np.uint8))


def outline(points: list[tuple[int, int]], side: int = 280, width: int = 9) -> Image.Image:
    """A sketch: a closed black outline on white, like one drawn on the Lab's sketchpad."""
    im = Image.new("RGB", (side, side), (255, 255, 255))
    ImageDraw.Draw(im).line([*points, points[0]], fill=(0, 0, 0), width=width, joint="curve")
    return im


def sketch_tshirt() -> Image.Image:
    return outline([(90, 40), (115, 55), (165, 55), (190, 40), (250, 85), (225, 125), (200, 110), (200, 245),
                    (80, 245), (80, 110), (55, 125), (30, 85)])  # fmt: skip


def sketch_trousers() -> Image.Image:
    return outline([(95, 30), (185, 30), (200, 250), (155, 250), (140, 100), (125, 250), (80, 250)])


def sketch_boot() -> Image.Image:
    return outline([(120, 50), (190, 50), (195, 160), (255, 200), (255, 235), (40, 235), (40, 190), (110, 170)])


def item(points: list[tuple[int, int]], shade: int = 200, side: int = 28) -> Image.Image:
    """A filled garment, light grey on black with a lighter rim, drawn at 8× and shrunk to `side` pixels:
    the look of a Fashion-MNIST picture (for our own CycleGAN pairs, which were trained on those)."""
    big = side * 8
    im = Image.new("L", (big, big), 0)
    d = ImageDraw.Draw(im)
    scaled = [(x * big // 280, y * big // 280) for x, y in points]
    d.polygon(scaled, fill=shade)
    d.line([*scaled, scaled[0]], fill=min(255, shade + 50), width=big // 28, joint="curve")
    return im.resize((side, side), Image.Resampling.LANCZOS)


def fashion_sneaker() -> Image.Image:
    return item([(10, 180), (80, 160), (150, 120), (190, 115), (230, 125), (270, 165), (270, 205), (15, 205)])


def fashion_sandal(side: int = 28) -> Image.Image:
    """A thin sole, toe on the left, with straps over the foot and an ankle strap: open, unlike the sneaker."""
    big = side * 8
    im = Image.new("L", (big, big), 0)
    d = ImageDraw.Draw(im)

    def scaled(points: list[tuple[int, int]]) -> list[tuple[int, int]]:
        return [(x * big // 280, y * big // 280) for x, y in points]

    d.polygon(scaled([(15, 172), (150, 178), (262, 166), (268, 182), (150, 192), (18, 186)]), fill=190)  # the sole
    for strap in ([(40, 174), (70, 140), (100, 176)], [(95, 176), (135, 128), (175, 174)],
                  [(200, 170), (222, 112), (250, 168)], [(222, 112), (262, 108)]):  # fmt: skip
        d.line(scaled(strap), fill=220, width=big // 28, joint="curve")
    return im.resize((side, side), Image.Resampling.LANCZOS)


def fashion_tshirt() -> Image.Image:
    return item([(90, 20), (115, 35), (165, 35), (190, 20), (262, 70), (235, 115), (205, 100), (205, 262),
                 (75, 262), (75, 100), (45, 115), (18, 70)], shade=170)  # fmt: skip


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    drawings = {"house.png": house, "beach.png": beach, "night-city.png": night_city, "swirls.png": swirls,
                "mosaic.png": mosaic, "sketch-tshirt.png": sketch_tshirt, "sketch-trousers.png": sketch_trousers,
                "sketch-boot.png": sketch_boot, "fashion-sneaker.png": fashion_sneaker,
                "fashion-tshirt.png": fashion_tshirt, "fashion-sandal.png": fashion_sandal}  # fmt: skip
    for name, draw in drawings.items():
        draw().save(OUT / name)


if __name__ == "__main__":
    main()
