"""Units (agencies) and their tree: province → departments / district UBND → commune UBND and public service units.

Only the system administrator changes units. Each change checks suspension, validates the identifier code and the
place in the tree, and writes one audit event in the same transaction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import audit
from .access import Actor, require
from .errors import Conflict, InvalidInput, NotFound
from .models import UNIT_LEVELS, Account, Fonds, Unit
from .suspension import ensure_writable

# V1V2V3.Z1Z2.Y1Y2.MX1X2 (QĐ 20/2020/QĐ-TTg, QCVN 102:2016), e.g. 000.00.00.H47
UNIT_CODE = re.compile(r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$")
LEVEL_NAMES = {
    "province": ("Tỉnh", "Province"),
    "department": ("Sở, ban, ngành", "Department"),
    "district": ("UBND cấp huyện", "District"),
    "commune": ("UBND cấp xã", "Commune"),
    "public_service": ("Đơn vị sự nghiệp", "Public service unit"),
}
# Which level a unit's parent must have (None: no parent).
ALLOWED_PARENTS: dict[str, tuple[str | None, ...]] = {
    "province": (None,),
    "department": ("province",),
    "district": ("province",),
    "commune": ("district",),
    "public_service": ("province", "department", "district"),
}
EDITABLE = ("code", "name", "level", "parent_id")


@dataclass
class UnitNode:
    """A unit with its children, for the home page tree."""

    id: int
    code: str
    name: str
    level: str
    children: list[UnitNode] = field(default_factory=list)


def unit_tree(session: Session) -> list[UnitNode]:
    """All units as a forest ordered by code (one query)."""
    units = session.scalars(select(Unit).order_by(Unit.code)).all()
    nodes = {unit.id: UnitNode(unit.id, unit.code, unit.name, unit.level) for unit in units}
    roots: list[UnitNode] = []
    for unit in units:
        parent = nodes.get(unit.parent_id) if unit.parent_id is not None else None
        (parent.children if parent else roots).append(nodes[unit.id])
    return roots


def create_unit(
    session: Session, actor: Actor, *, code: str, name: str, level: str, parent_id: int | None = None
) -> Unit:
    """Add a unit under ``parent_id``."""
    _authorise(session, actor)
    values = _validated(session, {"code": code, "name": name, "level": level, "parent_id": parent_id})
    unit = Unit(**values)
    session.add(unit)
    session.flush()
    audit.record(
        session, actor, "unit.create", object_type="unit", object_id=unit.id, unit_id=unit.id, after=_state(unit)
    )
    return unit


def update_unit(session: Session, actor: Actor, unit_id: int, **changes: Any) -> Unit:
    """Rename, re-code or move a unit. Codes already used in issued dossier codes stay in those codes."""
    _authorise(session, actor)
    unit = _get(session, unit_id)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        field_name = sorted(unknown)[0]
        raise InvalidInput(f"Không sửa được trường '{field_name}'.", f"Field '{field_name}' cannot be changed.",
                           field=field_name)
    before = _state(unit)
    merged = {**before, **changes}
    merged.pop("id")
    values = _validated(session, merged, unit_id=unit.id)
    if values["parent_id"] is not None and _is_descendant(session, values["parent_id"], unit.id):
        raise InvalidInput("Đơn vị cấp trên không thể là chính nó hoặc đơn vị cấp dưới của nó.",
                           "A unit cannot be placed under itself or one of its own sub-units.", field="parent_id")
    for key, value in values.items():
        setattr(unit, key, value)
    session.flush()
    audit.record(session, actor, "unit.update", object_type="unit", object_id=unit.id, unit_id=unit.id,
                 before=before, after=_state(unit))
    return unit


def delete_unit(session: Session, actor: Actor, unit_id: int) -> None:
    """Remove a unit that nothing depends on (no sub-units, accounts or fonds)."""
    _authorise(session, actor)
    unit = _get(session, unit_id)
    for model, column, what_vi, what_en in (
        (Unit, Unit.parent_id, "đơn vị trực thuộc", "sub-units"),
        (Account, Account.unit_id, "tài khoản", "accounts"),
        (Fonds, Fonds.unit_id, "phông lưu trữ", "fonds"),
    ):
        if session.scalar(select(model.id).where(column == unit.id).limit(1)) is not None:
            raise Conflict(f"Không xóa được đơn vị {unit.code}: còn {what_vi}.",
                           f"Unit {unit.code} cannot be deleted: it still has {what_en}.", field="id")
    before = _state(unit)
    session.delete(unit)
    session.flush()
    audit.record(session, actor, "unit.delete", object_type="unit", object_id=unit_id, unit_id=unit_id,
                 before=before)


def _authorise(session: Session, actor: Actor) -> None:
    require(actor, "units.manage")
    ensure_writable(session)


def _get(session: Session, unit_id: int) -> Unit:
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound(f"Không có đơn vị số {unit_id}.", f"There is no unit {unit_id}.", field="id")
    return unit


def _validated(session: Session, values: dict[str, Any], unit_id: int | None = None) -> dict[str, Any]:
    code = (values.get("code") or "").strip().upper()
    name = (values.get("name") or "").strip()
    level = values.get("level")
    parent_id = values.get("parent_id")
    if not UNIT_CODE.match(code):
        raise InvalidInput(
            "Mã định danh đơn vị phải có dạng 000.00.00.H47 (QĐ 20/2020/QĐ-TTg).",
            "The unit identifier must look like 000.00.00.H47 (Decision 20/2020/QĐ-TTg).", field="code")
    if not name or len(name) > 200:
        raise InvalidInput("Tên đơn vị là bắt buộc và dài tối đa 200 ký tự.",
                           "The unit name is required and at most 200 characters.", field="name")
    if level not in UNIT_LEVELS:
        raise InvalidInput("Cấp đơn vị không hợp lệ.", f"Unknown unit level; use one of {', '.join(UNIT_LEVELS)}.",
                           field="level")
    parent = session.get(Unit, int(parent_id)) if parent_id not in (None, "") else None
    if parent_id not in (None, "") and parent is None:
        raise InvalidInput("Đơn vị cấp trên không tồn tại.", "The parent unit does not exist.", field="parent_id")
    if (parent.level if parent else None) not in ALLOWED_PARENTS[level]:
        allowed_vi = ", ".join(LEVEL_NAMES[p][0] if p else "không đơn vị nào" for p in ALLOWED_PARENTS[level])
        allowed_en = ", ".join(str(p) if p else "no parent" for p in ALLOWED_PARENTS[level])
        raise InvalidInput(f"{LEVEL_NAMES[level][0]} phải trực thuộc: {allowed_vi}.",
                           f"A {level} unit must sit under: {allowed_en}.", field="parent_id")
    clash = session.scalar(select(Unit.id).where(Unit.code == code, Unit.id != (unit_id or -1)))
    if clash is not None:
        raise Conflict(f"Mã định danh {code} đã được dùng.", f"The identifier {code} is already in use.",
                       field="code")
    return {"code": code, "name": name, "level": level, "parent_id": parent.id if parent else None}


def _is_descendant(session: Session, candidate_id: int, ancestor_id: int) -> bool:
    current: int | None = candidate_id
    while current is not None:
        if current == ancestor_id:
            return True
        current = session.scalar(select(Unit.parent_id).where(Unit.id == current))
    return False


def _state(unit: Unit) -> dict[str, Any]:
    return {"id": unit.id, "code": unit.code, "name": unit.name, "level": unit.level, "parent_id": unit.parent_id}
