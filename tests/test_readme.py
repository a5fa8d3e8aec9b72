"""The README's two commands are the ones that work: CI runs its test command verbatim."""

from __future__ import annotations

import re

from bench.server import REPO


def commands() -> list[str]:
    blocks = re.findall(r"```bash\n(.*?)```", (REPO / "README.md").read_text(), flags=re.S)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


def test_ci_runs_the_readmes_test_command():
    test_command = "pip install -r requirements-dev.txt && python -m pytest"
    assert test_command in commands()
    assert test_command in (REPO / ".ci" / "run").read_text().splitlines()


def test_the_readme_starts_the_app_with_one_command():
    assert "pip install -r requirements.txt && python app.py" in commands()
    dev = (REPO / "requirements-dev.txt").read_text()
    assert "-r requirements.txt" in dev and "pytest" in dev  # the test tools come with the app's own needs
