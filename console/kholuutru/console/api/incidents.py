"""``/api/v1/incidents/``: incidents (regulation Đ10) and suspending the platform from a security incident.

Every call goes through ``kholuutru.archive.incidents`` or ``suspension``; e-mails the change queued are sent after
its transaction has committed. While suspended, the suspension guard refuses every write here too, except the two in
``WRITABLE_WHILE_SUSPENDED`` (a timeline entry by those who investigate, and resuming), which the services check.
"""

from __future__ import annotations

from flask import Response, request
from flask_appbuilder.api import expose, safe
from flask_appbuilder.security.decorators import permission_name, protect

from kholuutru.archive import incidents, suspension

from ..notifications import notify_after_commit
from . import incident_schemas as shapes
from .inputs import json_object, known_fields
from .responses import READ, WRITE, ServiceApi, archive_session, refusals_as_json, reply
from .schemas import dump

INCIDENTS_API = "IncidentsApi"
"""FAB permission name of this API (``can_read``, ``can_write``)."""
WRITABLE_WHILE_SUSPENDED = frozenset({f"{INCIDENTS_API}.add_entry", f"{INCIDENTS_API}.resume"})
CHANGE_FIELDS = ("severity", "category", "status", "unit_ids")


def detail(pk: int) -> Response:
    """The incident as it is now, in a fresh transaction (after a change has committed and its mail was sent)."""
    with archive_session() as (session, actor):
        return reply(200, dump(shapes.IncidentDetail, incidents.get(session, actor, pk)))


