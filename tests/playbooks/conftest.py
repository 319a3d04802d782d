"""Fixtures of the playbook tests: a private Ansible home per module, and root (the roles create accounts)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # the shared helpers of playbook_support


@pytest.fixture(scope="module")
def ansible_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("ansible-home")
    (home / "tmp").mkdir()
    return home


@pytest.fixture(scope="module")
def as_root() -> None:
    """The real runs create accounts, chroots and root-owned files, as the roles do on a host."""
    if os.geteuid() != 0:
        pytest.skip("the real runs of the roles need root (CI and this machine are root)")
