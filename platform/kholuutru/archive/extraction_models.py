"""Extraction (bóc tách) of procedure results: templates per procedure, extracted values, and result codes.

A unit admin describes, per administrative procedure, which fields of its result paper to extract and how to find
each in the OCR text (regulation Đ16.2). Running a template on a digitised document proposes values; staff confirm or
correct them, and the confirmed values are kept as structured data (JSONB, searchable and exportable) together with
the digitisation result code issued for them. Result-code numbers come from one counter per code prefix.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Integer, String, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base


class ExtractionTemplate(Base):
    """Which fields to extract from the result of one procedure in one unit, and how to find each."""

    __tablename__ = "extraction_templates"
    __table_args__ = (UniqueConstraint("unit_id", "procedure_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    procedure_code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    fields: Mapped[list] = mapped_column(JSONB)
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Extraction(Base):
    """Values extracted from one document with one template: proposed by the machine, confirmed by staff."""

    __tablename__ = "extractions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="RESTRICT"), index=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("extraction_templates.id", ondelete="RESTRICT"), index=True)
    digitisation_id: Mapped[int | None] = mapped_column(ForeignKey("digitisations.id", ondelete="RESTRICT"))
    state: Mapped[str] = mapped_column(String(20), default="proposed")
    proposed: Mapped[dict] = mapped_column(JSONB)
    values: Mapped[dict | None] = mapped_column(JSONB)
    result_code: Mapped[str | None] = mapped_column(String(30), unique=True)
    proposed_by: Mapped[str] = mapped_column(String(128))
    confirmed_by: Mapped[str | None] = mapped_column(String(128))
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ResultCodeCounter(Base):
    """The last number issued under one result-code prefix (e.g. ``KQ.H47.``); never goes back."""

    __tablename__ = "result_code_counters"

    prefix: Mapped[str] = mapped_column(String(30), primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)
