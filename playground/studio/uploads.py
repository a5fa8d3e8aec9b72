"""Training data for the Studio: a visitor's .zip of pictures, or Fashion-MNIST / MNIST when on this machine.

A zip is checked whole before anything is written — its size, its number of entries, every name (no absolute
path, no `..`), no symbolic link, no password, and the sizes it declares — then each picture is streamed out
under a byte budget (declared sizes are never trusted alone), decoded in memory with a pixel cap, resized and
re-saved as our own PNG under the run's folder. The visitor's bytes never reach the disk as they came; a zip
that breaks a rule is refused in one sentence and leaves nothing behind.
"""

from __future__ import annotations

import io
import re
import shutil
import stat
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps

from .. import data, settings
from ..errors import UserError
from ..imaging import BACKGROUND, check_upload_size, enlarge, labelled_grid, upload_path

PICTURE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp")
KINDS = "PNG, JPEG, WebP, GIF or BMP"
SIZES = (28, 32, 64)
BUILTIN_LABELS = {"fashion-mnist": "Fashion-MNIST", "mnist": "MNIST"}
UNSORTED = "unsorted"  # pictures outside any class folder (kept for DCGAN and InfoGAN, which ignore classes)
PREVIEW_CLASSES, PREVIEW_PER_CLASS = 10, 8
CHUNK = 64 * 1024


@dataclass
class DataPreview:
    """What a run will train on, as shown before training: counts per class, what was skipped, a grid."""

    source: str  # "clothes.zip" or "Fashion-MNIST"
    dataset: str  # what `--dataset` gets: a built-in name, or the folder written from the zip
    image_size: int
    channels: int
    counts: dict[str, int]  # pictures per class, in the order training numbers the classes
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (name in the zip, why)
    data_dir: str | None = None  # a built-in dataset's IDX folder
    preview: Image.Image | None = field(default=None, repr=False)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def builtin(self) -> bool:
        return self.dataset in BUILTIN_LABELS

    def as_json(self) -> dict[str, Any]:
        return {"source": self.source, "dataset": self.dataset, "image_size": self.image_size,
                "channels": self.channels, "counts": self.counts, "skipped": self.skipped,
                "data_dir": self.data_dir}  # fmt: skip

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> DataPreview:
        return cls(**{**value, "skipped": [tuple(s) for s in value.get("skipped", [])]})

    def redraw(self) -> Image.Image | None:
        """The preview grid again (for a page that reloads), from the written folder or the built-in data."""
        try:
            if self.builtin:
                return preview_builtin(self.dataset).preview
            return preview_folder(Path(self.dataset), self.counts, self.image_size)
        except (OSError, ValueError):
            return None

    def describe(self) -> str:
        """Markdown: the pictures, their classes and what was left out and why."""
        colour = "grey" if self.channels == 1 else "colour"
        lines = [f"**{self.source}**: {self.total:,} pictures at {self.image_size} px, {colour}, "
                 f"{len(self.counts)} {'class' if len(self.counts) == 1 else 'classes'}.", "",
                 "| class | pictures |", "|---|---:|"]  # fmt: skip
        lines += [f"| {escape(name)} | {n:,} |" for name, n in self.counts.items()]
        if self.skipped:
            reasons = Counter(reason for _, reason in self.skipped)
            lines += ["", f"Skipped {len(self.skipped):,} {'file' if len(self.skipped) == 1 else 'files'}:"]
            for reason, n in reasons.most_common():
                names = [name for name, r in self.skipped if r == reason][:3]
                shown = ", ".join(f"`{escape(name[-60:])}`" for name in names) + (", …" if n > len(names) else "")
                lines.append(f"- {n:,} {reason}: {shown}")
        else:
            lines += ["", "Nothing was skipped."]
        return "\n".join(lines)


def escape(text: str) -> str:
    """A file or class name shown in Markdown: no markup, no table breaks."""
    return re.sub(r"([\\`*_{}\[\]<>|#])", r"\\\1", text.replace("\n", " "))


# -- built-in datasets -----------------------------------------------------------------------------------
def builtin_choices() -> list[tuple[str, str]]:
    """(label, name) of the built-in datasets whose IDX files are on this machine (never downloads)."""
    return [(label, name) for name, label in BUILTIN_LABELS.items() if data.find_idx_folder(name) is not None]


