"""Background jobs and digitisation records (scans turned into searchable PDF/A).

Jobs live in PostgreSQL (ARCHITECTURE §3: no extra broker): a worker claims a queued row with ``FOR UPDATE SKIP
LOCKED`` and reports progress in the row, which the console polls. A digitisation keeps what was checked (the
technical findings), what came out (the PDF/A version and its OCR text, indexed for full-text search) and who asked.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Integer, SmallInteger, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base

JOB_STATES = ("queued", "running", "succeeded", "failed")


class Job(Base):
    """One unit of background work of a unit, with its progress (0–100) and a message people can read."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(50))
    payload: Mapped[dict] = mapped_column(JSONB)
    state: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    progress: Mapped[int] = mapped_column(SmallInteger, default=0)
    message: Mapped[str | None] = mapped_column(Text)
    requested_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    """When the worker running the job last reported; a lease older than ``job_lease_seconds`` is taken over."""
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    """How many workers have claimed the job: one that keeps killing its worker is failed after a few."""


class Digitisation(Base):
    """A scan of a document checked against the technical standard and OCR'd into a PDF/A version."""

    __tablename__ = "digitisations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="RESTRICT"), index=True)
    source_file_id: Mapped[int] = mapped_column(ForeignKey("document_files.id", ondelete="RESTRICT"))
    result_file_id: Mapped[int | None] = mapped_column(ForeignKey("document_files.id", ondelete="RESTRICT"))
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id", ondelete="RESTRICT"))
    state: Mapped[str] = mapped_column(String(20), default="queued")
    findings: Mapped[list] = mapped_column(JSONB, default=list)
    page_count: Mapped[int | None] = mapped_column(Integer)
    ocr_text: Mapped[str | None] = mapped_column(Text)
    requested_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
