"""Platform suspension (regulation Đ10, invariant 4): one state that every write path checks.

Console, REST API, command line and the operator's ``spec.suspended`` all set the same row; every service that
writes calls ``ensure_writable`` first, inside the same transaction, so no path can write while suspended.

DOMAIN.md: the platform is suspended *from a security incident*. When one is named, it must exist, be a security
incident and still be open; suspending and resuming then each write a line on its timeline and queue an e-mail, in
the same transaction as the state and its audit event.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import audit, incident_records
from .access import Actor, require
from .errors import Conflict, InvalidInput, NotFound, PlatformSuspended
from .incident_models import Incident
from .models import PlatformState
from .roles import INSPECTOR, OPERATOR, SYSTEM_ADMIN


@dataclass(frozen=True)
class SuspensionState:
    """What the console's banner, ``/health`` and the CLI report."""

    suspended: bool
    reason: str | None = None
    since: dt.datetime | None = None
    by: str | None = None
    incident: int | None = None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["since"] = self.since.isoformat() if self.since else None
        return data


def current_state(session: Session) -> SuspensionState:
    """The platform state now (one single-row read)."""
    row = session.get(PlatformState, 1)
    if row is None:
        return SuspensionState(suspended=False)
    return SuspensionState(row.suspended, row.reason, row.since, row.changed_by, row.incident_id)


READERS_WHILE_SUSPENDED = frozenset({SYSTEM_ADMIN, OPERATOR, INSPECTOR})


def may_read_while_suspended(actor: Actor) -> bool:
    """DOMAIN.md: while suspended only system admins, on-call operators and inspectors read (to investigate);
    staff, heads and readers see the suspension notice alone."""
    return bool(actor.roles & READERS_WHILE_SUSPENDED)


def ensure_writable(session: Session) -> None:
    """Refuse the write about to happen while the platform is suspended."""
    state = current_state(session)
    if state.suspended:
        raise PlatformSuspended(state.reason or "")


def suspend(session: Session, actor: Actor, reason: str, incident: int | None = None) -> SuspensionState:
    """Suspend the platform; only the operating unit (system admin, on-call operator) may."""
    row = _locked_state(session, actor, reason)
    if row.suspended:
        return current_state(session)
    source = _security_incident(session, incident) if incident is not None else None
    before = _snapshot(row)
    row.suspended, row.reason, row.since = True, reason.strip(), dt.datetime.now(dt.UTC)
    row.changed_by, row.incident_id = actor.username, incident
    if source is not None:
        incident_records.add_entry(session, source, actor, "suspend", row.reason)
        incident_records.queue_notification(session, source, "Hệ thống đã tạm dừng", "Platform suspended", row.reason)
    audit.record(
        session, actor, "platform.suspend", object_type="platform", object_id=1,
        before=before, after=_snapshot(row), details={"reason": row.reason, "incident": incident},
    )
    return current_state(session)


def resume(session: Session, actor: Actor, reason: str) -> SuspensionState:
    """Resume the platform; a reason is required and recorded (on the incident's timeline too, if any)."""
    row = _locked_state(session, actor, reason)
    if not row.suspended:
        return current_state(session)
    before = _snapshot(row)
    incident = row.incident_id
    source = session.get(Incident, incident) if incident is not None else None
    row.suspended, row.reason, row.since, row.changed_by, row.incident_id = False, None, None, actor.username, None
    if source is not None:
        incident_records.add_entry(session, source, actor, "resume", reason.strip())
        incident_records.queue_notification(session, source, "Hệ thống hoạt động trở lại", "Platform resumed",
                                            reason.strip())
    audit.record(
        session, actor, "platform.resume", object_type="platform", object_id=1,
        before=before, after=_snapshot(row), details={"reason": reason.strip(), "incident": incident},
    )
    return current_state(session)


def _security_incident(session: Session, incident_id: int) -> Incident:
    """The incident a suspension comes from: it must exist, be a security incident and not be resolved yet."""
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise NotFound(f"Không có sự cố số {incident_id}.", f"There is no incident {incident_id}.", field="incident")
    if incident.category != "security":
        raise InvalidInput("Chỉ tạm dừng hệ thống từ một sự cố an ninh, an toàn thông tin.",
                           "The platform is suspended only from a security incident.", field="incident")
    if incident.status == "resolved":
        raise Conflict(f"Sự cố số {incident_id} đã được xử lý xong.", f"Incident {incident_id} is already resolved.",
                       field="incident")
    return incident


def _locked_state(session: Session, actor: Actor, reason: str) -> PlatformState:
    require(actor, "platform.suspend")
    if not reason or not reason.strip():
        raise InvalidInput("Phải nêu lý do.", "A reason is required.", field="reason")
    return session.execute(select(PlatformState).where(PlatformState.id == 1).with_for_update()).scalar_one()


def _snapshot(row: PlatformState) -> dict[str, Any]:
    return {"suspended": row.suspended, "reason": row.reason, "since": row.since, "incident": row.incident_id}
