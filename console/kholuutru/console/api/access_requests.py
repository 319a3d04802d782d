"""``/api/v1/access-requests/``: access requests (khai thác) through ``kholuutru.archive.access_requests``.

A requester lists and files requests and, while a grant is valid, reads its dossier and downloads watermarked copies
of its files; the owning unit's head lists the unit's requests and approves or refuses them; the access report is
served as JSON. Every rule (who, which state, expiry) is the archive's.
"""

from __future__ import annotations

import io

from flask import Response, request, send_file
from flask_appbuilder.api import expose, safe
from flask_appbuilder.security.decorators import permission_name, protect
from marshmallow import Schema, fields
from marshmallow_sqlalchemy import SQLAlchemyAutoSchema

from kholuutru.archive import access_report, access_request_models, access_requests
from kholuutru.archive.validation import Label

from ..context import console_context
from . import schemas
from .inputs import identifier, json_object
from .responses import READ, WRITE, ServiceApi, archive_session, refusals_as_json, reply

ACCESS_REQUESTS_API = "AccessRequestsApi"
"""FAB permission name of this API (``can_read``, ``can_write``)."""

DOSSIER = Label("dossier_id", "Hồ sơ", "Dossier")
UNIT = Label("unit_id", "Đơn vị", "Unit")


class AccessRequest(SQLAlchemyAutoSchema):
    """An access request: the dossier asked for, purpose, period wanted, decision and validity."""

    class Meta:
        model = access_request_models.AccessRequest
        include_fk = True


class NewAccessRequest(Schema):
    """A request to consult an archived dossier of another unit (dates YYYY-MM-DD or DD/MM/YYYY)."""

    dossier_id = fields.Integer(required=True)
    purpose = fields.String(required=True, metadata={"description": "Mục đích khai thác / Purpose (≤ 1000)"})
    wanted_from = fields.String(required=True, metadata={"description": "Khai thác từ ngày / From"})
    wanted_until = fields.String(required=True, metadata={"description": "Khai thác đến ngày / Until"})


class AccessDecision(Schema):
    """The head's decision: ``valid_until`` (last day, default as asked) to approve, ``reason`` to refuse."""

    valid_until = fields.String(metadata={"description": "Được khai thác đến hết ngày / Access until (inclusive)"})
    reason = fields.String(metadata={"description": "Lý do từ chối / Reason for refusal (refuse only)"})


class GrantedDossier(Schema):
    """A dossier opened by a valid grant, with its documents and their files."""

    request = fields.Nested(AccessRequest)
    dossier = fields.Nested(schemas.Dossier)
    documents = fields.List(fields.Nested(schemas.Document))


class AccessReportRow(Schema):
    """One unit's line of the access report."""

    unit_code = fields.String()
    unit_name = fields.String()
    requests = fields.Integer()
    approved = fields.Integer()
    refused = fields.Integer()
    pending = fields.Integer()
    views = fields.Integer()
    downloads = fields.Integer()


def _request(row: access_request_models.AccessRequest) -> dict:
    return schemas.dump(AccessRequest, row)


def _optional_body() -> dict:
    """The JSON object of a call whose body may be left out."""
    return json_object() if request.get_data() else {}


