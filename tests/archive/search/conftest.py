"""Fixtures of the search and report tests: the small province of tests/shared/search_province.py."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[2] / "shared"))  # search_province, shared with the console tests
from search_province import Place, build_places  # noqa: E402


@pytest.fixture(scope="module")
def places(database) -> dict[str, Place]:
    return build_places(database)
