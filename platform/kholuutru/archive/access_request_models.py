"""Access requests (khai thác): a person outside the owning unit asks to consult an archived dossier for a purpose and
a period; the unit head approves (with an end of validity) or refuses; each view and download is recorded.

Rows belong to the dossier's unit (its head decides) and are also visible to the requester; an approved request that
has not expired opens its dossier for reading through the row-level security policies of migration 0007.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .dossier_models import Dossier
from .models import Base

REQUEST_STATES = ("pending", "approved", "refused")


class AccessRequest(Base):
    """One request to consult one archived dossier."""

    __tablename__ = "access_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="RESTRICT"), index=True)
    # Copied when asked: the requester cannot read the dossier row itself until the request is approved.
    dossier_code: Mapped[str] = mapped_column(String(30))
    dossier_title: Mapped[str] = mapped_column(String(1000))
    requester_id: Mapped[int | None] = mapped_column(Integer)
    requester_username: Mapped[str] = mapped_column(String(128), index=True)
    requester_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"))
    purpose: Mapped[str] = mapped_column(String(1000))
    wanted_from: Mapped[dt.date] = mapped_column(Date)
    wanted_until: Mapped[dt.date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(20), default="pending")
    requested_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    decided_by: Mapped[str | None] = mapped_column(String(128))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    refusal_reason: Mapped[str | None] = mapped_column(Text)
    valid_from: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    valid_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    dossier: Mapped[Dossier] = relationship()

    def valid_at(self, moment: dt.datetime) -> bool:
        """Whether the request grants reading at ``moment`` (approved, and inside its validity)."""
        return (self.state == "approved" and self.valid_from is not None and self.valid_until is not None
                and self.valid_from <= moment < self.valid_until)


class AccessEvent(Base):
    """One view of a granted dossier, or one (watermarked) download of one of its files."""

    __tablename__ = "access_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("access_requests.id", ondelete="RESTRICT"), index=True)
    requester_username: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(20))
    document_file_id: Mapped[int | None] = mapped_column(Integer)
    occurred_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
