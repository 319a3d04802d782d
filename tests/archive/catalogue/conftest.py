"""Fixtures of the catalogue tests: a province with two departments (A and B) and a person of each role in each."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from kholuutru.archive import suspension, units
from kholuutru.archive.access import Actor
from kholuutru.archive.database import Database
from kholuutru.archive.dossier_models import Dossier
from kholuutru.archive.models import AuditEvent

ADMIN = Actor.system("test")
_user_ids = itertools.count(100)
_dossier_numbers = itertools.count(1)


@dataclass(frozen=True)
class Units:
    """Two sibling departments; tests act inside A and try to reach B."""

    a: int
    b: int
    a_code: str
    b_code: str


@pytest.fixture(scope="module")
def two_units(database: Database) -> Units:
    with database.session(ADMIN) as session:
        province = units.create_unit(session, ADMIN, code="000.00.00.H47", name="UBND tỉnh Quảng Nam",
                                     level="province")
        a = units.create_unit(session, ADMIN, code="000.00.01.H47", name="Sở Nội vụ", level="department",
                              parent_id=province.id)
        b = units.create_unit(session, ADMIN, code="000.00.02.H47", name="Sở Tư pháp", level="department",
                              parent_id=province.id)
        return Units(a.id, b.id, a.code, b.code)


@pytest.fixture(scope="session")
def person() -> Callable[..., Actor]:
    """Someone of a unit holding some roles (with an account id, so approvals can name them)."""

    def make(unit_id: int, *roles: str) -> Actor:
        return Actor(user_id=next(_user_ids), username=f"user{unit_id}-{'-'.join(roles)}", unit_id=unit_id,
                     roles=frozenset(roles))

    return make


@pytest.fixture
def events(database: Database) -> Callable[[], int]:
    """How many audit events there are now."""

    def count() -> int:
        with database.session(ADMIN) as session:
            return session.scalar(select(func.count(AuditEvent.seq))) or 0

    return count


@pytest.fixture
def last_actions(database: Database) -> Callable[[int], list[str]]:
    """The actions of the latest ``n`` audit events, oldest first."""

    def actions(n: int) -> list[str]:
        with database.session(ADMIN) as session:
            rows = session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq.desc()).limit(n)).all()
        return list(reversed(rows))

    return actions


@pytest.fixture
def suspended(database: Database):
    """The platform suspended for the duration of one test."""
    with database.session(ADMIN) as session:
        suspension.suspend(session, ADMIN, "Diễn tập sự cố")
    yield
    with database.session(ADMIN) as session:
        suspension.resume(session, ADMIN, "Kết thúc diễn tập")


@pytest.fixture
def make_dossier(database: Database, two_units: Units) -> Callable[[int], int]:
    """A bare dossier row of a unit, inserted directly (the dossier services are not under test here)."""

    def make(unit_id: int) -> int:
        number = next(_dossier_numbers)
        code = two_units.a_code if unit_id == two_units.a else two_units.b_code
        with database.session(ADMIN) as session:
            dossier = Dossier(unit_id=unit_id, profile="tt05", state="draft", code=f"F{unit_id}.2025.{number:02d}.TH",
                              office_code=f"{code}.2025.{number:02d}.TH", unit_identifier=code, year=2025,
                              number_symbol=f"{number:02d}.TH", title=f"Hồ sơ số {number}", retention_permanent=True)
            session.add(dossier)
            session.flush()
            return dossier.id

    return make
