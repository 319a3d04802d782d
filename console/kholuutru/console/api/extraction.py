"""Extraction (bóc tách) over REST: run a template on a digitised document, then confirm or correct the values.

``POST /api/v1/documents/<id>/extract`` proposes (``extraction.propose``); ``POST /api/v1/extractions/<id>/confirm``
confirms (``extraction.confirm``: corrections audited, result code issued); ``GET /api/v1/extractions/templates``
lists the caller's unit's templates. The rules — who, which document state, which value fits a field — are the
archive's.
"""

from __future__ import annotations

from flask import Response
from flask_appbuilder.api import expose, safe
from flask_appbuilder.security.decorators import permission_name, protect

from kholuutru.archive import extraction
from kholuutru.archive.validation import Label

from ..context import console_context
from . import work_schemas
from .inputs import identifier, json_object, object_member
from .responses import READ, WRITE, ServiceApi, archive_session, refusals_as_json, reply

EXTRACT_API = "DocumentExtractionApi"
EXTRACTIONS_API = "ExtractionsApi"
"""FAB permission names of these APIs (``can_read``, ``can_write``)."""

TEMPLATE = Label("template_id", "Mẫu bóc tách", "Extraction template")
VALUES = Label("values", "Các giá trị", "Values")


class DocumentExtractionApi(ServiceApi):
    """Proposing extracted values for a document (resource ``documents``)."""

    resource_name = "documents"
    class_permission_name = EXTRACT_API
    openapi_spec_tag = "Documents"
    openapi_spec_component_schemas = (
        *ServiceApi.openapi_spec_component_schemas, work_schemas.Extraction, work_schemas.ProposeRequest,
    )

    @expose("/<int:pk>/extract", methods=["POST"])
    @protect()
    @safe
    @permission_name(WRITE)
    @refusals_as_json
    def extract(self, pk: int) -> Response:
        """Run a template on the document's latest OCR text; the values wait for confirmation.
        ---
        post:
          summary: Propose extracted values (records staff of the document's unit)
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          requestBody:
            required: true
            content: {application/json: {schema: {$ref: '#/components/schemas/ProposeRequest'}}}
          responses:
            201:
              description: The proposal (state proposed)
              content: {application/json: {schema: {$ref: '#/components/schemas/Extraction'}}}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/Refused'}
            404: {$ref: '#/components/responses/Refused'}
            409: {$ref: '#/components/responses/Refused'}
            422: {$ref: '#/components/responses/Refused'}
            503: {$ref: '#/components/responses/Refused'}
        """
        template_id = identifier(TEMPLATE, json_object().get("template_id"), required=True) or 0
        with archive_session() as (session, actor):
            answer = work_schemas.Extraction().dump(
                extraction.propose(session, actor, document_id=pk, template_id=template_id))
        return reply(201, answer)


class ExtractionsApi(ServiceApi):
    """Extraction templates and confirming extracted values (resource ``extractions``)."""

    resource_name = "extractions"
    class_permission_name = EXTRACTIONS_API
    openapi_spec_tag = "Extractions"
    openapi_spec_component_schemas = (
        *ServiceApi.openapi_spec_component_schemas, work_schemas.ExtractionTemplate, work_schemas.ConfirmRequest,
    )

    @expose("/templates", methods=["GET"])
    @protect()
    @safe
    @permission_name(READ)
    @refusals_as_json
    def get_templates(self) -> Response:
        """The extraction templates of the caller's unit (every unit for province-wide roles).
        ---
        get:
          summary: List extraction templates
          responses:
            200:
              description: The templates
              content:
                application/json:
                  schema: {type: array, items: {$ref: '#/components/schemas/ExtractionTemplate'}}
            401: {$ref: '#/components/responses/401'}
        """
        with archive_session() as (session, actor):
            answer = work_schemas.ExtractionTemplate(many=True).dump(extraction.templates(session, actor))
        return reply(200, {"result": answer})

    @expose("/<int:pk>/confirm", methods=["POST"])
    @protect()
    @safe
    @permission_name(WRITE)
    @refusals_as_json
    def confirm(self, pk: int) -> Response:
        """Confirm the values, correcting any; the corrections are audited and the result code is issued.
        ---
        post:
          summary: Confirm extracted values (records staff of the document's unit)
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          requestBody:
            required: true
            content: {application/json: {schema: {$ref: '#/components/schemas/ConfirmRequest'}}}
          responses:
            200:
              description: The confirmed extraction with its result code
              content: {application/json: {schema: {$ref: '#/components/schemas/Extraction'}}}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/Refused'}
            404: {$ref: '#/components/responses/Refused'}
            409: {$ref: '#/components/responses/Refused'}
            422: {$ref: '#/components/responses/Refused'}
            503: {$ref: '#/components/responses/Refused'}
        """
        values = object_member(json_object(), VALUES)
        with archive_session() as (session, actor):
            answer = work_schemas.Extraction().dump(
                extraction.confirm(session, actor, console_context().settings, pk, values))
        return reply(200, answer)
