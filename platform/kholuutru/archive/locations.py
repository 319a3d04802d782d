"""Where paper originals are kept: warehouses (kho) → shelves (kệ, giá) → boxes (hộp), all of one unit.

A digitised dossier keeps its paper original, and whoever reads the copy or checks it must be able to find the paper:
``box_label`` gives the shelf mark people write on the box. A box has a capacity so the system refuses what would
overfill it, instead of the record saying one thing and the shelf another.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, contains_eager

from . import audit, validation
from .access import Actor, require
from .catalogue_models import Box, Shelf, Warehouse
from .dossier_models import Dossier
from .errors import Conflict, InvalidInput, NotFound
from .models import Unit
from .suspension import ensure_writable
from .validation import Label

BOX = Label("box_id", "Hộp", "Box")
CAPACITY = Label("capacity", "Sức chứa (số hồ sơ)", "Capacity (dossiers)")


def _text(key: str, vi: str, en: str, length: int, *, required: bool = False) -> Callable[[Any], Any]:
    label = Label(key, vi, en)
    return lambda value: validation.text(label, value, max_length=length, required=required)


@dataclass(frozen=True)
class _Kind:
    """What differs between warehouses, shelves and boxes: the table, names, fields and the parent of codes."""

    model: type[Warehouse] | type[Shelf] | type[Box]
    object_type: str
    vi: str
    en: str
    fields: dict[str, Callable[[Any], Any]]
    parent: str  # codes are unique among the rows sharing this column's value


WAREHOUSE = _Kind(Warehouse, "warehouse", "kho", "warehouse", {
    "code": _text("code", "Mã kho", "Warehouse code", 20, required=True),
    "name": _text("name", "Tên kho", "Warehouse name", 200, required=True),
    "address": _text("address", "Địa chỉ", "Address", 300),
}, parent="unit_id")
SHELF = _Kind(Shelf, "shelf", "kệ", "shelf", {
    "code": _text("code", "Mã kệ", "Shelf code", 20, required=True),
    "name": _text("name", "Tên kệ", "Shelf name", 200),
}, parent="warehouse_id")
BOX_KIND = _Kind(Box, "box", "hộp", "box", {
    "code": _text("code", "Mã hộp", "Box code", 20, required=True),
    "capacity": lambda value: validation.integer(CAPACITY, value, minimum=1, required=True),
    "note": _text("note", "Ghi chú", "Note", 500),
}, parent="shelf_id")


@dataclass(frozen=True)
class BoxOccupancy:
    """How full a box is."""

    box_id: int
    label: str
    capacity: int
    used: int

    @property
    def free(self) -> int:
        return max(self.capacity - self.used, 0)


def create_warehouse(session: Session, actor: Actor, unit_id: int, **values: Any) -> Warehouse:
    """Add a records store room to the unit."""
    require(actor, "store.manage", unit_id)
    ensure_writable(session)
    clean = _validated(WAREHOUSE, values)
    if session.get(Unit, unit_id) is None:
        raise NotFound(f"Không có đơn vị số {unit_id}.", f"There is no unit {unit_id}.", field="unit_id")
    return _insert(session, actor, WAREHOUSE, Warehouse(unit_id=unit_id, **clean))


def create_shelf(session: Session, actor: Actor, warehouse_id: int, **values: Any) -> Shelf:
    """Add a shelf to a warehouse; it belongs to the warehouse's unit."""
    warehouse = _get(session, actor, WAREHOUSE, warehouse_id)
    require(actor, "store.manage", warehouse.unit_id)
    ensure_writable(session)
    clean = _validated(SHELF, values)
    shelf = Shelf(unit_id=warehouse.unit_id, warehouse_id=warehouse.id, warehouse=warehouse, **clean)
    return _insert(session, actor, SHELF, shelf)


def create_box(session: Session, actor: Actor, shelf_id: int, **values: Any) -> Box:
    """Add a box to a shelf, with how many dossiers it holds."""
    shelf = _get(session, actor, SHELF, shelf_id)
    require(actor, "store.manage", shelf.unit_id)
    ensure_writable(session)
    clean = _validated(BOX_KIND, values)
    return _insert(session, actor, BOX_KIND, Box(unit_id=shelf.unit_id, shelf_id=shelf.id, shelf=shelf, **clean))


