"""Why an account cannot sign in (regulation Đ11.3–4): each lock or retirement with the request that asked for it.

An account is locked (or retired) only on a written request of its unit: the row keeps the reason, the requesting
document's number and date and who asked, beside who locked it and when; lifting a lock fills the ``lifted_*``
columns instead of deleting the row, so the history stays. The row carries the account's unit (row-level security:
a unit admin sees the locks of their own unit only).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .models import Account, Base

LOCK_KINDS = ("lock", "retire")


class AccountLock(Base):
    """One lock or retirement of an account; open while ``lifted_at`` is empty (a retirement is never lifted)."""

    __tablename__ = "account_locks"
    __table_args__ = (
        CheckConstraint("kind IN ('lock', 'retire')", name="account_locks_kind"),
        CheckConstraint("kind = 'lock' OR lifted_at IS NULL", name="account_locks_retirement_final"),
        Index("account_locks_one_open", "account_id", unique=True, postgresql_where=text("lifted_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id", ondelete="RESTRICT"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(Text)
    document_number: Mapped[str] = mapped_column(String(50))
    document_date: Mapped[dt.date] = mapped_column(Date)
    requested_by: Mapped[str] = mapped_column(String(200))
    locked_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    locked_by: Mapped[str] = mapped_column(String(128))
    lifted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    lifted_by: Mapped[str | None] = mapped_column(String(128))
    lift_reason: Mapped[str | None] = mapped_column(Text)

    account: Mapped[Account] = relationship()
