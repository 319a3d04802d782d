"""Validation records of the digital signatures in stored PDF files (regulation Đ15.5).

One row per signature found in a file version, written when the platform signs a file and when a PDF is uploaded or
re-checked; a file without any signature gets one row with status ``unsigned``. The rows are the evidence the submit
policy and the indicators (share of documents with personal and organisation signatures) read, so they keep the
signer, the signing time and when the check was made, never the bytes themselves (those stay in the object store).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base

SIGNATURE_KINDS = ("personal", "organisation", "other", "none")
SIGNATURE_STATUSES = ("valid", "invalid", "untrusted", "revoked", "modified", "unsigned")


class SignatureValidation(Base):
    """The outcome of validating one signature (or the absence of any) of one stored file version."""

    __tablename__ = "signature_validations"


    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_file_id: Mapped[int] = mapped_column(ForeignKey("document_files.id", ondelete="RESTRICT"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    field_name: Mapped[str | None] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    signer: Mapped[str | None] = mapped_column(String(300))
    signing_time: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    timestamped: Mapped[bool] = mapped_column(default=False)
    message: Mapped[str | None] = mapped_column(Text)
    checked_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
