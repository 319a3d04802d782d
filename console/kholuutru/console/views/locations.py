"""Records store pages (Kho lưu trữ): a unit's warehouses → shelves → boxes with how full each box is, the forms
that add each, and one box with the dossiers whose paper originals it holds.

Everything is the archive's (``locations``): the occupancy, the shelf mark on the box, who may manage the store.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from flask import flash, redirect, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from kholuutru.archive import locations
from kholuutru.archive.access import Actor, may
from kholuutru.archive.catalogue_models import Box, Shelf, Warehouse
from kholuutru.archive.errors import ArchiveError, NotFound
from kholuutru.archive.models import Unit

from .dossiers import state_name
from .forms import FormState, UnitChoice, chosen_unit, form_values, transaction

PERMISSION = "RecordsStoreView"
MENU = "RecordsStore"

WAREHOUSE_KEYS = ("code", "name", "address")
SHELF_KEYS = ("code", "name")
BOX_KEYS = ("code", "capacity", "note")


@dataclass
class ShelfRow:
    """A shelf with the occupancy of each of its boxes."""

    shelf: Shelf
    boxes: list[locations.BoxOccupancy] = field(default_factory=list)


@dataclass
class WarehouseRow:
    """A warehouse with its shelves."""

    warehouse: Warehouse
    shelves: list[ShelfRow] = field(default_factory=list)


def store_tree(session: Session, actor: Actor, unit_id: int) -> list[WarehouseRow]:
    """The unit's warehouses, each with its shelves, each with its boxes and their occupancy, in shelf-mark order."""
    boxes = locations.occupancy(session, actor, unit_id)
    # ``BoxOccupancy`` does not name the box's shelf; one read of those boxes' shelf ids places them.
    shelf_of = dict(session.execute(select(Box.id, Box.shelf_id).where(Box.id.in_([b.box_id for b in boxes]))).all())
    boxes_by_shelf: dict[int, list[locations.BoxOccupancy]] = defaultdict(list)
    for box in boxes:
        boxes_by_shelf[shelf_of[box.box_id]].append(box)
    return [
        WarehouseRow(warehouse, [ShelfRow(shelf, boxes_by_shelf[shelf.id])
                                 for shelf in locations.warehouse_shelves(session, actor, warehouse.id)])
        for warehouse in locations.unit_warehouses(session, actor, unit_id)
    ]


def back_to(unit: UnitChoice) -> Response:
    """The store page of the unit just changed (province-wide users chose it)."""
    return redirect(url_for(".index", unit=unit.unit_id if unit.choices else None))


class RecordsStoreView(BaseView):
    """Warehouses, shelves and boxes of a unit."""

    route_base = "/store"
    class_permission_name = PERMISSION
    default_view = "index"

    @expose("/")
    @has_access
    @permission_name("read")
    def index(self) -> tuple[str, int]:
        """The records store of the user's unit (or, for province-wide roles, of the unit they choose)."""
        return self.store_page({})

    def store_page(self, forms: dict[str, FormState], status: int = 200) -> tuple[str, int]:
        """The store of the chosen unit, with ``forms`` (``warehouse``, ``shelf-<id>``, ``box-<id>``) re-shown."""
        with transaction() as (session, actor):
            unit = chosen_unit(session, actor)
            page = self.render_template(
                "kholuutru/store.html", unit=unit, unit_name=session.get(Unit, unit.unit_id).name,
                tree=store_tree(session, actor, unit.unit_id),
                may_manage=may(actor, "store.manage", unit.unit_id), forms=forms, empty_form=FormState(),
            )
            return page, status

    @expose("/warehouses", methods=["POST"])
    @has_access
    @permission_name("write")
    def add_warehouse(self) -> Response | tuple[str, int]:
        """A store room of the chosen unit."""
        values = form_values(WAREHOUSE_KEYS)
        try:
            with transaction() as (session, actor):
                unit = chosen_unit(session, actor)
                locations.create_warehouse(session, actor, unit.unit_id, **values)
        except NotFound:
            raise  # no such unit, warehouse or shelf (or another unit's): the not-found page, not a form
        except ArchiveError as error:
            return self.store_page({"warehouse": FormState.after(error, values, WAREHOUSE_KEYS)}, error.http_status)
        flash(gettext("Warehouse %(code)s was added.", code=values["code"].strip()), "success")
        return back_to(unit)

    @expose("/warehouses/<int:warehouse_id>/shelves", methods=["POST"])
    @has_access
    @permission_name("write")
    def add_shelf(self, warehouse_id: int) -> Response | tuple[str, int]:
        """A shelf in a warehouse (it belongs to the warehouse's unit)."""
        values = form_values(SHELF_KEYS)
        try:
            with transaction() as (session, actor):
                unit = chosen_unit(session, actor)
                locations.create_shelf(session, actor, warehouse_id, **values)
        except NotFound:
            raise  # no such unit, warehouse or shelf (or another unit's): the not-found page, not a form
        except ArchiveError as error:
            return self.store_page({f"shelf-{warehouse_id}": FormState.after(error, values, SHELF_KEYS)},
                                   error.http_status)
        flash(gettext("Shelf %(code)s was added.", code=values["code"].strip()), "success")
        return back_to(unit)

    @expose("/shelves/<int:shelf_id>/boxes", methods=["POST"])
    @has_access
    @permission_name("write")
    def add_box(self, shelf_id: int) -> Response | tuple[str, int]:
        """A box on a shelf, with how many dossiers it holds."""
        values = form_values(BOX_KEYS)
        try:
            with transaction() as (session, actor):
                unit = chosen_unit(session, actor)
                locations.create_box(session, actor, shelf_id, **values)
        except NotFound:
            raise  # no such unit, warehouse or shelf (or another unit's): the not-found page, not a form
        except ArchiveError as error:
            return self.store_page({f"box-{shelf_id}": FormState.after(error, values, BOX_KEYS)}, error.http_status)
        flash(gettext("Box %(code)s was added.", code=values["code"].strip()), "success")
        return back_to(unit)

    @expose("/boxes/<int:box_id>")
    @has_access
    @permission_name("read")
    def box(self, box_id: int) -> str:
        """One box: its shelf mark, capacity and the dossiers whose paper originals it holds."""
        with transaction() as (session, actor):
            box = locations.get_box(session, actor, box_id)
            return self.render_template(
                "kholuutru/box.html", box=box, label=locations.box_label(box),
                dossiers=locations.box_contents(session, actor, box_id), state_name=state_name,
            )
