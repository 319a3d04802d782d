"""The history of backups and drills in the database: written at the end of each run, read by pages and metrics.

Recording is not blocked by a suspension (invariant 4: backups and drills keep running), and each record is one
audited state change. A run killed before its end records nothing; the staleness alerts are what notice that.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kholuutru.archive import audit
from kholuutru.archive.access import Actor
from kholuutru.archive.backup_models import BackupRun, RestoreDrill
from kholuutru.archive.database import Database


def record_backup(database: Database, actor: Actor, **values: Any) -> BackupRun:
    """Store one backup run (see ``BackupRun`` for the fields) with its audit event."""
    with database.session(actor) as session:
        run = BackupRun(**values)
        session.add(run)
        session.flush()
        audit.record(session, actor, "backup.run", object_type="backup_run", object_id=run.id,
                     after={"verdict": run.verdict, "snapshot_id": run.snapshot_id, "message": run.message})
        return run


def record_drill(database: Database, actor: Actor, **values: Any) -> RestoreDrill:
    """Store one restore drill (see ``RestoreDrill``) with its audit event."""
    with database.session(actor) as session:
        drill = RestoreDrill(**values)
        session.add(drill)
        session.flush()
        audit.record(session, actor, "drill.run", object_type="restore_drill", object_id=drill.id,
                     after={"verdict": drill.verdict, "snapshot_id": drill.snapshot_id, "message": drill.message})
        return drill


def backup_as_dict(run: BackupRun) -> dict[str, Any]:
    return {name: _plain(getattr(run, name)) for name in (
        "id", "started_at", "finished_at", "verdict", "repository", "snapshot_id", "bytes_added", "bytes_processed",
        "objects", "seconds", "audit_head_seq", "message")}


def drill_as_dict(drill: RestoreDrill) -> dict[str, Any]:
    return {name: _plain(getattr(drill, name)) for name in (
        "id", "started_at", "finished_at", "verdict", "repository", "snapshot_id", "checks", "bytes_restored",
        "rto_seconds", "message")}


def history(session: Session, limit: int = 50) -> dict[str, Any]:
    """The latest backups and drills (newest first), and the last RPO and RTO, for the backups page.

    RPO is the age of the newest successful backup now; RTO the duration of the newest passed drill.
    """
    runs = session.scalars(select(BackupRun).order_by(BackupRun.finished_at.desc()).limit(limit)).all()
    drills = session.scalars(select(RestoreDrill).order_by(RestoreDrill.finished_at.desc()).limit(limit)).all()
    last_backup = last_success(session)
    last_drill = session.scalar(select(RestoreDrill).where(RestoreDrill.verdict == "passed")
                                .order_by(RestoreDrill.finished_at.desc()).limit(1))
    now = dt.datetime.now(dt.UTC)
    return {
        "backups": [backup_as_dict(run) for run in runs],
        "drills": [drill_as_dict(drill) for drill in drills],
        "rpo_seconds": (now - last_backup.finished_at).total_seconds() if last_backup else None,
        "rto_seconds": last_drill.rto_seconds if last_drill else None,
    }


def last_success(session: Session) -> BackupRun | None:
    """The newest backup that made a snapshot."""
    return session.scalar(select(BackupRun).where(BackupRun.verdict == "succeeded")
                          .order_by(BackupRun.finished_at.desc()).limit(1))


def last_snapshot(session: Session, repository: str) -> str | None:
    """The snapshot of the newest successful backup into ``repository`` (as shown), if any."""
    return session.scalar(select(BackupRun.snapshot_id).where(BackupRun.verdict == "succeeded",
                                                              BackupRun.repository == repository)
                          .order_by(BackupRun.finished_at.desc()).limit(1))


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.datetime) else value
