"""The history of off-site backups and restore drills (regulation Đ9, Đ17.7): what ran, when, and what it proved.

Neither table belongs to a unit (a backup covers the whole province), so neither has a row-level security policy.
The rows are written by ``kholuutru.backups`` and read by the console page, the metrics and the operator's status;
a backup or drill that never reached its end (killed mid-run) leaves no row, which the staleness alerts catch.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, DateTime, Float, Integer, SmallInteger, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base

BACKUP_VERDICTS = ("succeeded", "failed")
DRILL_VERDICTS = ("passed", "failed")


class BackupRun(Base):
    """One ``kholuutru backup run``: the restic snapshot it made (none when refused), its size and duration."""

    __tablename__ = "backup_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    verdict: Mapped[str] = mapped_column(String(20))
    repository: Mapped[str] = mapped_column(String(500))
    snapshot_id: Mapped[str | None] = mapped_column(String(64))
    bytes_added: Mapped[int | None] = mapped_column(BigInteger)
    bytes_processed: Mapped[int | None] = mapped_column(BigInteger)
    objects: Mapped[int | None] = mapped_column(Integer)
    seconds: Mapped[float] = mapped_column(Float)
    audit_head_seq: Mapped[int | None] = mapped_column(BigInteger)
    message: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict] = mapped_column(JSONB, default=dict)


class RestoreDrill(Base):
    """One ``kholuutru drill run``: the snapshot restored into scratch, each check with its result, and the RTO."""

    __tablename__ = "restore_drills"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    verdict: Mapped[str] = mapped_column(String(20))
    repository: Mapped[str] = mapped_column(String(500))
    snapshot_id: Mapped[str | None] = mapped_column(String(64))
    checks: Mapped[list] = mapped_column(JSONB, default=list)
    bytes_restored: Mapped[int | None] = mapped_column(BigInteger)
    rto_seconds: Mapped[float | None] = mapped_column(Float)
    message: Mapped[str | None] = mapped_column(Text)


OPERATION_KINDS = ("backup", "drill")
OPERATION_STATES = ("running", "succeeded", "failed", "interrupted")


class BackupOperation(Base):
    """A backup or drill while it runs — started from the console's button or ``kholuutru up``'s schedule.

    ``BackupRun`` and ``RestoreDrill`` are written only when a run ends; this row exists from its start so that every
    console (not only the process doing the work) can show its step and progress. ``result`` is the run's JSON, as
    the CLI prints it. A process killed mid-run leaves its row ``running``; the next run of that kind marks it
    ``interrupted``, and readers tell a live run from a dead one by the advisory lock its runner holds.
    """

    __tablename__ = "backup_operations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20), default="running")
    step: Mapped[str | None] = mapped_column(Text)
    progress: Mapped[int] = mapped_column(SmallInteger, default=0)
    requested_by: Mapped[str] = mapped_column(String(128))
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    message: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict | None] = mapped_column(JSONB)
