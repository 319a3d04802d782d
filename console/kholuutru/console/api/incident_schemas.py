"""What ``/api/v1/incidents/`` answers and accepts, described for ``/api/v1/_openapi`` (the services validate)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate
from marshmallow_sqlalchemy import SQLAlchemyAutoSchema

from kholuutru.archive import incident_models, incidents


class Incident(SQLAlchemyAutoSchema):
    """An incident: channel, category, severity, status, reporter, assignee and resolution."""

    class Meta:
        model = incident_models.Incident
        include_fk = True

    unit_ids = fields.Function(lambda row: [unit.id for unit in row.units], dump_only=True)


class IncidentEntry(SQLAlchemyAutoSchema):
    """One line of an incident's timeline."""

    class Meta:
        model = incident_models.IncidentEntry
        include_fk = True


class IncidentNotification(SQLAlchemyAutoSchema):
    """One e-mail about the incident and what became of it (pending, sent, failed with the error)."""

    class Meta:
        model = incident_models.IncidentNotification
        include_fk = True
        exclude = ("body",)


class IncidentDetail(Incident):
    """An incident with its timeline and its e-mail notifications."""

    entries = fields.List(fields.Nested(IncidentEntry), dump_only=True)
    notifications = fields.List(fields.Nested(IncidentNotification), dump_only=True)


NewIncident = Schema.from_dict({
    "title": fields.String(required=True, validate=validate.Length(max=200)),
    "description": fields.String(required=True),
    "category": fields.String(required=True, validate=validate.OneOf(list(incidents.CATEGORIES))),
    "severity": fields.String(required=True, validate=validate.OneOf(list(incidents.SEVERITIES))),
    "channel": fields.String(validate=validate.OneOf(list(incidents.CHANNELS)),
                             metadata={"description": "Default online; other channels: the operating unit only."}),
    "reporter_contact": fields.String(validate=validate.Length(max=200)),
    "unit_ids": fields.List(fields.Integer(), metadata={"description": "Affected units."}),
}, name="NewIncident")

IncidentChange = Schema.from_dict({
    "severity": fields.String(validate=validate.OneOf(list(incidents.SEVERITIES))),
    "category": fields.String(validate=validate.OneOf(list(incidents.CATEGORIES))),
    "status": fields.String(validate=validate.OneOf(["open", "investigating"])),
    "unit_ids": fields.List(fields.Integer(), metadata={"description": "Affected units (replaces the list)."}),
}, name="IncidentChange")

IncidentAssignment = Schema.from_dict({
    "assignee": fields.String(required=True, metadata={"description": "Login of a system admin or operator."}),
}, name="IncidentAssignment")

IncidentNote = Schema.from_dict({"text": fields.String(required=True)}, name="IncidentNote")

IncidentResolution = Schema.from_dict({"resolution": fields.String(required=True)}, name="IncidentResolution")

Reason = Schema.from_dict({"reason": fields.String(required=True)}, name="Reason")


class PlatformState(Schema):
    """The platform's suspension state."""

    suspended = fields.Boolean()
    reason = fields.String(allow_none=True)
    since = fields.String(allow_none=True)
    by = fields.String(allow_none=True)
    incident = fields.Integer(allow_none=True)
