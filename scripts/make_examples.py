"""Draw the example pictures in assets/examples/ (our own drawings, CC0): `python scripts/make_examples.py`."""

from __future__ import annotations

from pathlib import Path

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


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, draw in (("house.png", house), ("beach.png", beach), ("night-city.png", night_city)):
        draw().save(OUT / name)


if __name__ == "__main__":
    main()
