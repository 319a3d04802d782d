"""The ArchivePlatform's status conditions (ARCHITECTURE §6), computed from what can be observed.

Every condition is a pure function of observations (children's status, the last Job results, the clock), so any
event — a spec change, a finished Job, a timer tick — recomputes the same answer. ``lastTransitionTime`` moves only
when a condition's status does, as the Kubernetes API conventions ask.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from croniter import croniter

TRUE, FALSE, UNKNOWN = "True", "False", "Unknown"
TYPES = ("Ready", "DatabaseReady", "StorageReady", "BackupsHealthy", "DrillPassed", "Suspended")
SUSPENDING, RESUMING = "Suspending", "Resuming"
WAITING_FOR_PLATFORM = "WaitingForPlatform"
"""A suspend or resume the spec asks for, held back until the database and a console are ready."""


@dataclass(frozen=True)
class Condition:
    type: str
    status: str
    reason: str
    message: str


def timestamp(moment: dt.datetime) -> str:
    """RFC 3339 in UTC with a ``Z``, as Kubernetes writes times."""
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def parse_time(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(dt.UTC)


def find(conditions: list[dict[str, Any]] | None, kind: str) -> dict[str, Any] | None:
    return next((c for c in conditions or [] if c.get("type") == kind), None)


def merge(existing: list[dict[str, Any]] | None, updates: list[Condition], now: dt.datetime,
          generation: int | None) -> list[dict[str, Any]]:
    """The conditions after ``updates``: the others are kept; a condition's transition time stays unless its
    status changed. Ordered as :data:`TYPES`."""
    by_type = {c["type"]: dict(c) for c in existing or [] if c.get("type") in TYPES}
    for update in updates:
        before = by_type.get(update.type)
        changed = before is None or before.get("status") != update.status
        entry = {
            "type": update.type,
            "status": update.status,
            "reason": update.reason,
            "message": update.message,
            "lastTransitionTime": timestamp(now) if changed else before["lastTransitionTime"],
        }
        if generation is not None:
            entry["observedGeneration"] = generation
        by_type[update.type] = entry
    return [by_type[kind] for kind in TYPES if kind in by_type]


def transitions(existing: list[dict[str, Any]] | None, merged: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Conditions whose status differs from before: each is worth a Kubernetes Event."""
    return [c for c in merged if (find(existing, c["type"]) or {}).get("status") != c["status"]]


def last_due(schedule: str, now: dt.datetime, grace: dt.timedelta) -> dt.datetime:
    """The latest scheduled run that should have finished by now: fired at or before ``now - grace``."""
    return croniter(schedule, now - grace).get_prev(dt.datetime).astimezone(dt.UTC)


def _schedule_health(record: dict[str, Any] | None, schedule: str, created: dt.datetime, now: dt.datetime,
                     grace: dt.timedelta, kind: str, what: str) -> Condition:
    """BackupsHealthy / DrillPassed: the last result, and whether it is as recent as the schedule promises."""
    due = last_due(schedule, now, grace)
    if record and record.get("result") == "Failed":
        return Condition(kind, FALSE, f"{what}Failed",
                         f"the last {what.lower()} failed at {record.get('time')} (Job {record.get('job')})")
    succeeded = parse_time(record.get("time")) if record else None
    if succeeded is not None and succeeded >= due:
        snapshot = record.get("snapshot")
        return Condition(kind, TRUE, f"{what}Recent",
                         f"last {what.lower()} succeeded at {record['time']}" + (f", snapshot {snapshot}"
                                                                                  if snapshot else ""))
    if due < created:
        return Condition(kind, UNKNOWN, f"No{what}Yet", f"the first scheduled {what.lower()} ({schedule}) is not due")
    since = f"since {timestamp(due)}" if succeeded is None else f"since {timestamp(due)} (last {record['time']})"
    return Condition(kind, FALSE, f"{what}Overdue",
                     f"no successful {what.lower()} {since}; schedule {schedule!r} allows {grace} to finish")


def backups_healthy(last_backup: dict[str, Any] | None, schedule: str, created: dt.datetime, now: dt.datetime,
                    grace: dt.timedelta) -> Condition:
    return _schedule_health(last_backup, schedule, created, now, grace, "BackupsHealthy", "Backup")


def drill_passed(last_drill: dict[str, Any] | None, schedule: str, created: dt.datetime, now: dt.datetime,
                 grace: dt.timedelta) -> Condition:
    return _schedule_health(last_drill, schedule, created, now, grace, "DrillPassed", "Drill")


def database_ready(managed: bool, statefulset: dict[str, Any] | None) -> Condition:
    if not managed:
        return Condition("DatabaseReady", TRUE, "External",
                         "external PostgreSQL; the console's /health reports whether it answers")
    ready = ((statefulset or {}).get("status") or {}).get("readyReplicas") or 0
    if ready >= 1:
        return Condition("DatabaseReady", TRUE, "Running", "PostgreSQL is ready")
    return Condition("DatabaseReady", FALSE, "Starting", "PostgreSQL has no ready replica yet")


def console_available(deployment: dict[str, Any] | None) -> int:
    return ((deployment or {}).get("status") or {}).get("availableReplicas") or 0


def ready(conditions: list[dict[str, Any]], available_consoles: int) -> Condition:
    """Ready: the platform serves — database and storage ready and at least one console available. Backups and
    drills have their own conditions and do not take the console out of service."""
    for kind in ("DatabaseReady", "StorageReady"):
        condition = find(conditions, kind)
        if condition is None or condition["status"] != TRUE:
            message = condition["message"] if condition else "not checked yet"
            return Condition("Ready", FALSE, f"{kind.removesuffix('Ready')}NotReady", message)
    if available_consoles < 1:
        return Condition("Ready", FALSE, "ConsoleNotReady", "no console replica is available yet")
    return Condition("Ready", TRUE, "Ready", f"{available_consoles} console replica(s) available")


def applied_suspension(conditions: list[dict[str, Any]] | None) -> tuple[bool, bool]:
    """(suspended, in flight) as the operator last set it: in flight while a suspend or resume Job runs."""
    condition = find(conditions, "Suspended")
    if condition is None:
        return False, False
    if condition["reason"] in (SUSPENDING, RESUMING):
        return condition["reason"] == SUSPENDING, True
    return condition["status"] == TRUE, False


def waiting_for_platform(conditions: list[dict[str, Any]] | None) -> bool:
    """Whether a suspend or resume waits for the platform to come up (a full reconciliation starts it then)."""
    return (find(conditions, "Suspended") or {}).get("reason") == WAITING_FOR_PLATFORM
