"""``POST /api/v1/dossiers/<id>/submit|approve|return|archive|withdraw|correct|box``: the workflow (ARCHITECTURE §4).

Each action is one call of ``kholuutru.archive.dossiers`` (or ``locations.place_dossier``) in one transaction, so
who may act, from which state, and the audit event are the archive's; the answer is the dossier as it now is.
A separate API class under the same resource keeps each module small; it has its own FAB permission name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response
from flask_appbuilder.api import expose, safe
from flask_appbuilder.security.decorators import permission_name, protect

from kholuutru.archive import dossiers, locations
from kholuutru.archive.dossier_models import Dossier
from kholuutru.archive.validation import Label

from . import bodies
from .dossiers import dossier_detail
from .inputs import json_object, object_member
from .responses import WRITE, ServiceApi, archive_session, refusals_as_json, reply

WORKFLOW_API = "DossierWorkflowApi"
"""FAB permission name of the workflow actions (``can_write``)."""

CHANGES = Label("changes", "Các thay đổi", "Changes")


class DossierWorkflowApi(ServiceApi):
    """The workflow actions on one dossier (resource ``dossiers``)."""

    resource_name = "dossiers"
    class_permission_name = WORKFLOW_API
    openapi_spec_tag = "Dossiers"
    openapi_spec_component_schemas = (
        *ServiceApi.openapi_spec_component_schemas,
        bodies.ReturnRequest, bodies.CorrectionRequest, bodies.BoxPlacement,
    )
    responses = {
        **ServiceApi.responses,
        "Acted": {
            "description": "The dossier after the action, with what the caller may do next",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/DossierDetail"}}},
        },
    }

    def _act(self, action: Callable[..., Dossier], pk: int, *args: Any) -> Response:
        """``action(session, actor, pk, *args)`` in one transaction, answered with the dossier as it now is."""
        with archive_session() as (session, actor):
            answer = dossier_detail(actor, action(session, actor, pk, *args))
        return reply(200, answer)

    @expose("/<int:pk>/submit", methods=["POST"])
    @protect()
    @safe
    @permission_name(WRITE)
    @refusals_as_json
    def submit(self, pk: int) -> Response:
        """Draft → submitted.
        ---
        post:
          summary: Submit a draft for approval (records staff of its unit)
          description: Refused with 422 naming every missing field or file while the dossier is incomplete.
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          responses:
            200: {$ref: '#/components/responses/Acted'}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/Refused'}
            404: {$ref: '#/components/responses/Refused'}
            409: {$ref: '#/components/responses/Refused'}
            422: {$ref: '#/components/responses/Refused'}
            503: {$ref: '#/components/responses/Refused'}
        """
        return self._act(dossiers.submit, pk)

    @expose("/<int:pk>/withdraw", methods=["POST"])
    @protect()
    @safe
    @permission_name(WRITE)
    @refusals_as_json
    def withdraw(self, pk: int) -> Response:
        """Submitted → draft, by whoever formed the dossier.
        ---
        post:
          summary: Withdraw a submitted dossier (its creator)
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          responses:
            200: {$ref: '#/components/responses/Acted'}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/Refused'}
            404: {$ref: '#/components/responses/Refused'}
            409: {$ref: '#/components/responses/Refused'}
            422: {$ref: '#/components/responses/Refused'}
            503: {$ref: '#/components/responses/Refused'}
        """
        return self._act(dossiers.withdraw, pk)

    @expose("/<int:pk>/approve", methods=["POST"])
    @protect()
    @safe
    @permission_name(WRITE)
    @refusals_as_json
    def approve(self, pk: int) -> Response:
        """Submitted → approved.
        ---
        post:
          summary: Approve a submitted dossier (head of its unit)
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          responses:
            200: {$ref: '#/components/responses/Acted'}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/Refused'}
            404: {$ref: '#/components/responses/Refused'}
            409: {$ref: '#/components/responses/Refused'}
            503: {$ref: '#/components/responses/Refused'}
        """
        return self._act(dossiers.approve, pk)

    @expose("/<int:pk>/return", methods=["POST"])
    @protect()
    @safe
    @permission_name(WRITE)
    @refusals_as_json
    def return_dossier(self, pk: int) -> Response:
        """Submitted → draft, with the reason the staff will read.
        ---
        post:
          summary: Return a submitted dossier with a reason (head of its unit)
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          requestBody:
            required: true
            content: {application/json: {schema: {$ref: '#/components/schemas/ReturnRequest'}}}
          responses:
            200: {$ref: '#/components/responses/Acted'}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/Refused'}
            404: {$ref: '#/components/responses/Refused'}
            409: {$ref: '#/components/responses/Refused'}
            422: {$ref: '#/components/responses/Refused'}
            503: {$ref: '#/components/responses/Refused'}
        """
        return self._act(dossiers.return_dossier, pk, json_object().get("reason"))

    @expose("/<int:pk>/archive", methods=["POST"])
    @protect()
    @safe
    @permission_name(WRITE)
    @refusals_as_json
    def archive(self, pk: int) -> Response:
        """Approved → archived: sealed, read-only from then on.
        ---
        post:
          summary: Archive an approved dossier (records staff or head of its unit)
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          responses:
            200: {$ref: '#/components/responses/Acted'}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/Refused'}
            404: {$ref: '#/components/responses/Refused'}
            409: {$ref: '#/components/responses/Refused'}
            503: {$ref: '#/components/responses/Refused'}
        """
        return self._act(dossiers.archive, pk)

    @expose("/<int:pk>/correct", methods=["POST"])
    @protect()
    @safe
    @permission_name(WRITE)
    @refusals_as_json
    def correct(self, pk: int) -> Response:
        """The only change to an archived dossier: audited, with a reason, kept as a diff.
        ---
        post:
          summary: Correct an archived dossier's metadata (records staff or head of its unit)
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          requestBody:
            required: true
            content: {application/json: {schema: {$ref: '#/components/schemas/CorrectionRequest'}}}
          responses:
            200: {$ref: '#/components/responses/Acted'}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/Refused'}
            404: {$ref: '#/components/responses/Refused'}
            409: {$ref: '#/components/responses/Refused'}
            422: {$ref: '#/components/responses/Refused'}
            503: {$ref: '#/components/responses/Refused'}
        """
        body = json_object()
        return self._act(dossiers.correct, pk, object_member(body, CHANGES), body.get("reason"))

    @expose("/<int:pk>/box", methods=["POST"])
    @protect()
    @safe
    @permission_name(WRITE)
    @refusals_as_json
    def box(self, pk: int) -> Response:
        """Record where the dossier's paper original is kept; allowed in every state.
        ---
        post:
          summary: Place the dossier's paper original in a box, or take it out with null (records staff)
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          requestBody:
            required: true
            content: {application/json: {schema: {$ref: '#/components/schemas/BoxPlacement'}}}
          responses:
            200: {$ref: '#/components/responses/Acted'}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/Refused'}
            404: {$ref: '#/components/responses/Refused'}
            409: {$ref: '#/components/responses/Refused'}
            422: {$ref: '#/components/responses/Refused'}
            503: {$ref: '#/components/responses/Refused'}
        """
        return self._act(locations.place_dossier, pk, json_object().get("box_id"))
