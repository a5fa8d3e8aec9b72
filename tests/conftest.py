from __future__ import annotations

from pathlib import Path

import pytest
import torch

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def _quiet_threads():
    torch.set_num_threads(2)


@pytest.fixture
def fixture_data_dir() -> Path:
    """Balanced 240-train / 80-test slices of Fashion-MNIST and MNIST (tests/fixtures/make_fixtures.py)."""
    return FIXTURES
