"""Prometheus metrics of backups and drills, read from their records at scrape time.

The console's ``/metrics`` reads :func:`metric_values` in its scrape's one database session and exports
:func:`families`; values come from the database, so they are right whichever process or CronJob ran the backup. A
metric with no record yet is absent, which the alert rules (monitoring/alerts/backups.yaml) treat as stale after the
same delays.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import select
from sqlalchemy.orm import Session

from kholuutru.archive.backup_models import BackupRun, RestoreDrill

HELP = {
    "kholuutru_backup_last_success_timestamp_seconds": "End of the newest successful backup (Unix time).",
    "kholuutru_backup_last_run_timestamp_seconds": "End of the newest backup run, successful or not (Unix time).",
    "kholuutru_backup_last_run_success": "1 if the newest backup run succeeded, 0 if it failed or was refused.",
    "kholuutru_backup_last_duration_seconds": "Duration of the newest successful backup.",
    "kholuutru_backup_last_bytes_added": "Bytes the newest successful backup added to the repository.",
    "kholuutru_drill_last_run_timestamp_seconds": "End of the newest restore drill (Unix time).",
    "kholuutru_drill_last_success_timestamp_seconds": "End of the newest passed restore drill (Unix time).",
    "kholuutru_drill_last_passed": "1 if the newest restore drill passed, 0 if it failed.",
    "kholuutru_drill_last_rto_seconds": "Recovery time of the newest passed drill: restore and full verification.",
    "kholuutru_drill_last_bytes_restored": "Bytes the newest passed drill restored and verified.",
}


def metric_values(session: Session) -> dict[str, float]:
    """The value of each metric that has a record behind it."""
    run = _newest(session, BackupRun)
    success = _newest(session, BackupRun, BackupRun.verdict == "succeeded")
    drill = _newest(session, RestoreDrill)
    passed = _newest(session, RestoreDrill, RestoreDrill.verdict == "passed")
    values: dict[str, Any] = {}
    if run is not None:
        values["kholuutru_backup_last_run_timestamp_seconds"] = run.finished_at.timestamp()
        values["kholuutru_backup_last_run_success"] = 1.0 if run.verdict == "succeeded" else 0.0
    if success is not None:
        values["kholuutru_backup_last_success_timestamp_seconds"] = success.finished_at.timestamp()
        values["kholuutru_backup_last_duration_seconds"] = success.seconds
        values["kholuutru_backup_last_bytes_added"] = success.bytes_added
    if drill is not None:
        values["kholuutru_drill_last_run_timestamp_seconds"] = drill.finished_at.timestamp()
        values["kholuutru_drill_last_passed"] = 1.0 if drill.verdict == "passed" else 0.0
    if passed is not None:
        values["kholuutru_drill_last_success_timestamp_seconds"] = passed.finished_at.timestamp()
        values["kholuutru_drill_last_rto_seconds"] = passed.rto_seconds
        values["kholuutru_drill_last_bytes_restored"] = passed.bytes_restored
    return {name: float(value) for name, value in values.items() if value is not None}


def _newest(session: Session, model: Any, *where: Any) -> Any:
    return session.scalar(select(model).where(*where).order_by(model.finished_at.desc()).limit(1))


def families(values: dict[str, float]) -> Iterator[GaugeMetricFamily]:
    """A gauge for each of :func:`metric_values`."""
    for name, value in values.items():
        yield GaugeMetricFamily(name, HELP[name], value=value)
