"""Fonds (phông lưu trữ) of a unit, with the fields of TT 02/2019 Phụ lục I (the import and legacy profile).

The unit administrator keeps them. A fonds may be renamed or re-coded (units are merged and renamed, as Quảng Nam
was into Đà Nẵng): dossiers store the fonds code as it was when their code was issued, so nothing issued changes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import audit, validation
from .access import Actor, require
from .errors import Conflict, InvalidInput, NotFound
from .models import Fonds, Unit
from .suspension import ensure_writable
from .validation import Label

# Part of archival dossier codes ``<fonds code>.<year>.<number and symbol>``: no dots or spaces inside.
CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]*$")
# TT 02/2019 gives the number fields 10 digits.
MAX_COUNT = 10**10 - 1
UNIQUE_CODE = "fonds_code_key"
# The fonds history is LongText in TT 02/2019; this bound only keeps a pasted file out of a form field.
MAX_HISTORY = 100_000

CODE_LABEL = Label("code", "Mã phông", "Fonds code")
OPEN_LABEL = Label("is_open", "Tình trạng phông (mở/đóng)", "Fonds open or closed")


def _text(key: str, vi: str, en: str, length: int, *, required: bool = False) -> Callable[[Any], Any]:
    label = Label(key, vi, en)
    return lambda value: validation.text(label, value, max_length=length, required=required)


def _count(key: str, vi: str, en: str) -> Callable[[Any], Any]:
    label = Label(key, vi, en)
    return lambda value: validation.integer(label, value, maximum=MAX_COUNT)


def clean_code(value: Any) -> str:
    """A fonds code: at most 13 capitals, digits, hyphens or underscores."""
    code = (validation.text(CODE_LABEL, value, max_length=13, required=True) or "").upper()
    if not CODE.match(code):
        raise InvalidInput(f"Trường '{CODE_LABEL.vi}' chỉ gồm chữ in hoa không dấu, chữ số, '-' và '_'.",
                           f"'{CODE_LABEL.en}' may hold only capitals A-Z, digits, '-' and '_'.", field=CODE_LABEL.key)
    return code


def clean_open(value: Any) -> bool:
    """Whether the fonds is still open (the unit still produces records) or closed."""
    if not isinstance(value, bool):
        raise InvalidInput(f"Trường '{OPEN_LABEL.vi}' phải là có hoặc không.", f"'{OPEN_LABEL.en}' must be true or "
                           "false.", field=OPEN_LABEL.key)
    return value


FIELDS: dict[str, Callable[[Any], Any]] = {
    "code": clean_code,
    "name": _text("name", "Tên phông", "Fonds name", 200, required=True),
    "history": _text("history", "Lịch sử đơn vị hình thành phông", "History of the creating unit", MAX_HISTORY),
    "time_span": _text("time_span", "Thời gian tài liệu", "Time span of the records", 30),
    "paper_total": _count("paper_total", "Tổng số tài liệu giấy", "Total paper records"),
    "paper_digitised": _count("paper_digitised", "Số lượng tài liệu giấy đã số hóa", "Paper records digitised"),
    "key_groups": _text("key_groups", "Các nhóm tài liệu chủ yếu", "Main groups of records", 300),
    "other_types": _text("other_types", "Các loại hình tài liệu khác", "Other types of records", 300),
    "language": _text("language", "Ngôn ngữ", "Language", 100),
    "lookup_tools": _text("lookup_tools", "Công cụ tra cứu", "Finding aids", 50),
    "copy_pages": _count("copy_pages", "Số lượng trang tài liệu đã lập bản sao bảo hiểm",
                         "Pages with a security copy"),
    "is_open": clean_open,
    "note": _text("note", "Ghi chú", "Note", 1000),
}


def create_fonds(session: Session, actor: Actor, unit_id: int, **values: Any) -> Fonds:
    """Add a fonds to the unit; fields not given are empty (an open fonds unless ``is_open=False``)."""
    require(actor, "fonds.manage", unit_id)
    ensure_writable(session)
    clean = _validated({"is_open": True, **values})
    if session.get(Unit, unit_id) is None:
        raise NotFound(f"Không có đơn vị số {unit_id}.", f"There is no unit {unit_id}.", field="unit_id")
    fonds = Fonds(unit_id=unit_id, **clean)
    session.add(fonds)
    _flush_unique_code(session, fonds.code)
    audit.record(session, actor, "fonds.create", object_type="fonds", object_id=fonds.id, unit_id=unit_id,
                 after=fonds_state(fonds))
    return fonds


def update_fonds(session: Session, actor: Actor, fonds_id: int, **changes: Any) -> Fonds:
    """Change any field, the code and name included; the unit a fonds belongs to never changes."""
    fonds = session.scalar(select(Fonds).where(Fonds.id == fonds_id).with_for_update())
    if fonds is None:
        raise NotFound(f"Không có phông số {fonds_id}.", f"There is no fonds {fonds_id}.", field="id")
    require(actor, "fonds.manage", fonds.unit_id)
    ensure_writable(session)
    before = fonds_state(fonds)
    clean = _validated({**{key: before[key] for key in FIELDS}, **changes})
    if all(before[key] == value for key, value in clean.items()):
        return fonds
    for key, value in clean.items():
        setattr(fonds, key, value)
    _flush_unique_code(session, fonds.code)
    audit.record(session, actor, "fonds.update", object_type="fonds", object_id=fonds.id, unit_id=fonds.unit_id,
                 before=before, after=fonds_state(fonds))
    return fonds


def unit_fonds(session: Session, actor: Actor, unit_id: int) -> list[Fonds]:
    """The unit's fonds by code."""
    if not actor.sees_unit(unit_id):
        return []
    return list(session.scalars(select(Fonds).where(Fonds.unit_id == unit_id).order_by(Fonds.code)))


def get_fonds(session: Session, actor: Actor, fonds_id: int) -> Fonds:
    """One fonds, if the actor may see its unit."""
    fonds = session.get(Fonds, fonds_id)
    if fonds is None or not actor.sees_unit(fonds.unit_id):
        raise NotFound(f"Không có phông số {fonds_id}.", f"There is no fonds {fonds_id}.", field="id")
    return fonds


def fonds_state(fonds: Fonds) -> dict[str, Any]:
    return {"id": fonds.id, "unit_id": fonds.unit_id, **{key: getattr(fonds, key) for key in FIELDS}}


def _validated(values: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(values) - set(FIELDS))
    if unknown:
        raise InvalidInput(f"Phông không có trường '{unknown[0]}'.", f"A fonds has no field '{unknown[0]}'.",
                           field=unknown[0])
    return {key: clean(values.get(key)) for key, clean in FIELDS.items()}


def _flush_unique_code(session: Session, code: str) -> None:
    """Write, turning a clash on the province-wide unique code into a Conflict.

    Row-level security hides other units' fonds, so a clash can only be seen by the database's unique index.
    """
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as error:
        if getattr(getattr(error.orig, "diag", None), "constraint_name", None) != UNIQUE_CODE:
            raise
        raise Conflict(f"Mã phông {code} đã được dùng.", f"The fonds code {code} is already in use.",
                       field=CODE_LABEL.key) from error