def update_warehouse(session: Session, actor: Actor, warehouse_id: int, **changes: Any) -> Warehouse:
    """Change a warehouse's code, name or address."""
    return _update(session, actor, WAREHOUSE, warehouse_id, changes)


def update_shelf(session: Session, actor: Actor, shelf_id: int, **changes: Any) -> Shelf:
    """Change a shelf's code or name."""
    return _update(session, actor, SHELF, shelf_id, changes)


def update_box(session: Session, actor: Actor, box_id: int, **changes: Any) -> Box:
    """Change a box's code, capacity or note; the capacity never below what the box already holds."""
    return _update(session, actor, BOX_KIND, box_id, changes)


def place_dossier(session: Session, actor: Actor, dossier_id: int, box_id: Any) -> Dossier:
    """Record that the dossier's paper original is in ``box_id`` (None: taken out of its box).

    Allowed in any dossier state: where the paper sits is not part of the sealed metadata.
    """
    dossier = session.scalar(select(Dossier).where(Dossier.id == dossier_id).with_for_update())
    if dossier is None:
        raise NotFound(f"Không có hồ sơ số {dossier_id}.", f"There is no dossier {dossier_id}.", field="dossier_id")
    require(actor, "dossier.place", dossier.unit_id)
    ensure_writable(session)
    target = validation.integer(BOX, box_id, minimum=1)
    if target is not None:
        box = session.scalar(select(Box).where(Box.id == target).with_for_update())
        if box is None or box.unit_id != dossier.unit_id:
            raise InvalidInput("Hộp không thuộc đơn vị của hồ sơ.", "The box is not one of the dossier's unit.",
                               field=BOX.key)
        if dossier.box_id != box.id and _used(session, box.id) >= box.capacity:
            raise Conflict(f"Hộp {box_label(box)} đã đầy ({box.capacity} hồ sơ).",
                           f"Box {box_label(box)} is full ({box.capacity} dossiers).", field=BOX.key)
    if dossier.box_id == target:
        return dossier
    before = {"id": dossier.id, "box_id": dossier.box_id}
    dossier.box_id = target
    session.flush()
    audit.record(session, actor, "dossier.place", object_type="dossier", object_id=dossier.id,
                 unit_id=dossier.unit_id, before=before, after={"id": dossier.id, "box_id": target})
    return dossier


def unit_warehouses(session: Session, actor: Actor, unit_id: int) -> list[Warehouse]:
    """The unit's warehouses by code."""
    if not actor.sees_unit(unit_id):
        return []
    return list(session.scalars(select(Warehouse).where(Warehouse.unit_id == unit_id).order_by(Warehouse.code)))


def warehouse_shelves(session: Session, actor: Actor, warehouse_id: int) -> list[Shelf]:
    """A warehouse's shelves by code."""
    warehouse = _get(session, actor, WAREHOUSE, warehouse_id)
    return list(session.scalars(select(Shelf).where(Shelf.warehouse_id == warehouse.id,
                                                    Shelf.unit_id == warehouse.unit_id).order_by(Shelf.code)))


def occupancy(session: Session, actor: Actor, unit_id: int) -> list[BoxOccupancy]:
    """Every box of the unit with its label, capacity and the dossiers in it, in shelf-mark order (one query)."""
    if not actor.sees_unit(unit_id):
        return []
    rows = session.execute(
        select(Box, func.count(Dossier.id))
        .join(Box.shelf).join(Shelf.warehouse)
        .outerjoin(Dossier, Dossier.box_id == Box.id)
        .options(contains_eager(Box.shelf).contains_eager(Shelf.warehouse))
        .where(Box.unit_id == unit_id)
        .group_by(Box.id, Shelf.id, Warehouse.id)
        .order_by(Warehouse.code, Shelf.code, Box.code)
    ).all()
    return [BoxOccupancy(box.id, box_label(box), box.capacity, used) for box, used in rows]


