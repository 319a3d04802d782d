"""Dossiers (hồ sơ), their documents (văn bản, tài liệu) and the stored files of each document.

Columns follow DOMAIN.md § metadata with the lengths of the standards; which fields are mandatory, and the vocabulary
of the coded ones, belong to the metadata profile (``metadata_profiles``), because TT 02/2019 and TT 05/2025 differ.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .models import Base

DOSSIER_STATES = ("draft", "submitted", "approved", "archived", "destroyed")



def _joined(*columns: str) -> str:
    """Columns joined by spaces in SQL (concat_ws is only STABLE; a generated column needs IMMUTABLE)."""
    return " || ' ' || ".join(f"coalesce({column}, '')" for column in columns)


# The folded codes (trigram-indexed for partial codes) and the generated full-text column of migration 0006:
# folded title (weight A), codes and people (B), the documents' text, OCR and extraction values (C), the unit.
CODES_SQL = _joined("code", "office_code", "procedure_dossier_code")
SEARCH_VECTOR_SQL = (
    "setweight(to_tsvector('simple'::regconfig, kholuutru_fold(title)), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, kholuutru_fold("
    + _joined("code", "office_code", "number_symbol", "procedure_code", "procedure_dossier_code", "applicant",
              "creator", "keywords")
    + ")), 'B') || "
    "setweight(to_tsvector('simple'::regconfig, kholuutru_fold(coalesce(search_content, ''))), 'C') || "
    "to_tsvector('simple'::regconfig, 'unit' || unit_id)"
)
# The vector's last word, "unit<id>", once narrowed a unit's search in the GIN index; the index of unit-prefixed words
# (migration 0014) does that now. It stays: changing a stored generated column rewrites every dossier.


class Dossier(Base):
    """A dossier of a unit, from the annual list entry it was formed under to its archived, sealed state."""

    __tablename__ = "dossiers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    fonds_id: Mapped[int | None] = mapped_column(ForeignKey("fonds.id", ondelete="RESTRICT"))
    list_entry_id: Mapped[int | None] = mapped_column(ForeignKey("list_entries.id", ondelete="RESTRICT"))
    box_id: Mapped[int | None] = mapped_column(ForeignKey("boxes.id", ondelete="RESTRICT"), index=True)
    profile: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20), default="draft", index=True)

    # Codes: issued once, kept as issued even if the unit or fonds is later renamed or re-coded.
    code: Mapped[str] = mapped_column(String(30), unique=True)
    office_code: Mapped[str] = mapped_column(String(40), unique=True)
    unit_identifier: Mapped[str] = mapped_column(String(13))
    fonds_code: Mapped[str | None] = mapped_column(String(13))
    year: Mapped[int] = mapped_column(SmallInteger)
    number_symbol: Mapped[str] = mapped_column(String(20))

    title: Mapped[str] = mapped_column(String(1000))
    retention_permanent: Mapped[bool] = mapped_column(Boolean, default=False)
    retention_years: Mapped[int | None] = mapped_column(SmallInteger)
    access_level: Mapped[str | None] = mapped_column(String(30))
    creator: Mapped[str | None] = mapped_column(String(100))
    language: Mapped[str | None] = mapped_column(String(50))
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    document_count: Mapped[int | None] = mapped_column(Integer)
    page_count: Mapped[int | None] = mapped_column(Integer)
    sheet_count: Mapped[int | None] = mapped_column(Integer)
    information_symbol: Mapped[str | None] = mapped_column(String(30))
    keywords: Mapped[str | None] = mapped_column(String(100))
    physical_state: Mapped[str | None] = mapped_column(String(50))
    reliability: Mapped[str | None] = mapped_column(String(20))
    paper_original_code: Mapped[str | None] = mapped_column(String(30))
    backup_copy_status: Mapped[str | None] = mapped_column(String(30))
    note: Mapped[str | None] = mapped_column(String(2000))

    # Administrative-procedure (TTHC) dossiers.
    procedure_code: Mapped[str | None] = mapped_column(String(20))
    procedure_dossier_code: Mapped[str | None] = mapped_column(String(40), unique=True)
    applicant: Mapped[str | None] = mapped_column(String(200))
    received_on: Mapped[dt.date | None] = mapped_column(Date)
    returned_on: Mapped[dt.date | None] = mapped_column(Date)

    created_by_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    approved_by_id: Mapped[int | None] = mapped_column(Integer)
    approved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    archived_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    return_reason: Mapped[str | None] = mapped_column(Text)
    # A legal hold (investigation, litigation) keeps the dossier out of every destruction batch until cleared.
    legal_hold: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    legal_hold_reason: Mapped[str | None] = mapped_column(Text)
    legal_hold_by: Mapped[str | None] = mapped_column(String(128))
    legal_hold_since: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    # Search (migration 0006): the documents' text kept by triggers (or the bulk path). The generated tsvector
    # ``search_vector`` is not mapped (the console's schema builders know no tsvector); search.py names it.
    search_content: Mapped[str | None] = mapped_column(Text, deferred=True)

    documents: Mapped[list[Document]] = relationship(back_populates="dossier", order_by="Document.order_in_dossier")


class IssuedCode(Base):
    """Every dossier code ever issued, never deleted: a code is never given to a second dossier."""

    __tablename__ = "issued_codes"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    dossier_id: Mapped[int | None] = mapped_column(Integer)
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class DossierCorrection(Base):
    """A correction of an archived dossier: the only change allowed after sealing, with its reason and its diff."""

    __tablename__ = "dossier_corrections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="RESTRICT"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    corrected_by_id: Mapped[int | None] = mapped_column(Integer)
    corrected_by: Mapped[str] = mapped_column(String(128))
    corrected_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    reason: Mapped[str] = mapped_column(Text)
    changes: Mapped[dict] = mapped_column(JSONB)


class Document(Base):
    """A document of a dossier, with the metadata of TT 02/2019 / TT 05/2025."""

    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("dossier_id", "order_in_dossier"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="RESTRICT"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    identifier: Mapped[str] = mapped_column(String(25), unique=True)
    order_in_dossier: Mapped[int] = mapped_column(SmallInteger)
    type_name: Mapped[str | None] = mapped_column(String(100))
    number: Mapped[str | None] = mapped_column(String(11))
    symbol: Mapped[str | None] = mapped_column(String(30))
    issued_on: Mapped[dt.date | None] = mapped_column(Date)
    issuing_organisation: Mapped[str | None] = mapped_column(String(200))
    summary: Mapped[str | None] = mapped_column(String(500))
    language: Mapped[str | None] = mapped_column(String(50))
    page_count: Mapped[int | None] = mapped_column(SmallInteger)
    signer_name: Mapped[str | None] = mapped_column(String(50))
    signer_position: Mapped[str | None] = mapped_column(String(100))
    information_symbol: Mapped[str | None] = mapped_column(String(30))
    keywords: Mapped[str | None] = mapped_column(String(100))
    usage_mode: Mapped[str | None] = mapped_column(String(30))
    reliability: Mapped[str | None] = mapped_column(String(30))
    annotations: Mapped[str | None] = mapped_column(String(2000))
    physical_state: Mapped[str | None] = mapped_column(String(50))
    note: Mapped[str | None] = mapped_column(String(500))
    created_by_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    dossier: Mapped[Dossier] = relationship(back_populates="documents")
    files: Mapped[list[DocumentFile]] = relationship(back_populates="document", order_by="DocumentFile.version")


class DocumentFile(Base):
    """One stored version of a document's file (invariant 3): content-addressed, never overwritten."""

    __tablename__ = "document_files"
    __table_args__ = (UniqueConstraint("document_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="RESTRICT"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    version: Mapped[int] = mapped_column(SmallInteger)
    object_key: Mapped[str] = mapped_column(String(100), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(100))
    file_name: Mapped[str] = mapped_column(String(255))
    uploaded_by_id: Mapped[int | None] = mapped_column(Integer)
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    document: Mapped[Document] = relationship(back_populates="files")


class SearchTerm(Base):
    """A folded word found in some dossier (migration 0006): what a mistyped word of a query is corrected to."""

    __tablename__ = "search_terms"

    term: Mapped[str] = mapped_column(String(40), primary_key=True)
