"""``/api/v1/procedures/``: the administrative procedure catalogue synchronised from LGSP, read by every role.

The catalogue is province-wide reference data written only by ``kholuutru sync procedures``, so the resource only
reads (list with search and paging, show one) through ``kholuutru.archive.procedures``.
"""

from __future__ import annotations

from flask import Response, request
from flask_appbuilder.api import expose, safe
from flask_appbuilder.security.decorators import permission_name, protect
from marshmallow import Schema, fields
from marshmallow_sqlalchemy import SQLAlchemyAutoSchema

from kholuutru.archive import procedures, sync_models, validation
from kholuutru.archive.validation import Label

from . import schemas
from .inputs import page_arguments
from .responses import READ, ServiceApi, archive_session, refusals_as_json, reply

PROCEDURES_API = "ProceduresApi"
"""FAB permission name of this API (``can_read``); distinct from every page's and menu's name."""
SEARCH = Label("q", "Từ khóa tìm kiếm", "Search text")


class Procedure(SQLAlchemyAutoSchema):
    """An administrative procedure: national code (e.g. 1.005129), name, field, agency, components, results (code,
    name), legal basis, and its identifier at LGSP."""

    class Meta:
        model = sync_models.Procedure
        exclude = ("payload_digest",)


class ProcedurePage(Schema):
    """One page of the catalogue, by procedure code."""

    count = fields.Integer(metadata={"description": "Procedures matching the search, all pages together."})
    page = fields.Integer()
    page_size = fields.Integer()
    result = fields.List(fields.Nested(Procedure))


class ProceduresApi(ServiceApi):
    """The procedure catalogue as a REST resource (ARCHITECTURE §4: ``resource_name = "procedures"``)."""

    resource_name = "procedures"
    class_permission_name = PROCEDURES_API
    openapi_spec_tag = "Procedures"
    openapi_spec_component_schemas = (*ServiceApi.openapi_spec_component_schemas, Procedure, ProcedurePage)

    @expose("/", methods=["GET"])
    @protect()
    @safe
    @permission_name(READ)
    @refusals_as_json
    def get_list(self) -> Response:
        """The catalogue by procedure code, filtered and paged.
        ---
        get:
          summary: List the administrative procedures
          parameters:
          - {in: query, name: q, schema: {type: string}, description: Part of the code, name or field}
          - {in: query, name: page, schema: {type: integer, minimum: 1, default: 1}}
          - {in: query, name: page_size, schema: {type: integer, minimum: 1, maximum: 100, default: 20}}
          responses:
            200:
              description: One page and the total count
              content: {application/json: {schema: {$ref: '#/components/schemas/ProcedurePage'}}}
            401: {$ref: '#/components/responses/401'}
            422: {$ref: '#/components/responses/Refused'}
        """
        search = validation.text(SEARCH, request.args.get("q"), max_length=200)
        page, size = page_arguments()
        with archive_session() as (session, actor):
            rows, total = procedures.list_procedures(session, actor, search=search, limit=size,
                                                     offset=(page - 1) * size)
            result = [schemas.dump(Procedure, row) for row in rows]
        return reply(200, {"count": total, "page": page, "page_size": size, "result": result})

    @expose("/<int:pk>", methods=["GET"])
    @protect()
    @safe
    @permission_name(READ)
    @refusals_as_json
    def get(self, pk: int) -> Response:
        """One procedure of the catalogue.
        ---
        get:
          summary: Show an administrative procedure
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          responses:
            200:
              description: The procedure
              content: {application/json: {schema: {$ref: '#/components/schemas/Procedure'}}}
            401: {$ref: '#/components/responses/401'}
            404: {$ref: '#/components/responses/Refused'}
        """
        with archive_session() as (session, actor):
            answer = schemas.dump(Procedure, procedures.get_procedure(session, actor, pk))
        return reply(200, answer)