class IncidentsApi(ServiceApi):
    """Incidents as a REST resource (ARCHITECTURE §4: ``resource_name = "incidents"``)."""

    resource_name = "incidents"
    class_permission_name = INCIDENTS_API
    openapi_spec_tag = "Incidents"
    openapi_spec_component_schemas = (
        *ServiceApi.openapi_spec_component_schemas, shapes.Incident, shapes.IncidentEntry, shapes.IncidentDetail,
        shapes.IncidentNotification, shapes.NewIncident, shapes.IncidentChange, shapes.IncidentAssignment,
        shapes.IncidentNote, shapes.IncidentResolution, shapes.Reason, shapes.PlatformState,
    )

    @expose("/", methods=["GET"])
    @protect()
    @safe
    @permission_name(READ)
    @refusals_as_json
    def get_list(self) -> Response:
        """The incidents the caller may see, newest first.
        ---
        get:
          summary: List incidents (operating unit and inspectors, all; others, their own reports)
          parameters:
          - {in: query, name: status, schema: {type: string, enum: [open, investigating, resolved, unresolved]}}
          responses:
            200:
              description: The incidents
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      result: {type: array, items: {$ref: '#/components/schemas/Incident'}}
            401: {$ref: '#/components/responses/401'}
            422: {$ref: '#/components/responses/Refused'}
        """
        with archive_session() as (session, actor):
            rows = incidents.listing(session, actor, status=request.args.get("status") or None)
            return reply(200, {"result": [dump(shapes.Incident, row) for row in rows]})

    @expose("/<int:pk>", methods=["GET"])
    @protect()
    @safe
    @permission_name(READ)
    @refusals_as_json
    def get(self, pk: int) -> Response:
        """One incident with its timeline.
        ---
        get:
          summary: Show an incident
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          responses:
            200:
              description: The incident
              content: {application/json: {schema: {$ref: '#/components/schemas/IncidentDetail'}}}
            401: {$ref: '#/components/responses/401'}
            404: {$ref: '#/components/responses/Refused'}
        """
        return detail(pk)

    @expose("/", methods=["POST"])
    @protect()
    @safe
    @permission_name(WRITE)
    @refusals_as_json
    def post(self) -> Response:
        """Report an incident (anyone signed in).
        ---
        post:
          summary: Report an incident
          requestBody:
            required: true
            content: {application/json: {schema: {$ref: '#/components/schemas/NewIncident'}}}
          responses:
            201:
              description: The incident
              content: {application/json: {schema: {$ref: '#/components/schemas/IncidentDetail'}}}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/Refused'}
            422: {$ref: '#/components/responses/Refused'}
            503: {$ref: '#/components/responses/Refused'}
        """
        body = known_fields(json_object(), shapes.NewIncident().fields)
        with archive_session() as (session, actor):
            pk = incidents.report(session, actor, **body).id
        notify_after_commit()
        answer = detail(pk)
        answer.status_code = 201
        return answer

    @expose("/<int:pk>", methods=["PUT"])
    @protect()
    @safe
    @permission_name(WRITE)
    @refusals_as_json
    def put(self, pk: int) -> Response:
        """Change severity, category, status or the affected units (operating unit).
        ---
        put:
          summary: Change an incident
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          requestBody:
            required: true
            content: {application/json: {schema: {$ref: '#/components/schemas/IncidentChange'}}}
          responses:
            200:
              description: The incident
              content: {application/json: {schema: {$ref: '#/components/schemas/IncidentDetail'}}}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/Refused'}
            404: {$ref: '#/components/responses/Refused'}
            422: {$ref: '#/components/responses/Refused'}
            503: {$ref: '#/components/responses/Refused'}
        """
        body = known_fields(json_object(), CHANGE_FIELDS)
        with archive_session() as (session, actor):
            changes = {key: body[key] for key in ("severity", "category", "status") if key in body}
            if changes or "unit_ids" not in body:
                incidents.update(session, actor, pk, **changes)
            if "unit_ids" in body:
                incidents.link_units(session, actor, pk, body["unit_ids"])
        notify_after_commit()
        return detail(pk)

    @expose("/<int:pk>/assign", methods=["POST"])
    @protect()
    @safe
    @permission_name(WRITE)
    @refusals_as_json
    def assign(self, pk: int) -> Response:
        """Assign the incident to a system admin or on-call operator.
        ---
        post:
          summary: Assign an incident
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          requestBody:
            required: true
            content: {application/json: {schema: {$ref: '#/components/schemas/IncidentAssignment'}}}
          responses:
            200:
              description: The incident
              content: {application/json: {schema: {$ref: '#/components/schemas/IncidentDetail'}}}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/Refused'}
            404: {$ref: '#/components/responses/Refused'}
            422: {$ref: '#/components/responses/Refused'}
            503: {$ref: '#/components/responses/Refused'}
        """
        body = known_fields(json_object(), ("assignee",))
        with archive_session() as (session, actor):
            incidents.assign(session, actor, pk, body.get("assignee"))
        notify_after_commit()
        return detail(pk)

    @expose("/<int:pk>/entries", methods=["POST"])
    @protect()
    @safe
    @permission_name(WRITE)
    @refusals_as_json
    def add_entry(self, pk: int) -> Response:
        """Add a line to the timeline (system admin, operator, inspector; also while suspended).
        ---
        post:
          summary: Add to an incident's timeline
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          requestBody:
            required: true
            content: {application/json: {schema: {$ref: '#/components/schemas/IncidentNote'}}}
          responses:
            201:
              description: The incident
              content: {application/json: {schema: {$ref: '#/components/schemas/IncidentDetail'}}}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/Refused'}
            404: {$ref: '#/components/responses/Refused'}
            422: {$ref: '#/components/responses/Refused'}
            503: {$ref: '#/components/responses/Refused'}
        """
        body = known_fields(json_object(), ("text",))
        with archive_session() as (session, actor):
            incidents.add_entry(session, actor, pk, body.get("text"))
        answer = detail(pk)
        answer.status_code = 201
        return answer

    @expose("/<int:pk>/resolve", methods=["POST"])
    @protect()
    @safe
    @permission_name(WRITE)
    @refusals_as_json
    def resolve(self, pk: int) -> Response:
        """Resolve the incident with its resolution.
        ---
        post:
          summary: Resolve an incident
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          requestBody:
            required: true
            content: {application/json: {schema: {$ref: '#/components/schemas/IncidentResolution'}}}
          responses:
            200:
              description: The incident
              content: {application/json: {schema: {$ref: '#/components/schemas/IncidentDetail'}}}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/Refused'}
            404: {$ref: '#/components/responses/Refused'}
            409: {$ref: '#/components/responses/Refused'}
            422: {$ref: '#/components/responses/Refused'}
            503: {$ref: '#/components/responses/Refused'}
        """
        body = known_fields(json_object(), ("resolution",))
        with archive_session() as (session, actor):
            incidents.resolve(session, actor, pk, body.get("resolution"))
        notify_after_commit()
        return detail(pk)

    @expose("/<int:pk>/suspend", methods=["POST"])
    @protect()
    @safe
    @permission_name(WRITE)
    @refusals_as_json
    def suspend(self, pk: int) -> Response:
        """Suspend the platform from this security incident (system admin, on-call operator).
        ---
        post:
          summary: Suspend the platform from a security incident
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          requestBody:
            required: true
            content: {application/json: {schema: {$ref: '#/components/schemas/Reason'}}}
          responses:
            200:
              description: The platform's state
              content: {application/json: {schema: {$ref: '#/components/schemas/PlatformState'}}}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/Refused'}
            404: {$ref: '#/components/responses/Refused'}
            409: {$ref: '#/components/responses/Refused'}
            422: {$ref: '#/components/responses/Refused'}
            503: {$ref: '#/components/responses/Refused'}
        """
        body = known_fields(json_object(), ("reason",))
        with archive_session() as (session, actor):
            state = suspension.suspend(session, actor, body.get("reason") or "", incident=pk).as_dict()
        notify_after_commit()
        return reply(200, state)

    @expose("/resume", methods=["POST"])
    @protect()
    @safe
    @permission_name(WRITE)
    @refusals_as_json
    def resume(self) -> Response:
        """Resume the platform; the reason is recorded (and on the incident's timeline).
        ---
        post:
          summary: Resume the platform
          requestBody:
            required: true
            content: {application/json: {schema: {$ref: '#/components/schemas/Reason'}}}
          responses:
            200:
              description: The platform's state
              content: {application/json: {schema: {$ref: '#/components/schemas/PlatformState'}}}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/Refused'}
            422: {$ref: '#/components/responses/Refused'}
        """
        body = known_fields(json_object(), ("reason",))
        with archive_session() as (session, actor):
            state = suspension.resume(session, actor, body.get("reason") or "").as_dict()
        notify_after_commit()
        return reply(200, state)
