"""``/api/v1/units/``: read by every role, written by the system admin through ``kholuutru.archive.units``.

FAB's ``@safe`` decorator turns any exception into a 500, so the write endpoints catch the archive's refusal
(``ServiceRefusal``) themselves and answer ``{"message": …}`` with its status (403, 404, 409, 422, 503…).
"""

from __future__ import annotations

from typing import Any

from flask import Response
from flask_appbuilder import ModelRestApi

from ..errors import ServiceRefusal
from ..permissions import UNITS_API
from ..views.units import UNIT_LABELS, unit_interface


class UnitsApi(ModelRestApi):
    """Units as a REST resource (ARCHITECTURE §4: ``resource_name = "units"``)."""

    resource_name = "units"
    datamodel = unit_interface()
    class_permission_name = UNITS_API
    allow_browser_login = True

    list_columns = ["id", "code", "name", "level", "parent_id", "created_at"]
    show_columns = ["id", "code", "name", "level", "parent_id", "created_at"]
    add_columns = ["code", "name", "level", "parent_id"]
    edit_columns = ["code", "name", "level", "parent_id"]
    search_columns = ["code", "name", "level", "parent_id"]
    order_columns = ["code", "name", "level", "id"]
    label_columns = UNIT_LABELS

    def _refused(self, refusal: ServiceRefusal) -> Response:
        return self.response(refusal.http_status, **refusal.body())

    def post_headless(self) -> Response:
        try:
            return super().post_headless()
        except ServiceRefusal as refusal:
            return self._refused(refusal)

    def put_headless(self, pk: Any) -> Response:
        try:
            return super().put_headless(pk)
        except ServiceRefusal as refusal:
            return self._refused(refusal)

    def delete_headless(self, pk: Any) -> Response:
        try:
            return super().delete_headless(pk)
        except ServiceRefusal as refusal:
            return self._refused(refusal)
