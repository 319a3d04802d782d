"""``kholuutru incident open|list|show|assign|note|resolve``: incidents (regulation Đ10) from the on-call shell.

The runbooks need them where the console may be down or the platform suspended: the same services as the console
(``incidents``), so each change writes its audit event and timeline line, is refused while suspended (a timeline
note excepted, as for every investigator), and queues the e-mail that is sent once the change has committed. The
actor is the operating staff at the command line (``Actor.system``), as for ``suspend`` and ``admin create``.
"""

from __future__ import annotations

from typing import Any

import click

from . import incident_mail, incidents
from .access import Actor
from .cli import Context, emit, main, reports, unit_by_code
from .incident_models import Incident

ACTOR = Actor.system("incident")


def incident_dict(incident: Incident) -> dict[str, Any]:
    """What the commands report about one incident: its fields, affected units and timeline."""
    return {
        "id": incident.id, "title": incident.title, "description": incident.description,
        "channel": incident.channel, "category": incident.category, "severity": incident.severity,
        "status": incident.status, "reporter": incident.reporter_name, "reporter_contact": incident.reporter_contact,
        "assignee_id": incident.assignee_id, "resolution": incident.resolution,
        "reported_at": incident.reported_at, "resolved_at": incident.resolved_at,
        "units": [unit.code for unit in incident.units],
        "entries": [{"kind": entry.kind, "text": entry.text, "author": entry.author, "at": entry.at}
                    for entry in incident.entries],
    }


def _summary(incident: Incident) -> str:
    return f"#{incident.id} [{incident.status}] {incident.category}/{incident.severity}: {incident.title}"


def _changed(context: Context, as_json: bool, change: Any, human: str) -> None:
    """Run ``change(session)`` in one transaction, report the incident, then send the e-mails it queued."""
    with context.database() as database:
        with database.session(ACTOR) as session:
            result = {"ok": True, **incident_dict(change(session))}
        incident_mail.deliver_pending(database, context.settings)
    emit(as_json, result, f"{human}: #{result['id']} [{result['status']}] {result['title']}")


@main.group("incident")
def incident_group() -> None:
    """Sự cố / incidents (regulation Đ10)."""


@incident_group.command("open")
@click.option("--title", required=True)
@click.option("--description", required=True)
@click.option("--category", required=True, type=click.Choice(list(incidents.CATEGORIES)))
@click.option("--severity", required=True, type=click.Choice(list(incidents.SEVERITIES)))
@click.option("--channel", default="phone", show_default=True, type=click.Choice(list(incidents.CHANNELS)),
              help="How the report came in.")
@click.option("--contact", default=None, help="The reporter's name and phone or e-mail.")
@click.option("--unit", "unit_codes", multiple=True, help="Identifier code of an affected unit (repeatable).")
@reports
def incident_open(context: Context, as_json: bool, title: str, description: str, category: str, severity: str,
                  channel: str, contact: str | None, unit_codes: tuple[str, ...]) -> None:
    """Record an incident reported to the operating unit."""

    def change(session: Any) -> Incident:
        unit_ids = [unit_by_code(session, code).id for code in unit_codes]
        return incidents.report(session, ACTOR, title=title, description=description, category=category,
                                severity=severity, channel=channel, reporter_contact=contact, unit_ids=unit_ids)

    _changed(context, as_json, change, "Đã ghi nhận sự cố / incident recorded")


@incident_group.command("list")
@click.option("--status", default="unresolved", show_default=True,
              type=click.Choice(["unresolved", *incidents.STATUSES, "all"]))
@reports
def incident_list(context: Context, as_json: bool, status: str) -> None:
    """The incidents, newest first."""
    with context.database() as database, database.session(ACTOR) as session:
        found = incidents.listing(session, ACTOR, status=None if status == "all" else status)
        rows = [{key: value for key, value in incident_dict(i).items() if key not in ("description", "entries")}
                for i in found]
        lines = [_summary(incident) for incident in found]
    emit(as_json, {"ok": True, "incidents": rows},
         "\n".join([f"{len(rows)} sự cố / incidents ({status})", *lines]))


@incident_group.command("show")
@click.argument("incident_id", type=int)
@reports
def incident_show(context: Context, as_json: bool, incident_id: int) -> None:
    """One incident with its timeline."""
    with context.database() as database, database.session(ACTOR) as session:
        incident = incidents.get(session, ACTOR, incident_id)
        result = {"ok": True, **incident_dict(incident)}
        lines = [_summary(incident), *(f"  {e.at:%Y-%m-%d %H:%M} {e.kind:<8} {e.author}: {e.text}"
                                       for e in incident.entries)]
    emit(as_json, result, "\n".join(lines))


@incident_group.command("assign")
@click.argument("incident_id", type=int)
@click.option("--to", "assignee", required=True, help="Login name of a system admin or on-call operator.")
@reports
def incident_assign(context: Context, as_json: bool, incident_id: int, assignee: str) -> None:
    """Give the incident to someone of the operating unit (it is then being investigated)."""
    _changed(context, as_json, lambda session: incidents.assign(session, ACTOR, incident_id, assignee),
             "Đã phân công / assigned")


@incident_group.command("update")
@click.argument("incident_id", type=int)
@click.option("--severity", default=None, type=click.Choice(list(incidents.SEVERITIES)))
@click.option("--category", default=None, type=click.Choice(list(incidents.CATEGORIES)))
@click.option("--status", default=None, type=click.Choice(["open", "investigating"]))
@reports
def incident_update(context: Context, as_json: bool, incident_id: int, severity: str | None, category: str | None,
                    status: str | None) -> None:
    """Change the severity, category or status found at triage."""
    _changed(context, as_json, lambda session: incidents.update(session, ACTOR, incident_id, severity=severity,
                                                                category=category, status=status),
             "Đã cập nhật / updated")


@incident_group.command("note")
@click.argument("incident_id", type=int)
@click.option("--text", required=True, help="What was found or done (a line on the timeline).")
@reports
def incident_note(context: Context, as_json: bool, incident_id: int, text: str) -> None:
    """Add a line to the timeline (allowed while suspended: the investigation goes on)."""
    _changed(context, as_json, lambda session: incidents.add_entry(session, ACTOR, incident_id, text),
             "Đã ghi diễn biến / note added")


@incident_group.command("resolve")
@click.argument("incident_id", type=int)
@click.option("--resolution", required=True, help="How the incident was resolved.")
@reports
def incident_resolve(context: Context, as_json: bool, incident_id: int, resolution: str) -> None:
    """Close the incident with its resolution."""
    _changed(context, as_json, lambda session: incidents.resolve(session, ACTOR, incident_id, resolution),
             "Đã xử lý xong / resolved")
