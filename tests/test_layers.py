"""The layering stays true: tabs never import torch, pipelines never import tabs (or Gradio), models import
no layer above them, and nothing the app imports reaches the training code."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from bench.server import REPO

PACKAGE = REPO / "playground"


def imported(path: Path) -> set[str]:
    """Absolute names of the modules a file imports (relative imports resolved against its package)."""
    package = ".".join(path.relative_to(REPO).with_suffix("").parts[:-1])
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(filter(None, [base, node.module]))
            names |= {module} | {f"{module}.{alias.name}" for alias in node.names}
    return names


def files(layer: str) -> list[Path]:
    return sorted((PACKAGE / layer).glob("*.py"))


@pytest.mark.parametrize("path", files("ui"), ids=lambda p: p.name)
def test_tabs_never_import_torch(path):
    assert not {n for n in imported(path) if n == "torch" or n.startswith("torch.")}


@pytest.mark.parametrize("path", files("pipelines"), ids=lambda p: p.name)
def test_pipelines_never_import_tabs_or_gradio(path):
    names = imported(path)
    assert not {n for n in names if n.startswith(("playground.ui", "gradio", "playground.train"))}


@pytest.mark.parametrize("path", files("models"), ids=lambda p: p.name)
def test_models_import_no_layer_above_them(path):
    above = ("playground.pipelines", "playground.ui", "playground.train", "gradio")
    assert not {n for n in imported(path) if n.startswith(above)}


def test_the_app_never_imports_the_training_code(tiny_checkpoints):
    """Build the whole interface (every tab, every pipeline loaded) in a fresh interpreter and look."""
    script = f"""
import sys, torch
from playground.pipelines.store import Store
from playground.ui.app import build_demo
import app
store = Store({str(tiny_checkpoints)!r}, torch.device("cpu"))
store.preload()
build_demo(store)
print(sorted(m for m in sys.modules if m.startswith("playground.train")))
"""
    out = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=240)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[]"
