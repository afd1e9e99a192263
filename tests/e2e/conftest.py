"""Fixtures for the end-to-end tests: a mock-edi peer running as its own process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.mock_edi import MockEdiProcess, running_mock_edi


@pytest.fixture
def mock_edi(tmp_path: Path) -> Iterator[MockEdiProcess]:
    """A fresh mock-edi (in-memory database) per test, trading over ``tmp_path/mock-edi/{pickup,drop}``."""
    workdir = tmp_path / "mock-edi"
    workdir.mkdir()
    with running_mock_edi(workdir) as mock:
        yield mock