def preview_builtin(name: str) -> DataPreview:
    if name not in BUILTIN_LABELS:
        raise UserError(f"Pick one of {', '.join(BUILTIN_LABELS.values())}, or upload a .zip of pictures.")
    folder = data.find_idx_folder(name)
    if folder is None:
        raise UserError(f"{BUILTIN_LABELS[name]} is not on this machine; upload a .zip of pictures instead.")
    images, labels = data.load_arrays(name, "train", folder)
    classes = data.FASHION_CLASSES if name == "fashion-mnist" else data.DIGIT_CLASSES
    counts = {c: int((labels == k).sum()) for k, c in enumerate(classes)}
    rows = [[Image.fromarray(images[i]) for i in (labels == k).nonzero()[0][:PREVIEW_PER_CLASS]]
            for k in range(len(classes))]  # fmt: skip
    return DataPreview(
        source=BUILTIN_LABELS[name], dataset=name, image_size=28, channels=1, counts=counts, data_dir=str(folder),
        preview=grid(rows, [f"{c} ({counts[c]:,})" for c in classes], 28),
    )  # fmt: skip


# -- a visitor's zip -------------------------------------------------------------------------------------
def check_entries(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """Every rule a zip must follow before one byte of it is extracted; the files (no folders) in it."""
    infos = archive.infolist()
    if len(infos) > settings.STUDIO_MAX_ZIP_ENTRIES:
        raise UserError(
            f"The zip holds {len(infos):,} entries; at most {settings.STUDIO_MAX_ZIP_ENTRIES:,} are accepted."
        )
    declared = 0
    for info in infos:
        name = info.filename
        parts = name.replace("\\", "/").split("/")
        if "\x00" in name or name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or ".." in parts:
            raise UserError(f"The zip holds a path that leads out of its folder ({name[:80]!r}); it was refused.")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise UserError(f"The zip holds a symbolic link ({name[:80]!r}); links are not accepted.")
        if info.flag_bits & 0x1:
            raise UserError("The zip is password-protected; upload one without a password.")
        declared += info.file_size
    if declared > settings.STUDIO_MAX_UNZIPPED_BYTES:
        raise UserError(
            f"The zip would expand to {declared / 2**20:,.0f} MB, more than the "
            f"{settings.STUDIO_MAX_UNZIPPED_BYTES / 2**20:.0f} MB accepted; it was refused."
        )
    return [info for info in infos if not info.is_dir()]


def read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int) -> bytes:
    """One entry's bytes, streamed: more than it declares, or than `budget`, refuses the whole zip."""
    limit = min(info.file_size, budget)
    chunks, got = [], 0
    try:
        with archive.open(info) as member:
            while chunk := member.read(CHUNK):
                got += len(chunk)
                if got > limit:
                    raise UserError(
                        f"The zip holds more data than it declares ({info.filename[:80]!r}); it was refused."
                    )
                chunks.append(chunk)
    except NotImplementedError:
        raise UserError(
            f"The zip uses a compression this app cannot read ({info.filename[:80]!r}); zip it again with the "
            "standard (deflate) method."
        ) from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError):
        raise UserError(f"The zip is damaged ({info.filename[:80]!r} cannot be read); upload it again.") from None
    return b"".join(chunks)


