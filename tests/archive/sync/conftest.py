"""Fixtures of the LGSP synchronisation tests: the LGSP stand-in on 127.0.0.1, settings pointing at it, and a small
province — department A with an open fonds, department B without one (its dossiers cannot be formed yet)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select

from kholuutru.archive import units
from kholuutru.archive.access import Actor
from kholuutru.archive.database import Database
from kholuutru.archive.models import AuditEvent, Fonds
from kholuutru.archive.settings import Settings

sys.path.insert(0, str(Path(__file__).parents[2] / "shared"))  # the LGSP stand-in

from lgsp_samples import UNIT_A, UNIT_B  # noqa: E402
from lgsp_standin import CLIENT_ID, CLIENT_SECRET, LgspStandIn  # noqa: E402

ADMIN = Actor.system("test")


@dataclass(frozen=True)
class Province:
    a: int
    b: int


@pytest.fixture(scope="module")
def province(database: Database) -> Province:
    with database.session(ADMIN) as session:
        root = units.create_unit(session, ADMIN, code="000.00.00.H47", name="UBND tỉnh", level="province")
        a = units.create_unit(session, ADMIN, code=UNIT_A, name="Sở Nội vụ", level="department", parent_id=root.id)
        b = units.create_unit(session, ADMIN, code=UNIT_B, name="Sở Tư pháp", level="department", parent_id=root.id)
        session.add(Fonds(unit_id=a.id, code="F01", name="Phông Sở Nội vụ", is_open=True))
        return Province(a.id, b.id)


@pytest.fixture(scope="module")
def lgsp() -> Iterator[LgspStandIn]:
    server = LgspStandIn().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def sync_settings(database: Database, lgsp: LgspStandIn, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings for LGSP at the stand-in: small pages, a short timeout and quick backoff so faults show fast."""
    data_dir = tmp_path_factory.mktemp("sync-data")
    secret = data_dir / "lgsp-secret"
    secret.write_text(CLIENT_SECRET + "\n")
    return Settings(data_dir=data_dir, database_url=database.app_url, database_owner_url=database.owner_url,
                    lgsp_base_url=lgsp.base_url, lgsp_client_id=CLIENT_ID, lgsp_client_secret_file=secret,
                    lgsp_page_size=3, lgsp_timeout_seconds=0.5, lgsp_retries=2, lgsp_backoff_seconds=0.01)


@pytest.fixture
def events(database: Database) -> Callable[[], int]:
    """How many audit events there are now."""

    def count() -> int:
        with database.session(ADMIN) as session:
            return session.scalar(select(func.count()).select_from(AuditEvent)) or 0

    return count
