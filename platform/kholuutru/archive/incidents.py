"""Incidents (sự cố, regulation Đ10): reported by anyone signed in, handled by the operating unit.

An incident records how it came in (channel), what kind it is (category), how bad (severity), who reported it and
who handles it, a timeline, the units it affects and how it was resolved. Every change writes one audit event and a
timeline line in its transaction, and queues an e-mail sent after the commit (``incident_mail``).

While the platform is suspended every change is refused like any other write (``ensure_writable``), except a
timeline entry by those who keep working on the investigation — system admins, on-call operators, inspectors
(DOMAIN.md § incidents and suspension). A security incident is what the platform is suspended from
(``suspension.suspend(..., incident=id)``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import audit, incident_records, validation
from .access import Actor, may, require
from .errors import Conflict, InvalidInput, NotFound
from .incident_models import Incident
from .models import Account, Role, Unit
from .roles import OPERATOR, SYSTEM_ADMIN
from .suspension import ensure_writable, may_read_while_suspended
from .validation import Label

CHANNELS: dict[str, tuple[str, str]] = {
    "online": ("Biểu mẫu trực tuyến", "Online form"),
    "phone": ("Đường dây nóng", "Phone hotline"),
    "email": ("Thư điện tử", "E-mail"),
    "social": ("Mạng xã hội", "Social network"),
    "in_person": ("Trực tiếp", "In person"),
    "other": ("Khác", "Other"),
}
CATEGORIES: dict[str, tuple[str, str]] = {
    "technical": ("Kỹ thuật", "Technical"),
    "security": ("An ninh, an toàn thông tin", "Security"),
    "data": ("Dữ liệu", "Data"),
}
SEVERITIES: dict[str, tuple[str, str]] = {
    "low": ("Thấp", "Low"),
    "medium": ("Trung bình", "Medium"),
    "high": ("Cao", "High"),
    "critical": ("Nghiêm trọng", "Critical"),
}
STATUSES: dict[str, tuple[str, str]] = {
    "open": ("Mới tiếp nhận", "Open"),
    "investigating": ("Đang xử lý", "Investigating"),
    "resolved": ("Đã xử lý xong", "Resolved"),
}
HANDLER_ROLES = (SYSTEM_ADMIN, OPERATOR)
"""Whom an incident may be assigned to: the operating unit."""

TITLE = Label("title", "Tiêu đề", "Title")
DESCRIPTION = Label("description", "Mô tả", "Description")
CHANNEL = Label("channel", "Kênh tiếp nhận", "Channel")
CATEGORY = Label("category", "Loại sự cố", "Category")
SEVERITY = Label("severity", "Mức độ", "Severity")
STATUS = Label("status", "Trạng thái", "Status")
CONTACT = Label("reporter_contact", "Liên hệ người báo", "Reporter's contact")
ASSIGNEE = Label("assignee", "Người xử lý", "Assignee")
TEXT = Label("text", "Nội dung", "Text")
RESOLUTION = Label("resolution", "Kết quả xử lý", "Resolution")
UNITS = Label("unit_ids", "Đơn vị bị ảnh hưởng", "Affected units")
MAX_TEXT = 20_000


def report(session: Session, actor: Actor, *, title: Any, description: Any, category: Any, severity: Any,
           channel: Any = "online", reporter_contact: Any = None, unit_ids: Any = ()) -> Incident:
    """Record a new incident. Anyone signed in reports through the online form; the operating unit also records
    what came in by phone, e-mail, social networks or in person (any other channel)."""
    require(actor, "incident.report")
    ensure_writable(session)
    clean_channel = validation.choice(CHANNEL, channel or "online", CHANNELS, required=True)
    if clean_channel != "online" and not may(actor, "incident.manage"):
        raise InvalidInput("Chỉ bộ phận vận hành ghi nhận sự cố từ kênh khác biểu mẫu trực tuyến.",
                           "Only the operating unit records incidents from channels other than the online form.",
                           field=CHANNEL.key)
    incident = Incident(
        title=validation.text(TITLE, title, max_length=200, required=True),
        description=validation.text(DESCRIPTION, description, max_length=MAX_TEXT, required=True),
        channel=clean_channel,
        category=validation.choice(CATEGORY, category, CATEGORIES, required=True),
        severity=validation.choice(SEVERITY, severity, SEVERITIES, required=True),
        status="open",
        reporter_id=actor.user_id,
        reporter_name=actor.username,
        reporter_contact=validation.text(CONTACT, reporter_contact, max_length=200),
        units=_units(session, unit_ids),
    )
    session.add(incident)
    session.flush()
    incident_records.add_entry(session, incident, actor, "report", incident.description)
    incident_records.queue_notification(session, incident, "Sự cố mới", "New incident", incident.description)
    audit.record(session, actor, "incident.report", object_type="incident", object_id=incident.id,
                 after=incident_state(incident))
    return incident


def assign(session: Session, actor: Actor, incident_id: int, assignee: Any) -> Incident:
    """Give the incident to someone of the operating unit (system admin or on-call operator), by login name."""
    incident = _for_change(session, actor, incident_id)
    username = validation.text(ASSIGNEE, assignee, max_length=128, required=True)
    account = session.scalar(
        select(Account).join(Account.roles).where(Account.username == username, Account.active == True,
                                                 Role.name.in_(HANDLER_ROLES)))
    if account is None:
        raise InvalidInput(f"'{username}' không phải tài khoản đang hoạt động của quản trị hệ thống hay trực vận hành.",
                           f"'{username}' is not an active system administrator or on-call operator account.",
                           field=ASSIGNEE.key)
    if incident.assignee_id == account.id:
        return incident
    before = incident_state(incident)
    incident.assignee_id = account.id
    if incident.status == "open":
        incident.status = "investigating"
    _changed(session, actor, incident, before, "incident.assign", "assign", account.username,
             ("Đã phân công xử lý", "Assigned"))
    return incident


def update(session: Session, actor: Actor, incident_id: int, *, severity: Any = None, status: Any = None,
           category: Any = None) -> Incident:
    """Change the severity, category or status (resolving has its own call, which needs the resolution)."""
    incident = _for_change(session, actor, incident_id)
    before = incident_state(incident)
    if severity not in (None, ""):
        incident.severity = validation.choice(SEVERITY, severity, SEVERITIES, required=True)
    if category not in (None, ""):
        incident.category = validation.choice(CATEGORY, category, CATEGORIES, required=True)
    if status not in (None, ""):
        new_status = validation.choice(STATUS, status, STATUSES, required=True)
        if new_status == "resolved":
            raise InvalidInput("Hãy dùng chức năng 'Kết thúc xử lý' và nêu kết quả xử lý.",
                               "Resolve the incident with its resolution instead.", field=STATUS.key)
        incident.status = new_status
    after = incident_state(incident)
    if after == before:
        return incident
    text = ", ".join(f"{key}: {before[key]} → {after[key]}" for key in ("severity", "category", "status")
                     if before[key] != after[key])
    _changed(session, actor, incident, before, "incident.update", "change", text, ("Đã thay đổi", "Changed"))
    return incident


def link_units(session: Session, actor: Actor, incident_id: int, unit_ids: Any) -> Incident:
    """Set the units the incident affects."""
    incident = _for_change(session, actor, incident_id)
    before = incident_state(incident)
    incident.units = _units(session, unit_ids)
    if incident_state(incident) == before:
        return incident
    text = ", ".join(unit.code for unit in incident.units) or "—"
    session.flush()
    incident_records.add_entry(session, incident, actor, "units", text)
    audit.record(session, actor, "incident.units", object_type="incident", object_id=incident.id, before=before,
                 after=incident_state(incident))
    return incident


def add_entry(session: Session, actor: Actor, incident_id: int, text: Any) -> Incident:
    """Write a line on the timeline. Allowed while suspended to those who investigate (DOMAIN.md)."""
    require(actor, "incident.timeline")
    if not may_read_while_suspended(actor):
        ensure_writable(session)
    incident = _locked(session, incident_id)
    clean = validation.text(TEXT, text, max_length=MAX_TEXT, required=True) or ""
    entry = incident_records.add_entry(session, incident, actor, "note", clean)
    audit.record(session, actor, "incident.note", object_type="incident", object_id=incident.id,
                 after={"entry": entry.id, "text": clean})
    return incident


def resolve(session: Session, actor: Actor, incident_id: int, resolution: Any) -> Incident:
    """Close the incident with how it was resolved. The platform must not still be suspended from it."""
    incident = _for_change(session, actor, incident_id)
    clean = validation.text(RESOLUTION, resolution, max_length=MAX_TEXT, required=True)
    if incident.status == "resolved":
        raise Conflict(f"Sự cố số {incident.id} đã được xử lý xong.", f"Incident {incident.id} is already resolved.",
                       field="status")
    before = incident_state(incident)
    incident.status, incident.resolution, incident.resolved_at = "resolved", clean, dt.datetime.now(dt.UTC)
    _changed(session, actor, incident, before, "incident.resolve", "resolve", clean or "",
             ("Đã xử lý xong", "Resolved"))
    return incident


def get(session: Session, actor: Actor, incident_id: int) -> Incident:
    """One incident: the operating unit and inspectors see all, everyone else those they reported."""
    incident = session.get(Incident, incident_id)
    if incident is None or not _sees(actor, incident):
        raise NotFound(f"Không có sự cố số {incident_id}.", f"There is no incident {incident_id}.", field="id")
    return incident


def listing(session: Session, actor: Actor, *, status: str | None = None) -> list[Incident]:
    """The incidents the actor may see, newest first; ``status="unresolved"`` keeps the open ones."""
    query = select(Incident).order_by(Incident.id.desc())
    if not may(actor, "incident.view"):
        query = query.where(Incident.reporter_name == actor.username)
    if status == "unresolved":
        query = query.where(Incident.status != "resolved")
    elif status:
        query = query.where(Incident.status == validation.choice(STATUS, status, STATUSES))
    return list(session.scalars(query))


def open_counts(session: Session) -> dict[str, int]:
    """Unresolved incidents by severity, every severity present (the console's Prometheus gauge)."""
    rows = session.execute(select(Incident.severity, func.count()).where(Incident.status != "resolved")
                           .group_by(Incident.severity)).all()
    counts = dict.fromkeys(SEVERITIES, 0)
    counts.update({severity: count for severity, count in rows})
    return counts


def handlers(session: Session) -> list[str]:
    """Login names an incident may be assigned to."""
    return list(session.scalars(select(Account.username).join(Account.roles)
                                .where(Account.active == True, Role.name.in_(HANDLER_ROLES))
                                .distinct().order_by(Account.username)))


def assignee_of(session: Session, incident: Incident) -> Account | None:
    return session.get(Account, incident.assignee_id) if incident.assignee_id else None


def incident_state(incident: Incident) -> dict[str, Any]:
    """What the audit digests: every field people can change."""
    return {
        "id": incident.id, "title": incident.title, "channel": incident.channel, "category": incident.category,
        "severity": incident.severity, "status": incident.status, "assignee_id": incident.assignee_id,
        "resolution": incident.resolution, "unit_ids": sorted(unit.id for unit in incident.units),
    }


def name_of(names: dict[str, tuple[str, str]], code: str | None, language: str = "vi") -> str:
    """A coded value's name in ``language`` (the code itself when unknown)."""
    if not code:
        return ""
    vi, en = names.get(code, (code, code))
    return en if language == "en" else vi


def _sees(actor: Actor, incident: Incident) -> bool:
    return may(actor, "incident.view") or (incident.reporter_name == actor.username)


def _locked(session: Session, incident_id: int) -> Incident:
    incident = session.scalar(select(Incident).where(Incident.id == incident_id).with_for_update())
    if incident is None:
        raise NotFound(f"Không có sự cố số {incident_id}.", f"There is no incident {incident_id}.", field="id")
    return incident


def _for_change(session: Session, actor: Actor, incident_id: int) -> Incident:
    require(actor, "incident.manage")
    ensure_writable(session)
    return _locked(session, incident_id)


def _changed(session: Session, actor: Actor, incident: Incident, before: dict[str, Any], action: str, kind: str,
             text: str, event: tuple[str, str]) -> None:
    session.flush()
    incident_records.add_entry(session, incident, actor, kind, text)
    incident_records.queue_notification(session, incident, event[0], event[1], text)
    audit.record(session, actor, action, object_type="incident", object_id=incident.id, before=before,
                 after=incident_state(incident))


def _units(session: Session, unit_ids: Any) -> list[Unit]:
    """The units named by id (a list of ids, or a comma-separated string from a form)."""
    if isinstance(unit_ids, str):
        unit_ids = [part for part in unit_ids.replace(" ", ",").split(",") if part]
    if unit_ids is None:
        unit_ids = []
    if not isinstance(unit_ids, Iterable):
        raise InvalidInput(f"Trường '{UNITS.vi}' phải là danh sách mã số đơn vị.",
                           f"'{UNITS.en}' must be a list of unit ids.", field=UNITS.key)
    ids = sorted({validation.integer(UNITS, value, minimum=1, required=True) or 0 for value in unit_ids})
    found = list(session.scalars(select(Unit).where(Unit.id.in_(ids)).order_by(Unit.code))) if ids else []
    missing = sorted(set(ids) - {unit.id for unit in found})
    if missing:
        raise InvalidInput(f"Không có đơn vị số {missing[0]}.", f"There is no unit {missing[0]}.", field=UNITS.key)
    return found

