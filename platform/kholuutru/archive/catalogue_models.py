"""Catalogue tables: the annual dossier list (danh mục hồ sơ, NĐ 30/2020 PL V) and where paper lives (kho, kệ, hộp).

Every row carries ``unit_id`` so that row-level security isolates units without joins.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, SmallInteger, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .models import Base


class DossierList(Base):
    """A unit's annual dossier list, approved at the start of the year (Điều 28 NĐ 30/2020)."""

    __tablename__ = "dossier_lists"
    __table_args__ = (UniqueConstraint("unit_id", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    year: Mapped[int] = mapped_column(SmallInteger)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    approved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    approved_by_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    headings: Mapped[list[ListHeading]] = relationship(back_populates="dossier_list", order_by="ListHeading.position")
    entries: Mapped[list[ListEntry]] = relationship(back_populates="dossier_list", order_by="ListEntry.position")


class ListHeading(Base):
    """A heading of the list: Roman numerals for large headings, Arabic for sub-headings, with its abbreviation."""

    __tablename__ = "list_headings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("dossier_lists.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("list_headings.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(10))
    abbreviation: Mapped[str | None] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(500))
    position: Mapped[int] = mapped_column(Integer)

    dossier_list: Mapped[DossierList] = relationship(back_populates="headings")


class ListEntry(Base):
    """One planned dossier of the list: number and symbol, title, retention, who forms it."""

    __tablename__ = "list_entries"
    __table_args__ = (UniqueConstraint("list_id", "number_symbol"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("dossier_lists.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    heading_id: Mapped[int | None] = mapped_column(ForeignKey("list_headings.id", ondelete="SET NULL"))
    number_symbol: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(1000))
    retention_permanent: Mapped[bool] = mapped_column(Boolean, default=False)
    retention_years: Mapped[int | None] = mapped_column(SmallInteger)
    responsible_unit: Mapped[str | None] = mapped_column(String(200))
    responsible_person: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(String(500))
    position: Mapped[int] = mapped_column(Integer)

    dossier_list: Mapped[DossierList] = relationship(back_populates="entries")
    heading: Mapped[ListHeading | None] = relationship()


class Warehouse(Base):
    """A records store room (kho lưu trữ) of a unit."""

    __tablename__ = "warehouses"
    __table_args__ = (UniqueConstraint("unit_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(300))


class Shelf(Base):
    """A shelf (kệ, giá) in a warehouse."""

    __tablename__ = "shelves"
    __table_args__ = (UniqueConstraint("warehouse_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id", ondelete="RESTRICT"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str | None] = mapped_column(String(200))

    warehouse: Mapped[Warehouse] = relationship()


class Box(Base):
    """A box (hộp) on a shelf, holding at most ``capacity`` dossiers' paper originals."""

    __tablename__ = "boxes"
    __table_args__ = (UniqueConstraint("shelf_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    shelf_id: Mapped[int] = mapped_column(ForeignKey("shelves.id", ondelete="RESTRICT"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    capacity: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(String(500))

    shelf: Mapped[Shelf] = relationship()
