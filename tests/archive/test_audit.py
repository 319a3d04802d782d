"""The audit chain (invariant 2): it verifies, the database refuses changes, and tampering is found and named."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from kholuutru.archive import audit, units
from kholuutru.archive.access import Actor
from kholuutru.archive.models import AuditEvent

ADMIN = Actor.system("test")


@pytest.fixture(scope="module")
def three_events(database):
    with database.session(ADMIN) as session:
        province = units.create_unit(session, ADMIN, code="000.00.00.H47", name="UBND tỉnh", level="province")
        units.create_unit(session, ADMIN, code="000.00.01.H47", name="Sở Nội vụ", level="department",
                          parent_id=province.id)
    with database.session(ADMIN) as session:
        units.update_unit(session, ADMIN, province.id, name="Ủy ban nhân dân tỉnh Quảng Nam")
    return 3


def test_a_valid_chain_verifies(database, three_events):
    with database.session(ADMIN) as session:
        report = audit.verify(session)
        events = session.query(AuditEvent).order_by(AuditEvent.seq).all()
    assert report.ok, report
    assert report.events_checked == three_events
    assert report.head_hash == events[-1].hash
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[0].prev_hash == audit.GENESIS_HASH
    assert all(later.prev_hash == earlier.hash for earlier, later in zip(events, events[1:], strict=False))
    assert events[2].before_digest != events[2].after_digest
    assert [e.action for e in events] == ["unit.create", "unit.create", "unit.update"]


@pytest.mark.parametrize("statement", [
    "UPDATE audit_events SET actor_name = 'someone else' WHERE seq = 1",
    "DELETE FROM audit_events WHERE seq = 3",
    "TRUNCATE audit_events",
])
def test_the_database_refuses_changes_to_events(database, superuser_engine, three_events, statement):
    # Even the superuser meets the trigger; the application role lacks the privilege altogether.
    for engine in (database.engine, superuser_engine):
        with pytest.raises(DBAPIError), engine.begin() as connection:
            connection.execute(text(statement))
    with database.session(ADMIN) as session:
        assert audit.verify(session).ok


def test_a_change_fails_with_its_event(database, three_events):
    """The event is in the change's transaction: a failing change leaves neither."""
    with pytest.raises(RuntimeError), database.session(ADMIN) as session:
        province = session.query(units.Unit).filter_by(level="province").one()
        units.create_unit(session, ADMIN, code="000.00.02.H47", name="Sở Tư pháp", level="department",
                          parent_id=province.id)
        raise RuntimeError("the change fails after its event was written")
    with database.session(ADMIN) as session:
        assert audit.verify(session).events_checked == three_events


def test_a_row_altered_behind_the_trigger_is_named(database, superuser_engine, three_events):
    with superuser_engine.begin() as connection:
        connection.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"))
        connection.execute(text("UPDATE audit_events SET actor_name = 'forged' WHERE seq = 2"))
        connection.execute(text("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only"))
    with database.session(ADMIN) as session:
        report = audit.verify(session)
    assert not report.ok
    assert report.first_bad_seq == 2
    assert "altered" in report.problem
    assert report.events_checked == 1


def test_a_removed_row_is_named(database, superuser_engine, three_events):
    with superuser_engine.begin() as connection:
        connection.execute(text("SET session_replication_role = replica"))  # disables ordinary triggers
        connection.execute(text("DELETE FROM audit_events WHERE seq = 1"))
    with database.session(ADMIN) as session:
        report = audit.verify(session)
    assert not report.ok
    assert report.first_bad_seq == 1
    assert "missing" in report.problem


def test_canonical_json_is_stable_and_keeps_vietnamese():
    assert audit.canonical_json({"b": 1, "a": "Hồ sơ"}) == '{"a":"Hồ sơ","b":1}'
    assert audit.digest({"x": 1}) == audit.digest({"x": 1})
    assert audit.digest(None) is None
