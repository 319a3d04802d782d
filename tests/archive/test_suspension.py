"""Suspension (invariant 4): one state, every service write refused while it holds, audited both ways."""

from __future__ import annotations

import pytest

from kholuutru.archive import audit, suspension, units
from kholuutru.archive.access import Actor
from kholuutru.archive.errors import InvalidInput, PermissionDenied, PlatformSuspended
from kholuutru.archive.models import AuditEvent
from kholuutru.archive.roles import OPERATOR, RECORDS_STAFF

ADMIN = Actor.system("test")


def test_suspend_refuses_writes_until_resumed(database):
    operator = Actor(user_id=None, username="trucvanhanh", unit_id=None, roles=frozenset({OPERATOR}))
    with database.session(operator) as session:
        state = suspension.suspend(session, operator, "Nghi ngờ lộ dữ liệu")
    assert state.suspended and state.reason == "Nghi ngờ lộ dữ liệu" and state.by == "trucvanhanh"
    assert state.incident is None and state.since is not None

    with pytest.raises(PlatformSuspended) as refused, database.session(ADMIN) as session:
        units.create_unit(session, ADMIN, code="000.00.00.H47", name="UBND tỉnh", level="province")
    assert "tạm dừng" in refused.value.message("vi") and refused.value.http_status == 503
    assert "Nghi ngờ lộ dữ liệu" in refused.value.message("en")

    with database.session(operator) as session:
        assert not suspension.resume(session, operator, "Đã khắc phục").suspended
    with database.session(ADMIN) as session:
        units.create_unit(session, ADMIN, code="000.00.00.H47", name="UBND tỉnh", level="province")
        actions = [e.action for e in session.query(AuditEvent).order_by(AuditEvent.seq)]
        assert audit.verify(session).ok
    assert actions == ["platform.suspend", "platform.resume", "unit.create"]


def test_only_the_operating_unit_may_suspend_and_a_reason_is_required(database):
    staff = Actor(user_id=None, username="canbo", unit_id=None, roles=frozenset({RECORDS_STAFF}))
    with pytest.raises(PermissionDenied), database.session(staff) as session:
        suspension.suspend(session, staff, "tự ý")
    with pytest.raises(InvalidInput) as missing, database.session(ADMIN) as session:
        suspension.suspend(session, ADMIN, "   ")
    assert missing.value.field == "reason"
    with database.session(ADMIN) as session:
        assert not suspension.current_state(session).suspended
