"""Fixtures of the stack tests: each stack's program run under Pulumi's own mocks (ARCHITECTURE §7, §8)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # the shared helpers of stacks_support
from stacks_support import STACKS, Deployment, deploy  # noqa: E402


@pytest.fixture(scope="module", params=STACKS)
def deployed(request, tmp_path_factory) -> Deployment:
    """Each stack as its Pulumi.<stack>.yaml configures it, with every secret set."""
    return deploy(request.param, monitoring_folder=tmp_path_factory.mktemp("no-monitoring"))


@pytest.fixture(scope="module")
def prod(tmp_path_factory) -> Deployment:
    return deploy("prod", monitoring_folder=tmp_path_factory.mktemp("no-monitoring"))
