"""``/api/v1/dossiers/``: the caller's dossiers — list, show, form, edit — through ``kholuutru.archive.dossiers``.

The workflow actions on one dossier (submit, approve, return…) are ``workflow.DossierWorkflowApi``, under the same
resource; both answer a dossier with ``dossier_detail``, so a client always sees what it may do next.
"""

from __future__ import annotations

from typing import Any

from flask import Response, request
from flask_appbuilder.api import expose, safe
from flask_appbuilder.security.decorators import permission_name, protect

from kholuutru.archive import dossiers, validation
from kholuutru.archive.access import Actor
from kholuutru.archive.dossier_models import DOSSIER_STATES, Dossier
from kholuutru.archive.validation import Label

from ..i18n import current_language
from . import bodies, schemas
from .inputs import identifier, json_object, page_arguments, unit_of
from .responses import READ, WRITE, ServiceApi, archive_session, refusals_as_json, reply

DOSSIERS_API = "DossiersApi"
"""FAB permission name of this API (``can_read``, ``can_write``); distinct from every page's and menu's name."""

LIST_ENTRY = Label("list_entry_id", "Mục của danh mục hồ sơ", "Dossier list entry")
FONDS = Label("fonds_id", "Phông lưu trữ", "Fonds")
STATE = Label("state", "Trạng thái", "State")
SEARCH = Label("q", "Từ khóa tìm kiếm", "Search text")
YEAR = Label("year", "Năm hình thành", "Year formed")
# What create_dossier takes besides the metadata: everything else in the body is metadata, checked by the profile.
_FORMING = {"year", "unit_id", "list_entry_id", "fonds_id", "profile", "number_symbol", "title",
            "retention_permanent", "retention_years"}


def dossier_detail(actor: Actor, dossier: Dossier) -> dict[str, Any]:
    """A dossier with documents and files, the actions ``actor`` may take and, for a draft, what blocks submission.

    Called inside the archive transaction: documents and files load lazily.
    """
    english = current_language() == "en"
    problems = dossiers.can_submit(dossier) if dossier.state == "draft" else []
    return schemas.dump(
        schemas.DossierDetail, dossier,
        allowed_actions=sorted(dossiers.allowed_actions(actor, dossier)),
        submit_problems=[{"field": p.field, "message": p.message_en if english else p.message_vi} for p in problems],
    )


def _forming_arguments(actor: Actor, body: dict[str, Any]) -> dict[str, Any]:
    """``create_dossier``'s keyword arguments from a request body; absent options keep the service's defaults."""
    arguments: dict[str, Any] = {
        "unit_id": unit_of(actor, body.get("unit_id")),
        "year": body.get("year"),
        "list_entry_id": identifier(LIST_ENTRY, body.get("list_entry_id")),
        "fonds_id": identifier(FONDS, body.get("fonds_id")),
        "metadata": {key: value for key, value in body.items() if key not in _FORMING},
    }
    given = {"profile": "profile_code", "number_symbol": "number_symbol_value", "title": "title",
             "retention_permanent": "retention_permanent", "retention_years": "retention_years"}
    arguments.update({parameter: body[key] for key, parameter in given.items() if key in body})
    return arguments