def decode(raw: bytes, *, image_size: int, channels: int, pixels_left: int) -> tuple[Image.Image, int] | str:
    """(the picture resized and centre-cropped to `image_size`, in 'L' or 'RGB'; its pixels as uploaded) — or
    why it was skipped. Sizes are read from the header before any pixel is decoded; past `pixels_left` (all the
    zip's pictures together) the whole zip is refused."""
    try:
        with Image.open(io.BytesIO(raw)) as image:
            width, height = image.size
            if width * height > settings.STUDIO_MAX_PICTURE_PIXELS:
                return f"pictures over {settings.STUDIO_MAX_PICTURE_PIXELS / 1e6:.0f} megapixels"
            if width * height > pixels_left:
                raise TooManyPixels
            image.seek(0)  # an animation: its first frame
            image = ImageOps.exif_transpose(image)
            if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
                rgba = image.convert("RGBA")
                image = Image.new("RGB", image.size, BACKGROUND)
                image.paste(rgba, mask=rgba.getchannel("A"))
            elif image.mode in ("I;16", "I;16B", "I;16L", "I"):
                image = image.point(lambda v: v / 256).convert("L")
            image = image.convert("L" if channels == 1 else "RGB")
            return ImageOps.fit(image, (image_size, image_size), Image.Resampling.LANCZOS), width * height
    except TooManyPixels:
        raise UserError(
            f"The pictures hold more than {settings.STUDIO_MAX_TOTAL_PIXELS / 1e6:.0f} megapixels in all; "
            "upload fewer or smaller pictures."
        ) from None
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return f"files that are not pictures we can read ({KINDS})"


class TooManyPixels(Exception):
    """The zip's pictures together pass settings.STUDIO_MAX_TOTAL_PIXELS."""


def class_folder(name: str, taken: set[str]) -> str:
    """A safe folder name for a class, close to the visitor's: letters, digits, spaces, - _ ( ) only."""
    kept = "".join(c if c.isalnum() or c in " -_()" else "_" for c in name).strip(" _")[:40] or "class"
    unique, k = kept, 2
    while unique.lower() in taken:
        unique, k = f"{kept} {k}", k + 1
    taken.add(unique.lower())
    return unique


def split_classes(names: list[str]) -> list[tuple[str | None, str]]:
    """(class folder or None, name) per picture path: a folder wrapping everything and holding sub-folders
    (`clothes/Bag/1.png`) is dropped, then the first folder of a path is its class (deeper folders belong to it)."""
    parts = [[p for p in n.replace("\\", "/").split("/") if p not in ("", ".")] for n in names]
    while (
        parts
        and all(len(p) >= 2 for p in parts)
        and any(len(p) >= 3 for p in parts)
        and len({p[0] for p in parts}) == 1
    ):
        parts = [p[1:] for p in parts]
    return [(p[0] if len(p) >= 2 else None, n) for p, n in zip(parts, names, strict=True)]


def prepare_zip(
    upload: Any, folder: Path, *, image_size: int, channels: int, need_classes: bool, roots: list[Path] | None = None
) -> DataPreview:
    """Check a .zip and write its pictures into `folder` (one sub-folder per class), ready for
    `--dataset folder --image-size N --channels C`. `need_classes` (CGAN): pictures must be in class folders,
    at least two of them. Raises UserError with one sentence; then nothing is left in `folder`."""
    if image_size not in SIZES:
        raise UserError(f"Pictures are trained at {', '.join(map(str, SIZES))} px, not {image_size}.")
    if channels not in (1, 3):
        raise UserError("Pictures are trained in grey or in colour.")
    path = upload_path(upload, roots=roots)  # confined to the upload folder (or `roots`)
    data_folder = Path(folder)
    with open_zip(path) as archive:
        pictures, skipped = sort_entries(check_entries(archive))
        placed = split_classes([info.filename for info in pictures])
        loose = sum(c is None for c, _ in placed)
        if need_classes:
            skipped += [(n, "pictures outside a class folder") for c, n in placed if c is None]
            placed = [(c, n) for c, n in placed if c is not None]
        classes = {c or UNSORTED for c, _ in placed}
        if len(classes) > settings.STUDIO_MAX_CLASSES:
            raise UserError(
                f"The zip has {len(classes):,} class folders; at most {settings.STUDIO_MAX_CLASSES} are accepted."
            )
        if data_folder.exists():
            shutil.rmtree(data_folder)
        try:
            by_name = {info.filename: info for info in pictures}
            counts = extract(archive, by_name, placed, data_folder, skipped, image_size=image_size, channels=channels)
            check_counts(counts, skipped, need_classes=need_classes, loose=loose)
        except BaseException:
            shutil.rmtree(data_folder, ignore_errors=True)
            raise
    preview = preview_folder(data_folder, counts, image_size)
    # Gradio keeps the uploaded file's own name
    return DataPreview(source=path.name, dataset=str(data_folder), image_size=image_size, channels=channels,
                       counts=counts, skipped=skipped, preview=preview)  # fmt: skip


