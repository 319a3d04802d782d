"""What every change to an incident leaves behind besides its audit event: a timeline line, and maybe an e-mail.

Both the incident service and the suspension (which writes on the incident it came from) use these, so a timeline
line and a queued notification look the same whoever wrote them. A notification is only *queued* here, in the
change's own transaction: ``incident_mail.deliver_pending`` sends it after the commit, so a slow or failing mail
server never holds or rolls back a change, and a change never goes unannounced because a send failed.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from .access import Actor
from .incident_models import Incident, IncidentEntry, IncidentNotification

ENTRY_KINDS: dict[str, tuple[str, str]] = {
    "report": ("Tiếp nhận", "Reported"),
    "note": ("Ghi chú", "Note"),
    "assign": ("Phân công", "Assigned"),
    "change": ("Thay đổi", "Changed"),
    "units": ("Đơn vị bị ảnh hưởng", "Affected units"),
    "resolve": ("Đã xử lý xong", "Resolved"),
    "suspend": ("Tạm dừng hệ thống", "Platform suspended"),
    "resume": ("Khôi phục hệ thống", "Platform resumed"),
}


def add_entry(session: Session, incident: Incident, actor: Actor, kind: str, text: str) -> IncidentEntry:
    """Append one line to the incident's timeline."""
    entry = IncidentEntry(incident_id=incident.id, kind=kind, text=text, author=actor.username)
    session.add(entry)
    session.flush()
    return entry


def queue_notification(session: Session, incident: Incident, event_vi: str, event_en: str, text: str) -> None:
    """Queue the e-mail announcing ``event`` on the incident; recipients are chosen when it is sent."""
    subject = f"[kholuutru] Sự cố #{incident.id} / Incident #{incident.id}: {event_vi} / {event_en} — {incident.title}"
    body = "\n".join([
        f"Sự cố / Incident #{incident.id}: {incident.title}",
        f"Loại / Category: {incident.category} — Mức độ / Severity: {incident.severity} — "
        f"Trạng thái / Status: {incident.status}",
        "",
        f"{event_vi} / {event_en}",
        text,
    ])
    session.add(IncidentNotification(incident_id=incident.id, subject=subject[:300], body=body, recipients="",
                                     state="pending", attempts=0))
    session.flush()
