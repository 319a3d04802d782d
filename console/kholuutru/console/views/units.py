"""Units pages (Đơn vị): the province's agencies with their electronic identifiers, for the system admin to edit.

Everyone may list and show units; only the system admin (FAB's admin role) may add, edit or delete, and each of
those goes through ``kholuutru.archive.units`` (``ServiceInterface``), which checks rights and suspension again and
writes the audit event.
"""

from __future__ import annotations

from typing import Any

from flask_appbuilder import ModelView
from flask_appbuilder.fieldwidgets import Select2Widget
from flask_babel import lazy_gettext
from wtforms import SelectField
from wtforms.validators import DataRequired

from kholuutru.archive import units as unit_services
from kholuutru.archive.models import Unit

from ..i18n import level_choices, level_label
from ..interface import ServiceInterface, Services, last_refusal
from ..permissions import UNITS_VIEW

UNIT_SERVICES = Services(
    create=unit_services.create_unit,
    update=unit_services.update_unit,
    delete=unit_services.delete_unit,
)


class UnitInterface(ServiceInterface):
    """FAB's data interface for units, writing through the archive's unit services."""

    services = UNIT_SERVICES
    fields = ("code", "name", "level")
    relation_keys = {"parent": "parent_id"}


def unit_interface() -> UnitInterface:
    """A fresh interface over ``Unit`` (one per view class, as FAB expects)."""
    return UnitInterface(Unit)


UNIT_LABELS = {
    "id": lazy_gettext("Id"),
    "code": lazy_gettext("Identifier code"),
    "name": lazy_gettext("Name"),
    "level": lazy_gettext("Level"),
    "parent": lazy_gettext("Parent unit"),
    "parent_id": lazy_gettext("Parent unit"),
    "children": lazy_gettext("Subordinate units"),
    "created_at": lazy_gettext("Created at"),
}

UNIT_DESCRIPTIONS = {
    "code": lazy_gettext("Electronic identifier V1V2V3.Z1Z2.Y1Y2.MX1X2 (QĐ 20/2020/QĐ-TTg), e.g. 000.00.00.H47"),
}


def _level_field() -> SelectField:
    return SelectField(
        lazy_gettext("Level"),
        choices=level_choices(),
        validators=[DataRequired()],
        widget=Select2Widget(),
    )


def _parent_label(parent: Unit | None) -> str:
    return "" if parent is None else parent.name


class UnitModelView(ModelView):
    """List, show, add, edit and delete units."""

    datamodel = unit_interface()
    class_permission_name = UNITS_VIEW
    route_base = "/units"

    list_title = lazy_gettext("Units")
    show_title = lazy_gettext("Unit")
    add_title = lazy_gettext("Add unit")
    edit_title = lazy_gettext("Edit unit")

    list_columns = ["code", "name", "level", "parent"]
    show_columns = ["code", "name", "level", "parent", "created_at"]
    add_columns = ["code", "name", "level", "parent"]
    edit_columns = ["code", "name", "level", "parent"]
    search_columns = ["code", "name", "level"]
    order_columns = ["code", "name", "level"]
    base_order = ("code", "asc")
    label_columns = UNIT_LABELS
    description_columns = UNIT_DESCRIPTIONS
    formatters_columns = {"level": level_label, "parent": _parent_label}
    add_form_extra_fields = {"level": _level_field()}
    edit_form_extra_fields = {"level": _level_field()}

    @property
    def database_error_message(self) -> Any:  # type: ignore[override]
        """FAB flashes this when an edit fails: show the archive's own refusal instead of a generic error."""
        refusal = last_refusal()
        return str(refusal) if refusal is not None else lazy_gettext("Database Error")
