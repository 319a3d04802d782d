"""``/api/v1/dossier-lists/``: the annual dossier lists (NĐ 30/2020 PL V) of the caller's units.

Drawn up by the unit administrator (headings, entries, or a whole Excel workbook at once) and approved by the unit
head, through ``kholuutru.archive.dossier_lists`` and ``dossier_list_xlsx``. An import that fails answers 422 with
every problem of the workbook under ``errors`` (sheet, row, column letter, message), and creates nothing.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from flask import Response, request, send_file
from flask_appbuilder.api import expose, safe
from flask_appbuilder.security.decorators import permission_name, protect

from kholuutru.archive import dossier_list_xlsx, dossier_lists
from kholuutru.archive.catalogue_models import DossierList

from ..context import console_context
from . import bodies, schemas
from .inputs import json_object, unit_of, uploaded_file
from .responses import READ, WRITE, ServiceApi, archive_session, refusals_as_json, reply

DOSSIER_LISTS_API = "DossierListsApi"
"""FAB permission name of this API (``can_read``, ``can_write``)."""

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def list_detail(dossier_list: DossierList) -> dict[str, Any]:
    """The list with its headings and entries in printed order, and the footer totals."""
    permanent, fixed_term = dossier_lists.retention_totals(dossier_list)
    outline = schemas.OutlineNode(many=True).dump(dossier_lists.outline(dossier_list))
    return schemas.dump(schemas.DossierListDetail, dossier_list, outline=outline,
                        totals={"permanent": permanent, "fixed_term": fixed_term})


class DossierListsApi(ServiceApi):
    """Annual dossier lists as a REST resource (ARCHITECTURE §4: ``resource_name = "dossier-lists"``)."""

    resource_name = "dossier-lists"
    class_permission_name = DOSSIER_LISTS_API
    openapi_spec_tag = "Dossier lists"
    openapi_spec_component_schemas = (
        *ServiceApi.openapi_spec_component_schemas,
        schemas.DossierList, schemas.DossierListDetail, schemas.ListHeading, schemas.ListEntry,
        bodies.NewDossierList, bodies.NewHeading, bodies.NewEntry,
    )
    responses = {
        **ServiceApi.responses,
        "ListDetail": {
            "description": "The list with its headings and entries in printed order",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/DossierListDetail"}}},
        },
    }

    @expose("/", methods=["GET"])
    @protect()
    @safe
    @permission_name(READ)
    @refusals_as_json
    def get_list(self) -> Response:
        """A unit's lists, latest year first (empty for a unit the caller may not see).
        ---
        get:
          summary: List a unit's annual dossier lists
          parameters:
          - {in: query, name: unit_id, schema: {type: integer}, description: "Default: the caller's unit"}
          responses:
            200:
              description: The unit's lists
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      unit_id: {type: integer}
                      result: {type: array, items: {$ref: '#/components/schemas/DossierList'}}
            401: {$ref: '#/components/responses/401'}
            422: {$ref: '#/components/responses/Refused'}
        """
        with archive_session() as (session, actor):
            unit_id = unit_of(actor, request.args.get("unit_id"))
            rows = dossier_lists.unit_lists(session, actor, unit_id)
            result = [schemas.dump(schemas.DossierList, row) for row in rows]
        return reply(200, {"unit_id": unit_id, "result": result})

    @expose("/<int:pk>", methods=["GET"])
    @protect()
    @safe
    @permission_name(READ)
    @refusals_as_json
    def get(self, pk: int) -> Response:
        """One list with its headings and entries.
        ---
        get:
          summary: Show a list with its headings and entries
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          responses:
            200: {$ref: '#/components/responses/ListDetail'}
            401: {$ref: '#/components/responses/401'}
            404: {$ref: '#/components/responses/Refused'}
        """
        with archive_session() as (session, actor):
            answer = list_detail(dossier_lists.get_list(session, actor, pk))
        return reply(200, answer)

    @expose("/", methods=["POST"])
    @protect()
    @safe
    @permission_name(WRITE)
    @refusals_as_json
    def post(self) -> Response:
        """Draw up a unit's empty list for a year (one per unit and year).
        ---
        post:
          summary: Create a draft list (administrator of the unit)
          requestBody:
            required: true
            content: {application/json: {schema: {$ref: '#/components/schemas/NewDossierList'}}}
          responses:
            201: {$ref: '#/components/responses/ListDetail'}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/Refused'}
            409: {$ref: '#/components/responses/Refused'}
            422: {$ref: '#/components/responses/Refused'}
            503: {$ref: '#/components/responses/Refused'}
        """
        body = json_object()
        with archive_session() as (session, actor):
            created = dossier_lists.create_list(session, actor, unit_of(actor, body.get("unit_id")), body.get("year"))
            answer = list_detail(created)
        return reply(201, answer)

    @expose("/<int:pk>/headings", methods=["POST"])
    @protect()
    @safe
    @permission_name(WRITE)
    @refusals_as_json
    def post_heading(self, pk: int) -> Response:
        """Add a large heading (I, II…) or, with ``parent_id``, a sub-heading (1, 2…) to a draft list.
        ---
        post:
          summary: Add a heading to a draft list (administrator of the unit)
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          requestBody:
            required: true
            content: {application/json: {schema: {$ref: '#/components/schemas/NewHeading'}}}
          responses:
            201:
              description: The heading
              content: {application/json: {schema: {$ref: '#/components/schemas/ListHeading'}}}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/Refused'}
            404: {$ref: '#/components/responses/Refused'}
            409: {$ref: '#/components/responses/Refused'}
            422: {$ref: '#/components/responses/Refused'}
            503: {$ref: '#/components/responses/Refused'}
        """
        body = json_object()
        with archive_session() as (session, actor):
            heading = dossier_lists.add_heading(session, actor, pk, title=body.get("title"),
                                                abbreviation=body.get("abbreviation"),
                                                parent_id=body.get("parent_id"), label=body.get("label"))
            answer = schemas.dump(schemas.ListHeading, heading)
        return reply(201, answer)

    @expose("/<int:pk>/entries", methods=["POST"])
    @protect()
    @safe
    @permission_name(WRITE)
    @refusals_as_json
    def post_entry(self, pk: int) -> Response:
        """Add a planned dossier under a heading of a draft list; its number and symbol are generated.
        ---
        post:
          summary: Add an entry to a draft list (administrator of the unit)
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          requestBody:
            required: true
            content: {application/json: {schema: {$ref: '#/components/schemas/NewEntry'}}}
          responses:
            201:
              description: The entry with its number and symbol
              content: {application/json: {schema: {$ref: '#/components/schemas/ListEntry'}}}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/Refused'}
            404: {$ref: '#/components/responses/Refused'}
            409: {$ref: '#/components/responses/Refused'}
            422: {$ref: '#/components/responses/Refused'}
            503: {$ref: '#/components/responses/Refused'}
        """
        body = json_object()
        with archive_session() as (session, actor):
            entry = dossier_lists.add_entry(
                session, actor, pk, heading_id=body.get("heading_id"), title=body.get("title"),
                retention=body.get("retention"), responsible_person=body.get("responsible_person"),
                responsible_unit=body.get("responsible_unit"), note=body.get("note"))
            answer = schemas.dump(schemas.ListEntry, entry)
        return reply(201, answer)

    @expose("/<int:pk>/approve", methods=["POST"])
    @protect()
    @safe
    @permission_name(WRITE)
    @refusals_as_json
    def approve(self, pk: int) -> Response:
        """Approve a draft list: read-only from then on, and dossiers may be formed under its entries.
        ---
        post:
          summary: Approve a draft list (head of the unit)
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          responses:
            200: {$ref: '#/components/responses/ListDetail'}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/Refused'}
            404: {$ref: '#/components/responses/Refused'}
            409: {$ref: '#/components/responses/Refused'}
            503: {$ref: '#/components/responses/Refused'}
        """
        with archive_session() as (session, actor):
            answer = list_detail(dossier_lists.approve_list(session, actor, pk))
        return reply(200, answer)

    @expose("/<int:pk>/export", methods=["GET"])
    @protect()
    @safe
    @permission_name(READ)
    @refusals_as_json
    def export(self, pk: int) -> Response:
        """The list as an Excel workbook in the layout of NĐ 30/2020 Phụ lục V.
        ---
        get:
          summary: Export a list as .xlsx
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          responses:
            200:
              description: The workbook, as an attachment
              content:
                application/vnd.openxmlformats-officedocument.spreadsheetml.sheet:
                  schema: {type: string, format: binary}
            401: {$ref: '#/components/responses/401'}
            404: {$ref: '#/components/responses/Refused'}
        """
        with archive_session() as (session, actor):
            year = dossier_lists.get_list(session, actor, pk).year
            workbook = dossier_list_xlsx.export_list(session, actor, pk)
        return send_file(BytesIO(workbook), mimetype=XLSX, as_attachment=True,
                         download_name=f"danh-muc-ho-so-{year}.xlsx")

    @expose("/import", methods=["POST"])
    @protect()
    @safe
    @permission_name(WRITE)
    @refusals_as_json
    def import_workbook(self) -> Response:
        """Create a unit's list for a year from a PL V workbook: all of it, or nothing and every problem named.
        ---
        post:
          summary: Import a list from .xlsx (administrator of the unit)
          requestBody:
            required: true
            content:
              multipart/form-data:
                schema:
                  type: object
                  required: [file, year]
                  properties:
                    file: {type: string, format: binary}
                    year: {type: integer}
                    unit_id: {type: integer, description: "Default: the caller's unit"}
          responses:
            201: {$ref: '#/components/responses/ListDetail'}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/Refused'}
            409: {$ref: '#/components/responses/Refused'}
            413: {$ref: '#/components/responses/Refused'}
            422:
              description: The workbook has problems (each under `errors`) or another field is wrong; nothing created
              content: {application/json: {schema: {$ref: '#/components/schemas/Refusal'}}}
            503: {$ref: '#/components/responses/Refused'}
        """
        upload = uploaded_file(console_context().settings.max_upload_bytes)
        with archive_session() as (session, actor):
            created = dossier_list_xlsx.import_list(session, actor, unit_of(actor, request.form.get("unit_id")),
                                                    request.form.get("year"), upload.stream)
            answer = list_detail(created)
        return reply(201, answer)
