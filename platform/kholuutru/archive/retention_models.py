"""The retention schedule (TT 10/2022 groups), destruction batches with the steps of their workflow, and tombstones.

A tombstone is what remains of a destroyed dossier forever: its metadata, the decision that destroyed it and the key,
SHA-256 and size of every object deleted, so the archive can always prove what it held and on whose decision it was
destroyed. The table refuses UPDATE and DELETE (trigger in the migration).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, SmallInteger, String, Text, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .dossier_models import Dossier
from .models import Base

BATCH_STATES = ("proposed", "appraised", "approved", "rejected", "destroyed")
OPEN_BATCH_STATES = ("proposed", "appraised", "approved")


class RetentionGroup(Base):
    """One line of the retention schedule: a group of records and its period (permanent or N years)."""

    __tablename__ = "retention_groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    group_name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(500))
    permanent: Mapped[bool] = mapped_column(Boolean, default=False)
    years: Mapped[int | None] = mapped_column(SmallInteger)
    legal_basis: Mapped[str] = mapped_column(String(100))


class DestructionBatch(Base):
    """A proposal to destroy expired dossiers of one unit, carried through appraisal, decision and destruction."""

    __tablename__ = "destruction_batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    state: Mapped[str] = mapped_column(String(20), default="proposed")
    note: Mapped[str] = mapped_column(Text)
    proposed_by: Mapped[str] = mapped_column(String(128))
    proposed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    council_members: Mapped[str | None] = mapped_column(Text)
    council_minutes_number: Mapped[str | None] = mapped_column(String(50))
    council_date: Mapped[dt.date | None] = mapped_column(Date)
    council_opinion: Mapped[str | None] = mapped_column(Text)
    decision_number: Mapped[str | None] = mapped_column(String(50))
    decision_date: Mapped[dt.date | None] = mapped_column(Date)
    decided_by: Mapped[str | None] = mapped_column(String(128))
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    destruction_minutes_number: Mapped[str | None] = mapped_column(String(50))
    destroyed_by: Mapped[str | None] = mapped_column(String(128))
    destroyed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    items: Mapped[list[DestructionItem]] = relationship(back_populates="batch", order_by="DestructionItem.id")


class DestructionItem(Base):
    """A dossier listed in a destruction batch."""

    __tablename__ = "destruction_items"
    __table_args__ = (UniqueConstraint("batch_id", "dossier_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("destruction_batches.id", ondelete="RESTRICT"))
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="RESTRICT"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)

    batch: Mapped[DestructionBatch] = relationship(back_populates="items")
    dossier: Mapped[Dossier] = relationship()


class Tombstone(Base):
    """The permanent trace of a destroyed dossier (never updated or deleted)."""

    __tablename__ = "destruction_tombstones"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="RESTRICT"), unique=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("destruction_batches.id", ondelete="RESTRICT"))
    dossier_code: Mapped[str] = mapped_column(String(30))
    dossier_metadata: Mapped[dict] = mapped_column("metadata", JSONB)
    objects: Mapped[list] = mapped_column(JSONB)
    decision_number: Mapped[str] = mapped_column(String(50))
    decision_date: Mapped[dt.date] = mapped_column(Date)
    destruction_minutes_number: Mapped[str] = mapped_column(String(50))
    destroyed_by: Mapped[str] = mapped_column(String(128))
    destroyed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