class AccessRequestsApi(ServiceApi):
    """Access requests as a REST resource (ARCHITECTURE §4: ``resource_name = "access-requests"``)."""

    resource_name = "access-requests"
    class_permission_name = ACCESS_REQUESTS_API
    openapi_spec_tag = "Access requests"
    openapi_spec_component_schemas = (
        *ServiceApi.openapi_spec_component_schemas,
        AccessRequest, NewAccessRequest, AccessDecision, GrantedDossier, AccessReportRow,
    )

    @expose("/", methods=["GET"])
    @protect()
    @safe
    @permission_name(READ)
    @refusals_as_json
    def get_list(self) -> Response:
        """The caller's own requests, or with ``unit_id`` the requests for that unit's dossiers (its head).
        ---
        get:
          summary: List access requests
          parameters:
          - {in: query, name: unit_id, schema: {type: integer}, description: "The owning unit (unit head)"}
          - {in: query, name: pending, schema: {type: boolean}, description: "Only those still to decide"}
          responses:
            200:
              description: The requests
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      result: {type: array, items: {$ref: '#/components/schemas/AccessRequest'}}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/Refused'}
        """
        unit_id = identifier(UNIT, request.args.get("unit_id"))
        with archive_session() as (session, actor):
            if unit_id is None:
                rows = access_requests.my_requests(session, actor)
            else:
                rows = access_requests.unit_requests(session, actor, unit_id,
                                                     pending_only=request.args.get("pending") == "true")
            result = [_request(row) for row in rows]
        return reply(200, {"result": result})

    @expose("/", methods=["POST"])
    @protect()
    @safe
    @permission_name(WRITE)
    @refusals_as_json
    def post(self) -> Response:
        """Ask to consult an archived dossier of another unit.
        ---
        post:
          summary: File an access request
          requestBody:
            required: true
            content: {application/json: {schema: {$ref: '#/components/schemas/NewAccessRequest'}}}
          responses:
            201:
              description: The request, pending
              content: {application/json: {schema: {$ref: '#/components/schemas/AccessRequest'}}}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/Refused'}
            404: {$ref: '#/components/responses/Refused'}
            409: {$ref: '#/components/responses/Refused'}
            422: {$ref: '#/components/responses/Refused'}
            503: {$ref: '#/components/responses/Refused'}
        """
        body = json_object()
        dossier_id = identifier(DOSSIER, body.get("dossier_id"), required=True)
        assert dossier_id is not None
        with archive_session() as (session, actor):
            answer = _request(access_requests.request_access(session, actor, dossier_id, body))
        return reply(201, answer)

    @expose("/<int:pk>/approve", methods=["POST"])
    @protect()
    @safe
    @permission_name(WRITE)
    @refusals_as_json
    def approve(self, pk: int) -> Response:
        """The owning unit's head approves a pending request, through the end of ``valid_until``.
        ---
        post:
          summary: Approve an access request (unit head)
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          requestBody:
            content: {application/json: {schema: {$ref: '#/components/schemas/AccessDecision'}}}
          responses:
            200:
              description: The request, approved
              content: {application/json: {schema: {$ref: '#/components/schemas/AccessRequest'}}}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/Refused'}
            404: {$ref: '#/components/responses/Refused'}
            409: {$ref: '#/components/responses/Refused'}
            422: {$ref: '#/components/responses/Refused'}
            503: {$ref: '#/components/responses/Refused'}
        """
        body = _optional_body()
        with archive_session() as (session, actor):
            answer = _request(access_requests.approve(session, actor, pk, body.get("valid_until")))
        return reply(200, answer)

    @expose("/<int:pk>/refuse", methods=["POST"])
    @protect()
    @safe
    @permission_name(WRITE)
    @refusals_as_json
    def refuse(self, pk: int) -> Response:
        """The owning unit's head refuses a pending request, with the ``reason`` the requester reads.
        ---
        post:
          summary: Refuse an access request (unit head)
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          requestBody:
            required: true
            content: {application/json: {schema: {$ref: '#/components/schemas/AccessDecision'}}}
          responses:
            200:
              description: The request, refused
              content: {application/json: {schema: {$ref: '#/components/schemas/AccessRequest'}}}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/Refused'}
            404: {$ref: '#/components/responses/Refused'}
            409: {$ref: '#/components/responses/Refused'}
            422: {$ref: '#/components/responses/Refused'}
            503: {$ref: '#/components/responses/Refused'}
        """
        body = _optional_body()
        with archive_session() as (session, actor):
            answer = _request(access_requests.refuse(session, actor, pk, body.get("reason", "")))
        return reply(200, answer)

    @expose("/<int:pk>/dossier", methods=["GET"])
    @protect()
    @safe
    @permission_name(READ)
    @refusals_as_json
    def dossier(self, pk: int) -> Response:
        """The dossier of the caller's valid grant (the view is recorded); refused once the grant has expired.
        ---
        get:
          summary: Read a granted dossier
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          responses:
            200:
              description: The dossier, its documents and files
              content: {application/json: {schema: {$ref: '#/components/schemas/GrantedDossier'}}}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/Refused'}
            404: {$ref: '#/components/responses/Refused'}
            503: {$ref: '#/components/responses/Refused'}
        """
        with archive_session() as (session, actor):
            granted = access_requests.open_granted(session, actor, pk)
            answer = schemas.dump(GrantedDossier, granted)
        for document in answer["documents"]:
            for file in document["files"]:
                file["download"] = f"/api/v1/access-requests/{pk}/files/{file['id']}"
        return reply(200, answer)

    @expose("/<int:pk>/files/<int:file_id>", methods=["GET"])
    @protect()
    @safe
    @permission_name(READ)
    @refusals_as_json
    def download(self, pk: int, file_id: int) -> Response:
        """A watermarked copy of one file of the granted dossier (the download is recorded).
        ---
        get:
          summary: Download a watermarked copy
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          - {in: path, name: file_id, required: true, schema: {type: integer}}
          responses:
            200:
              description: The copy, marked "Bản khai thác" with the requester and the time
              content: {application/octet-stream: {schema: {type: string, format: binary}}}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/Refused'}
            404: {$ref: '#/components/responses/Refused'}
            503: {$ref: '#/components/responses/Refused'}
        """
        context = console_context()
        with archive_session() as (session, actor):
            row, data = access_requests.download(session, actor, context.storage, context.settings, pk, file_id)
            name, media_type = row.file_name, row.media_type
        return send_file(io.BytesIO(data), mimetype=media_type, as_attachment=True,
                         download_name=f"khai-thac-{pk}-{name}")

    @expose("/report", methods=["GET"])
    @protect()
    @safe
    @permission_name(READ)
    @refusals_as_json
    def report(self) -> Response:
        """The access report of a unit (or, province-wide, of every unit) for the days ``start``..``end``.
        ---
        get:
          summary: Access report
          parameters:
          - {in: query, name: unit_id, schema: {type: integer}, description: "Omit for every unit (province-wide)"}
          - {in: query, name: start, required: true, schema: {type: string}, description: "YYYY-MM-DD"}
          - {in: query, name: end, required: true, schema: {type: string}, description: "YYYY-MM-DD"}
          responses:
            200:
              description: One line per unit
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      result: {type: array, items: {$ref: '#/components/schemas/AccessReportRow'}}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/Refused'}
            422: {$ref: '#/components/responses/Refused'}
        """
        unit_id = identifier(UNIT, request.args.get("unit_id"))
        with archive_session() as (session, actor):
            rows = access_report.access_report(session, actor, unit_id, request.args.get("start"),
                                               request.args.get("end"))
        return reply(200, {"result": [AccessReportRow().dump(row) for row in rows]})