class DossiersApi(ServiceApi):
    """Dossiers as a REST resource (ARCHITECTURE §4: ``resource_name = "dossiers"``)."""

    resource_name = "dossiers"
    class_permission_name = DOSSIERS_API
    openapi_spec_tag = "Dossiers"
    openapi_spec_component_schemas = (
        *ServiceApi.openapi_spec_component_schemas,
        schemas.DossierPage, schemas.DossierDetail, bodies.NewDossier, bodies.DossierMetadata,
    )

    @expose("/", methods=["GET"])
    @protect()
    @safe
    @permission_name(READ)
    @refusals_as_json
    def get_list(self) -> Response:
        """The caller's visible dossiers, newest first, filtered and paged.
        ---
        get:
          summary: List the dossiers the caller may see
          parameters:
          - {in: query, name: q, schema: {type: string}, description: Part of the title or of either code}
          - {in: query, name: state, schema: {type: string, enum: [draft, submitted, approved, archived]}}
          - {in: query, name: year, schema: {type: integer}}
          - {in: query, name: page, schema: {type: integer, minimum: 1, default: 1}}
          - {in: query, name: page_size, schema: {type: integer, minimum: 1, maximum: 100, default: 20}}
          responses:
            200:
              description: One page and the total count
              content: {application/json: {schema: {$ref: '#/components/schemas/DossierPage'}}}
            401: {$ref: '#/components/responses/401'}
            422: {$ref: '#/components/responses/Refused'}
            503: {$ref: '#/components/responses/Refused'}
        """
        args = request.args
        state = validation.choice(STATE, args.get("state"), DOSSIER_STATES)
        year = validation.integer(YEAR, args.get("year"), minimum=1)
        search = validation.text(SEARCH, args.get("q"), max_length=200)
        page, size = page_arguments()
        with archive_session() as (session, actor):
            rows, total = dossiers.list_dossiers(session, actor, state=state, year=year, search=search, limit=size,
                                                 offset=(page - 1) * size)
            result = [schemas.dump(schemas.Dossier, row) for row in rows]
        return reply(200, {"count": total, "page": page, "page_size": size, "result": result})

    @expose("/<int:pk>", methods=["GET"])
    @protect()
    @safe
    @permission_name(READ)
    @refusals_as_json
    def get(self, pk: int) -> Response:
        """One dossier with everything the caller needs to act on it.
        ---
        get:
          summary: Show a dossier with its documents, files, allowed actions and submission problems
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          responses:
            200:
              description: The dossier
              content: {application/json: {schema: {$ref: '#/components/schemas/DossierDetail'}}}
            401: {$ref: '#/components/responses/401'}
            404: {$ref: '#/components/responses/Refused'}
        """
        with archive_session() as (session, actor):
            body = dossier_detail(actor, dossiers.get_dossier(session, actor, pk))
        return reply(200, body)

    @expose("/", methods=["POST"])
    @protect()
    @safe
    @permission_name(WRITE)
    @refusals_as_json
    def post(self) -> Response:
        """Form a dossier, normally from an entry of the unit's approved annual list.
        ---
        post:
          summary: Form a dossier (records staff of the unit)
          description: >-
            With `list_entry_id` the entry gives number and symbol, title and retention; without one (legacy
            imports) give `number_symbol`, `title` and `retention_permanent` or `retention_years`. Every other key
            is metadata of the profile. Both dossier codes are issued now and never reused.
          requestBody:
            required: true
            content: {application/json: {schema: {$ref: '#/components/schemas/NewDossier'}}}
          responses:
            201:
              description: The dossier formed
              content: {application/json: {schema: {$ref: '#/components/schemas/DossierDetail'}}}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/Refused'}
            409: {$ref: '#/components/responses/Refused'}
            422: {$ref: '#/components/responses/Refused'}
            503: {$ref: '#/components/responses/Refused'}
        """
        body = json_object()
        with archive_session() as (session, actor):
            dossier = dossiers.create_dossier(session, actor, **_forming_arguments(actor, body))
            answer = dossier_detail(actor, dossier)
        return reply(201, answer)

    @expose("/<int:pk>", methods=["PUT"])
    @protect()
    @safe
    @permission_name(WRITE)
    @refusals_as_json
    def put(self, pk: int) -> Response:
        """Change a draft dossier's metadata; codes never change.
        ---
        put:
          summary: Edit a draft dossier's metadata (records staff of its unit)
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          requestBody:
            required: true
            content: {application/json: {schema: {$ref: '#/components/schemas/DossierMetadata'}}}
          responses:
            200:
              description: The dossier as changed
              content: {application/json: {schema: {$ref: '#/components/schemas/DossierDetail'}}}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/Refused'}
            404: {$ref: '#/components/responses/Refused'}
            409: {$ref: '#/components/responses/Refused'}
            422: {$ref: '#/components/responses/Refused'}
            503: {$ref: '#/components/responses/Refused'}
        """
        changes = json_object()
        with archive_session() as (session, actor):
            answer = dossier_detail(actor, dossiers.update_dossier(session, actor, pk, changes))
        return reply(200, answer)
