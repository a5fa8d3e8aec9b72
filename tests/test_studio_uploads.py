"""The Studio's .zip uploads: good ones become a class-folder dataset with a preview; hostile ones get one
sentence and leave nothing behind, anywhere."""

from __future__ import annotations

import io
import os
import stat
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from PIL import Image

from bench.zips import fashion_zip
from playground import data
from playground.studio import uploads


@pytest.fixture
def places(tmp_path):
    """An upload folder (the only place a zip may come from) and a run folder (the only place writes go)."""
    upload, runs = tmp_path / "uploads", tmp_path / "runs"
    upload.mkdir()
    runs.mkdir()
    return upload, runs


def everything(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): p.stat().st_size for p in root.rglob("*")}


def prepare(path: Path, places, *, size: int = 28, channels: int = 1, need_classes: bool = True):
    upload, runs = places
    return uploads.prepare_zip(str(path), runs / "run" / "data", image_size=size, channels=channels,
                               need_classes=need_classes, roots=[upload])  # fmt: skip


def png(colour=(200, 30, 30), size=(40, 30), mode="RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, colour).save(buffer, "PNG")
    return buffer.getvalue()


def test_a_zip_of_two_class_folders_becomes_a_dataset_the_loop_reads(fixture_data_dir, places):
    path = fashion_zip(places[0] / "clothes.zip", fixture_data_dir)
    with zipfile.ZipFile(path, "a") as z:
        z.writestr("my-pictures/notes.txt", "not a picture")
        z.writestr("my-pictures/Clothes/broken.png", b"\x89PNG garbage")
        z.writestr("__MACOSX/my-pictures/._000.png", b"resource fork")
        z.writestr("my-pictures/loose.png", png())  # outside any class folder: CGAN cannot use it
    preview = prepare(path, places)
    assert preview.counts == {"Clothes": 100, "Shoes and bags": 100} and preview.total == 200
    reasons = dict((name.split("/")[-1], why) for name, why in preview.skipped)
    assert set(reasons) == {"notes.txt", "broken.png", "._000.png", "loose.png"}
    assert "not pictures" in reasons["notes.txt"] and "not pictures we can read" in reasons["broken.png"]
    assert "hidden" in reasons["._000.png"] and "outside a class folder" in reasons["loose.png"]
    text = preview.describe()
    assert (
        "200 pictures at 28 px, grey, 2 classes" in text and "| Clothes | 100 |" in text and "Skipped 4 files" in text
    )
    assert preview.preview.width > 8 * 56 and preview.preview.height >= 2 * 56

    # what the training loop will read: the same classes, pictures at the size and colour asked for
    folder = data.load_dataset(preview.dataset, image_size=28, channels=1)
    assert folder.class_names == ("Clothes", "Shoes and bags") and len(folder) == 200
    image, label = folder.dataset[150]
    assert tuple(image.shape) == (1, 28, 28) and label == 1 and image.min() >= -1 and image.max() <= 1


def test_pictures_are_resized_and_coloured_as_asked(places):
    path = places[0] / "own.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("cats/a.png", png((10, 200, 10), (300, 200)))
        z.writestr("cats/b.jpg", png((10, 10, 200), (50, 120), "RGB"))  # a PNG named .jpg still decodes
        z.writestr("dogs/c.webp", png((0, 0, 0, 0), (64, 64), "RGBA"))  # transparency lands on white
    preview = prepare(path, places, size=64, channels=3)
    assert preview.counts == {"cats": 2, "dogs": 1}
    written = sorted(Path(preview.dataset).rglob("*.png"))
    assert len(written) == 3
    for f in written:
        with Image.open(f) as im:
            assert im.size == (64, 64) and im.mode == "RGB"
    with Image.open(Path(preview.dataset) / "dogs" / "00000.png") as im:
        assert im.getpixel((5, 5)) == (255, 255, 255)


def test_dcgan_keeps_pictures_outside_class_folders(places):
    path = places[0] / "flat.zip"
    with zipfile.ZipFile(path, "w") as z:
        for k in range(5):
            z.writestr(f"p{k}.png", png((k * 40, 0, 0)))
    preview = prepare(path, places, need_classes=False)
    assert preview.counts == {"unsorted": 5} and not preview.skipped
    with pytest.raises(ValueError, match="at least two folders"):
        prepare(path, places, need_classes=True)


def test_class_names_become_safe_folder_names():
    taken: set[str] = set()
    assert uploads.class_folder("Bags & <shoes>", taken) == "Bags _ _shoes"
    assert uploads.class_folder("bags _ _shoes", taken) == "bags _ _shoes 2"
    assert uploads.class_folder("...", taken) == "class"
    assert uploads.split_classes(["top/a/1.png", "top/b/2.png"]) == [("a", "top/a/1.png"), ("b", "top/b/2.png")]
    assert uploads.split_classes(["a/1.png", "2.png"]) == [("a", "a/1.png"), (None, "2.png")]


# -- hostile zips ----------------------------------------------------------------------------------------
def traversal(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("good/ok.png", png())
        z.writestr(zipfile.ZipInfo("good/../../evil.png"), png())


def absolute(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("/tmp/evil.png"), png())


def symlink(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("good/ok.png", png())
        link = zipfile.ZipInfo("good/passwd.png")
        link.create_system = 3
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        z.writestr(link, "/etc/passwd")


def ten_thousand_empty_files(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as z:
        for k in range(10_000):
            z.writestr(f"many/{k:05d}.png", b"")


def zeros_zip(path: Path, name: str, size: int, *, declared: int | None = None) -> None:
    """A zip of one deflated entry inflating to `size` zero bytes, written by hand in well under a second (the
    same 1 MB deflate block, cut with full flushes, repeated), whose headers claim `declared` bytes."""
    mib = bytes(2**20)
    block = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = block.compress(mib) + block.flush(zlib.Z_FULL_FLUSH)  # ends byte-aligned, no back-references
    crc = 0
    for _ in range(size // 2**20):
        crc = zlib.crc32(mib, crc)
    body = chunk * (size // 2**20) + b"\x03\x00"  # an empty final block
    declared = size if declared is None else declared
    raw = name.encode()
    fields = struct.pack("<HHHHHIII", 20, 0, 8, 0, 0, crc, len(body), declared)
    local = b"PK\x03\x04" + fields + struct.pack("<HH", len(raw), 0) + raw
    central = (b"PK\x01\x02" + struct.pack("<H", 20) + fields + struct.pack("<HHHHHII", len(raw), 0, 0, 0, 0, 0, 0)
               + raw)  # fmt: skip
    end = b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, 1, 1, len(central), len(local) + len(body), 0)
    path.write_bytes(local + body + central + end)


def gigabyte_bomb(path: Path) -> None:
    """One entry that inflates to 1 GiB of zeros (about 1 MB compressed)."""
    zeros_zip(path, "bomb/zeros.png", 2**30)


def lying_sizes(path: Path) -> None:
    """A 64 MB entry whose headers claim 1,000 bytes: only the bytes actually streamed can tell."""
    zeros_zip(path, "liar/big.png", 64 * 2**20, declared=1000)


def text_renamed(path: Path) -> None:
    path.write_text("these are my holiday notes, not a zip\n")


def password(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("a/x.png", png())
    raw = bytearray(path.read_bytes())
    for sig, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # set the 'encrypted' bit in both headers
        at = raw.index(sig)
        raw[at + offset] |= 0x1
    path.write_bytes(bytes(raw))


def only_text(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("readme.md", "# hello")
        z.writestr("data/table.csv", "a,b\n1,2\n")


HOSTILE = {
    "traversal": (traversal, "leads out of its folder"),
    "absolute": (absolute, "leads out of its folder"),
    "symlink": (symlink, "symbolic link"),
    "ten-thousand-empty-files": (ten_thousand_empty_files, "10,000 entries; at most 5,000"),
    "gigabyte-bomb": (gigabyte_bomb, "would expand to 1,024 MB"),
    "lying-sizes": (lying_sizes, "damaged"),
    "text-renamed": (text_renamed, "not a zip archive"),
    "password": (password, "password-protected"),
    "only-text": (only_text, "holds no pictures we can read"),
}


@pytest.fixture(scope="module")
def hostile_zips(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    made = {}
    for name, (make, _) in HOSTILE.items():
        make(folder / f"{name}.zip")
        made[name] = folder / f"{name}.zip"
    return made


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_zips_get_one_sentence_and_write_nothing(name, hostile_zips, places, tmp_path):
    path = places[0] / f"{name}.zip"
    os.link(hostile_zips[name], path)
    before = everything(tmp_path)
    assert path.stat().st_size < 2 * 2**20  # even the bomb: about 1 MB on the wire
    with pytest.raises(ValueError) as refused:
        prepare(path, places)
    message = str(refused.value)
    assert HOSTILE[name][1] in message
    assert message.count(". ") == 0 and message.endswith(".") and "\n" not in message and len(message) < 200
    assert everything(tmp_path) == before  # nothing written, not even inside the runs folder
    assert not list(tmp_path.parent.glob("evil.png")) and not Path("/tmp/evil.png").exists()


def test_a_zip_from_outside_the_upload_folder_is_refused(places, tmp_path):
    outside = tmp_path / "elsewhere.zip"
    with zipfile.ZipFile(outside, "w") as z:
        z.writestr("a/x.png", png())
    with pytest.raises(ValueError, match="not uploaded here"):
        prepare(outside, places)


def test_size_and_picture_limits(places, monkeypatch):
    path = places[0] / "big.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("a/small.png", png(size=(10, 10)))
        z.writestr("a/huge.png", png(size=(400, 300)))
        z.writestr("b/fine.png", png(size=(20, 20)))
    monkeypatch.setattr(uploads.settings, "STUDIO_MAX_PICTURE_PIXELS", 50_000)
    preview = prepare(path, places)
    assert preview.counts == {"a": 1, "b": 1} and preview.skipped == [("a/huge.png", "pictures over 0 megapixels")]
    monkeypatch.setattr(uploads.settings, "STUDIO_MAX_TOTAL_PIXELS", 300)
    with pytest.raises(ValueError, match="more than 0 megapixels in all"):
        prepare(path, places)
    assert not (places[1] / "run" / "data").exists()
    monkeypatch.setattr(uploads.settings, "STUDIO_MAX_ZIP_BYTES", 100)
    with pytest.raises(ValueError, match=r"The zip is 0\.0 MB; the limit is 0 MB\."):
        prepare(path, places)