def open_zip(path: Path) -> zipfile.ZipFile:
    """The uploaded archive, once it is a readable, non-empty zip under the size limit."""
    check_upload_size(
        path, settings.STUDIO_MAX_ZIP_BYTES, "zip", "The uploaded file is empty; upload a .zip of pictures."
    )
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise UserError(f"That file is not a zip archive; upload a .zip of pictures ({KINDS}).") from None


def sort_entries(files: list[zipfile.ZipInfo]) -> tuple[list[zipfile.ZipInfo], list[tuple[str, str]]]:
    """The entries that may be pictures, and (name, why) for those skipped by their name or size."""
    pictures, skipped = [], []
    for info in files:
        name = info.filename
        parts = name.replace("\\", "/").split("/")
        if any(p.startswith(".") or p == "__MACOSX" for p in parts):
            skipped.append((name, "hidden or system files"))
        elif not name.lower().endswith(PICTURE_SUFFIXES):
            skipped.append((name, f"not pictures ({KINDS})"))
        elif info.file_size > settings.STUDIO_MAX_PICTURE_BYTES:
            skipped.append((name, f"pictures over {settings.STUDIO_MAX_PICTURE_BYTES / 2**20:.0f} MB"))
        else:
            pictures.append(info)
    return pictures, skipped


def check_counts(counts: dict[str, int], skipped: list, *, need_classes: bool, loose: int) -> None:
    """One sentence when what was extracted cannot be trained on: no pictures, or a CGAN's single class."""
    if need_classes and len(counts) < 2 and (counts or loose):
        raise UserError(
            "A CGAN learns one class per folder: put the pictures in at least two folders, one per class "
            f"(this zip has {len(counts)})."
        )
    if not counts:
        found = f"; {len(skipped):,} other files were skipped" if skipped else ""
        raise UserError(f"The zip holds no pictures we can read ({KINDS}){found}.")


def extract(
    archive: zipfile.ZipFile, infos: dict[str, zipfile.ZipInfo], placed: list[tuple[str | None, str]], folder: Path,
    skipped: list[tuple[str, str]], *, image_size: int, channels: int,
) -> dict[str, int]:  # fmt: skip
    """Stream, decode and re-save every picture; the pictures per class folder written."""
    budget, pixels = settings.STUDIO_MAX_UNZIPPED_BYTES, 0
    taken: set[str] = set()
    folders: dict[str, str] = {}
    counts: Counter[str] = Counter()
    for cls, name in placed:
        info = infos[name]
        raw = read_member(archive, info, budget)
        budget -= len(raw)
        decoded = decode(
            raw, image_size=image_size, channels=channels, pixels_left=settings.STUDIO_MAX_TOTAL_PIXELS - pixels
        )
        if isinstance(decoded, str):
            skipped.append((name, decoded))
            continue
        picture, area = decoded
        pixels += area
        key = cls or UNSORTED
        if key not in folders:
            folders[key] = class_folder(key, taken)
        target = folder / folders[key] / f"{counts[folders[key]]:05d}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        picture.save(target)
        counts[folders[key]] += 1
    return {name: counts[name] for name in sorted(counts)}  # ImageFolder numbers classes in this order


def preview_folder(folder: Path, counts: dict[str, int], image_size: int) -> Image.Image:
    shown = list(counts)[:PREVIEW_CLASSES]
    rows = []
    for name in shown:
        files = sorted((folder / name).glob("*.png"))[:PREVIEW_PER_CLASS]
        row = []
        for f in files:
            with Image.open(f) as im:
                row.append(im.copy())
        rows.append(row)
    labels = [f"{name} ({counts[name]:,})" for name in shown]
    if len(counts) > len(shown):
        labels[-1] += f" … and {len(counts) - len(shown)} more classes"
    return grid(rows, labels, image_size)


def grid(rows: list[list[Image.Image]], labels: list[str], image_size: int) -> Image.Image:
    scale = max(1, round(64 / image_size))
    return labelled_grid([[enlarge(im, scale) for im in row] for row in rows], row_labels=labels, gap=3)
