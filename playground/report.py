"""docs/benchmarks.md is written by several commands; each owns one marked section of it."""

from __future__ import annotations

import argparse
import platform
from collections.abc import Sequence
from pathlib import Path

from . import settings

BENCHMARKS = settings.REPO_ROOT / "docs" / "benchmarks.md"


def parser(doc: str | None) -> argparse.ArgumentParser:
    """A benchmark's command line: its docstring as --help, and --no-write to leave docs/benchmarks.md alone."""
    command = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    command.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    return command


def section(title: str, intro: str, header: Sequence[str] = (), rows: Sequence[str] = ()) -> str:
    """A benchmark's section: a heading, a paragraph saying what was measured and where, and its table if any
    (`rows` already formatted as `| a | b |` lines)."""
    table = ["", "| " + " | ".join(header) + " |", "|" + "---|" * len(header), *rows] if header else []
    return "\n".join([f"## {title}", "", intro, *table])


def publish(name: str, markdown: str, write: bool = True) -> None:
    """A benchmark's result: printed, and (unless `write` is off) put into its section of docs/benchmarks.md."""
    print(markdown)
    if write:
        update_section(name, markdown)


def update_section(name: str, markdown: str, path: Path = BENCHMARKS) -> None:
    """Replace the text between `<!-- name:begin -->` and `<!-- name:end -->` (appending it if absent)."""
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    section = f"{begin}\n{markdown.strip()}\n{end}"
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    if begin in text and end in text:
        text = text[: text.index(begin)] + section + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def machine() -> str:
    """One line naming the machine a figure was measured on."""
    import torch  # here, not at the top: a benchmark's --help stays instant

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    gpu = f", GPU {torch.cuda.get_device_name(0)}" if torch.cuda.is_available() else ""
    return f"{cpu}, {torch.get_num_threads()} torch threads{gpu}; torch {torch.__version__}, Python {platform.python_version()}"