def box_contents(session: Session, actor: Actor, box_id: int) -> list[Dossier]:
    """The dossiers whose paper originals are in the box, by code."""
    box = _get(session, actor, BOX_KIND, box_id)
    return list(session.scalars(select(Dossier).where(Dossier.box_id == box.id, Dossier.unit_id == box.unit_id)
                                .order_by(Dossier.code)))


def get_box(session: Session, actor: Actor, box_id: int) -> Box:
    """One box, if the actor may see its unit."""
    return _get(session, actor, BOX_KIND, box_id)


def box_label(box: Box) -> str:
    """The shelf mark written on the box, e.g. ``Kho K1 / Kệ 03 / Hộp 12``."""
    return f"Kho {box.shelf.warehouse.code} / Kệ {box.shelf.code} / Hộp {box.code}"



def _get(session: Session, actor: Actor, kind: _Kind, object_id: int, *, lock: bool = False) -> Any:
    query = select(kind.model).where(kind.model.id == object_id)
    row = session.scalar(query.with_for_update() if lock else query)
    if row is None or not actor.sees_unit(row.unit_id):
        raise NotFound(f"Không có {kind.vi} số {object_id}.", f"There is no {kind.en} {object_id}.", field="id")
    return row


def _validated(kind: _Kind, values: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(values) - set(kind.fields))
    if unknown:
        raise InvalidInput(f"Không có trường '{unknown[0]}'.", f"There is no field '{unknown[0]}'.",
                           field=unknown[0])
    return {key: clean(values.get(key)) for key, clean in kind.fields.items()}


def _refuse_taken_code(session: Session, kind: _Kind, parent_value: int, code: str, own_id: int | None) -> None:
    """Codes are unique beside each other (a unit's warehouses, a warehouse's shelves, a shelf's boxes)."""
    model = kind.model
    clash = session.scalar(select(model.id).where(getattr(model, kind.parent) == parent_value, model.code == code,
                                                  model.id != (own_id or -1)))
    if clash is not None:
        raise Conflict(f"Mã {kind.vi} {code} đã được dùng.", f"The {kind.en} code {code} is already in use.",
                       field="code")


def _insert(session: Session, actor: Actor, kind: _Kind, row: Any) -> Any:
    _refuse_taken_code(session, kind, getattr(row, kind.parent), row.code, None)
    session.add(row)
    session.flush()
    audit.record(session, actor, f"{kind.object_type}.create", object_type=kind.object_type, object_id=row.id,
                 unit_id=row.unit_id, after=_state(kind, row))
    return row


def _update(session: Session, actor: Actor, kind: _Kind, object_id: int, changes: dict[str, Any]) -> Any:
    row = _get(session, actor, kind, object_id, lock=True)
    require(actor, "store.manage", row.unit_id)
    ensure_writable(session)
    before = _state(kind, row)
    clean = _validated(kind, {**{key: before[key] for key in kind.fields}, **changes})
    if kind is BOX_KIND and clean["capacity"] < (used := _used(session, row.id)):
        raise Conflict(f"Hộp đang chứa {used} hồ sơ, sức chứa không thể nhỏ hơn.",
                       f"The box holds {used} dossiers; its capacity cannot be smaller.", field=CAPACITY.key)
    if all(before[key] == value for key, value in clean.items()):
        return row
    _refuse_taken_code(session, kind, getattr(row, kind.parent), clean["code"], row.id)
    for key, value in clean.items():
        setattr(row, key, value)
    session.flush()
    audit.record(session, actor, f"{kind.object_type}.update", object_type=kind.object_type, object_id=row.id,
                 unit_id=row.unit_id, before=before, after=_state(kind, row))
    return row


def _used(session: Session, box_id: int) -> int:
    return session.scalar(select(func.count(Dossier.id)).where(Dossier.box_id == box_id)) or 0


def _state(kind: _Kind, row: Any) -> dict[str, Any]:
    return {"id": row.id, "unit_id": row.unit_id, kind.parent: getattr(row, kind.parent),
            **{key: getattr(row, key) for key in kind.fields}}
