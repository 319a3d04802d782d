"""The tables of the archive as SQLAlchemy 2 models (no Flask: the console maps the same tables for its own use).

Unit-owned tables carry ``unit_id`` and a row-level security policy (created in the migrations). The ``ab_*`` account
tables have Flask-AppBuilder's layout, because the console logs people in through it; the archive maps the columns it
needs to know who a person is and which unit they belong to.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    Sequence,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

UNIT_LEVELS = ("province", "department", "district", "commune", "public_service")


class Base(DeclarativeBase):
    """Declarative base of the archive's own tables."""


class Unit(Base):
    """An agency (cơ quan, tổ chức) with its electronic identifier code (QĐ 20/2020/QĐ-TTg) and its parent."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(13), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    parent: Mapped[Unit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Unit]] = relationship(back_populates="parent", order_by="Unit.code")

    def __repr__(self) -> str:
        return f"{self.code} {self.name}"


class Fonds(Base):
    """A fonds (phông lưu trữ) of a unit, with the fields of TT 02/2019 Phụ lục I."""

    __tablename__ = "fonds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    code: Mapped[str] = mapped_column(String(13), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    history: Mapped[str | None] = mapped_column(Text)
    time_span: Mapped[str | None] = mapped_column(String(30))
    paper_total: Mapped[int | None] = mapped_column(BigInteger)
    paper_digitised: Mapped[int | None] = mapped_column(BigInteger)
    key_groups: Mapped[str | None] = mapped_column(String(300))
    other_types: Mapped[str | None] = mapped_column(String(300))
    language: Mapped[str | None] = mapped_column(String(100))
    lookup_tools: Mapped[str | None] = mapped_column(String(50))
    copy_pages: Mapped[int | None] = mapped_column(BigInteger)
    is_open: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str | None] = mapped_column(String(1000))

    unit: Mapped[Unit] = relationship()


class PlatformState(Base):
    """The single row of platform state: suspension (regulation Đ10, invariant 4)."""

    __tablename__ = "platform_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, default=1)
    suspended: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str | None] = mapped_column(Text)
    since: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    changed_by: Mapped[str | None] = mapped_column(String(128))
    # The security incident the suspension came from (incident_models.Incident; the table is defined there).
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="RESTRICT"))


class AuditEvent(Base):
    """One event of the tamper-evident audit chain (invariant 2). Rows are never updated or deleted."""

    __tablename__ = "audit_events"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    occurred_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str] = mapped_column(String(128))
    unit_id: Mapped[int | None] = mapped_column(Integer, index=True)
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[str | None] = mapped_column(String(64))
    before_digest: Mapped[str | None] = mapped_column(String(64))
    after_digest: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict] = mapped_column(JSONB, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHead(Base):
    """The end of the chain: locked by each append so that events form one line, whatever the row-level view."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, default=1)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    hash: Mapped[str] = mapped_column(String(64))


account_roles = Table(
    "ab_user_role",
    Base.metadata,
    Column("id", Integer, Sequence("ab_user_role_id_seq"), primary_key=True),
    Column("user_id", Integer, ForeignKey("ab_user.id", ondelete="CASCADE")),
    Column("role_id", Integer, ForeignKey("ab_role.id", ondelete="CASCADE")),
    UniqueConstraint("user_id", "role_id"),
)


class Role(Base):
    """A role of DOMAIN.md, stored under its code as a console (Flask-AppBuilder) role."""

    __tablename__ = "ab_role"

    id: Mapped[int] = mapped_column(Integer, Sequence("ab_role_id_seq"), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)


class Account(Base):
    """A staff account: the console's user row, extended with the unit it belongs to and the position held."""

    __tablename__ = "ab_user"

    id: Mapped[int] = mapped_column(Integer, Sequence("ab_user_id_seq"), primary_key=True)
    first_name: Mapped[str] = mapped_column(String(64))
    last_name: Mapped[str] = mapped_column(String(64))
    username: Mapped[str] = mapped_column(String(128), unique=True)
    password: Mapped[str | None] = mapped_column(String(256))
    active: Mapped[bool | None] = mapped_column(Boolean, default=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    created_on: Mapped[dt.datetime | None] = mapped_column(DateTime, default=dt.datetime.now)
    changed_on: Mapped[dt.datetime | None] = mapped_column(DateTime, default=dt.datetime.now)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"))
    position: Mapped[str | None] = mapped_column(String(200))

    roles: Mapped[list[Role]] = relationship(secondary=account_roles)
    unit: Mapped[Unit | None] = relationship()
