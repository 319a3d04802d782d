"""``/api/v1/fonds/``: the fonds (phông lưu trữ) of the caller's units, through ``kholuutru.archive.fonds``."""

from __future__ import annotations

from flask import Response, request
from flask_appbuilder.api import expose, safe
from flask_appbuilder.security.decorators import permission_name, protect

from kholuutru.archive import fonds

from . import bodies, schemas
from .inputs import json_object, known_fields, unit_of
from .responses import READ, WRITE, ServiceApi, archive_session, refusals_as_json, reply

FONDS_API = "FondsApi"
"""FAB permission name of this API (``can_read``, ``can_write``)."""


class FondsApi(ServiceApi):
    """Fonds as a REST resource (ARCHITECTURE §4: ``resource_name = "fonds"``)."""

    resource_name = "fonds"
    class_permission_name = FONDS_API
    openapi_spec_tag = "Fonds"
    openapi_spec_component_schemas = (*ServiceApi.openapi_spec_component_schemas, schemas.Fonds, bodies.NewFonds)

    @expose("/", methods=["GET"])
    @protect()
    @safe
    @permission_name(READ)
    @refusals_as_json
    def get_list(self) -> Response:
        """A unit's fonds by code (empty for a unit the caller may not see).
        ---
        get:
          summary: List a unit's fonds
          parameters:
          - {in: query, name: unit_id, schema: {type: integer}, description: "Default: the caller's unit"}
          responses:
            200:
              description: The unit's fonds
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      unit_id: {type: integer}
                      result: {type: array, items: {$ref: '#/components/schemas/Fonds'}}
            401: {$ref: '#/components/responses/401'}
            422: {$ref: '#/components/responses/Refused'}
        """
        with archive_session() as (session, actor):
            unit_id = unit_of(actor, request.args.get("unit_id"))
            result = [schemas.dump(schemas.Fonds, row) for row in fonds.unit_fonds(session, actor, unit_id)]
        return reply(200, {"unit_id": unit_id, "result": result})

    @expose("/<int:pk>", methods=["GET"])
    @protect()
    @safe
    @permission_name(READ)
    @refusals_as_json
    def get(self, pk: int) -> Response:
        """One fonds.
        ---
        get:
          summary: Show a fonds
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          responses:
            200:
              description: The fonds
              content: {application/json: {schema: {$ref: '#/components/schemas/Fonds'}}}
            401: {$ref: '#/components/responses/401'}
            404: {$ref: '#/components/responses/Refused'}
        """
        with archive_session() as (session, actor):
            answer = schemas.dump(schemas.Fonds, fonds.get_fonds(session, actor, pk))
        return reply(200, answer)

    @expose("/", methods=["POST"])
    @protect()
    @safe
    @permission_name(WRITE)
    @refusals_as_json
    def post(self) -> Response:
        """Add a fonds to a unit; its code is unique province-wide.
        ---
        post:
          summary: Create a fonds (administrator of the unit)
          requestBody:
            required: true
            content: {application/json: {schema: {$ref: '#/components/schemas/NewFonds'}}}
          responses:
            201:
              description: The fonds
              content: {application/json: {schema: {$ref: '#/components/schemas/Fonds'}}}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/Refused'}
            409: {$ref: '#/components/responses/Refused'}
            422: {$ref: '#/components/responses/Refused'}
            503: {$ref: '#/components/responses/Refused'}
        """
        body = json_object()
        with archive_session() as (session, actor):
            unit_id = unit_of(actor, body.pop("unit_id", None))
            created = fonds.create_fonds(session, actor, unit_id, **known_fields(body, fonds.FIELDS))
            answer = schemas.dump(schemas.Fonds, created)
        return reply(201, answer)
