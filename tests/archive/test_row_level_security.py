"""Unit isolation (invariant 1) held by PostgreSQL itself: a raw SELECT without any filter leaks nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from kholuutru.archive import units
from kholuutru.archive.access import Actor
from kholuutru.archive.roles import INSPECTOR, RECORDS_STAFF

ADMIN = Actor.system("test")


@pytest.fixture(scope="module")
def two_units(database, superuser_engine):
    with database.session(ADMIN) as session:
        province = units.create_unit(session, ADMIN, code="000.00.00.H47", name="UBND tỉnh", level="province")
        a = units.create_unit(session, ADMIN, code="000.00.01.H47", name="Sở A", level="department",
                              parent_id=province.id)
        b = units.create_unit(session, ADMIN, code="000.00.02.H47", name="Sở B", level="department",
                              parent_id=province.id)
        session.execute(
            text("INSERT INTO fonds (unit_id, code, name) VALUES (:a, 'FA', 'Phông A'), (:b, 'FB', 'Phông B')"),
            {"a": a.id, "b": b.id},
        )
    return a.id, b.id


def staff(unit_id: int) -> Actor:
    return Actor(user_id=None, username="staff", unit_id=unit_id, roles=frozenset({RECORDS_STAFF}))


def test_staff_of_unit_a_sees_no_row_of_unit_b(database, two_units):
    a, b = two_units
    with database.session(staff(a)) as session:
        rows = session.execute(text("SELECT unit_id, name FROM fonds")).all()
    assert rows == [(a, "Phông A")]


def test_province_wide_role_sees_every_unit(database, two_units):
    inspector = Actor(user_id=None, username="inspector", unit_id=None, roles=frozenset({INSPECTOR}))
    with database.session(inspector) as session:
        assert session.execute(text("SELECT count(*) FROM fonds")).scalar() == 2


def test_no_context_sees_nothing(database, two_units):
    with database.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM fonds")).scalar() == 0


def test_staff_cannot_write_into_another_unit(database, two_units):
    a, b = two_units
    with pytest.raises(DBAPIError, match="row-level security"), database.session(staff(a)) as session:
        session.execute(text("INSERT INTO fonds (unit_id, code, name) VALUES (:b, 'FX', 'Lọt')"), {"b": b})
    with database.session(staff(a)) as session:
        changed = session.execute(text("UPDATE fonds SET name = 'đổi' WHERE unit_id = :b"), {"b": b}).rowcount
    assert changed == 0


def test_the_setting_lasts_one_transaction_only(database, two_units):
    a, _ = two_units
    with database.engine.connect() as connection:
        with connection.begin():
            from kholuutru.archive.access import apply_rls_context

            apply_rls_context(connection, staff(a))
            assert connection.execute(text("SELECT count(*) FROM fonds")).scalar() == 1
        assert connection.execute(text("SELECT count(*) FROM fonds")).scalar() == 0


def test_the_application_role_is_not_privileged(database):
    with database.engine.connect() as connection:
        row = connection.execute(text(
            "SELECT r.rolsuper, r.rolbypassrls, c.relowner = r.oid AS owns_fonds, c.relforcerowsecurity "
            "FROM pg_roles r, pg_class c WHERE r.rolname = current_user AND c.relname = 'fonds'"
        )).one()
    assert row == (False, False, False, True)
    database.refuse_privileged_app_role()


def test_audit_events_are_scoped_to_the_unit_too(database, two_units):
    a, b = two_units
    with database.session(staff(a)) as session:
        seen = set(session.execute(text("SELECT DISTINCT unit_id FROM audit_events")).scalars())
    assert seen == {a}
