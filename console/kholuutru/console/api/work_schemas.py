"""What the signing, digitisation and extraction endpoints answer, as marshmallow schemas (also their OpenAPI
description). Kept apart from ``schemas`` so each module stays small; the same naming rule applies (no suffix)."""

from __future__ import annotations

from marshmallow import Schema, fields
from marshmallow_sqlalchemy import SQLAlchemyAutoSchema

# The models' foreign keys take their column types from the tables they point at: load those tables first.
from kholuutru.archive import digitisation_models, dossier_models, extraction_models, models, signature_models  # noqa: F401

from .schemas import DocumentFile


class SignatureCheck(SQLAlchemyAutoSchema):
    """The latest validation of one signature of a file version (or ``unsigned`` for a file without one)."""

    class Meta:
        model = signature_models.SignatureValidation
        include_fk = True


class Signatures(Schema):
    """A document's current file and the validation of each of its signatures."""

    document_id = fields.Integer()
    file = fields.Nested(DocumentFile, allow_none=True)
    checks = fields.List(fields.Nested(SignatureCheck))


class Job(SQLAlchemyAutoSchema):
    """A background job with its progress (0–100) and a message people can read."""

    class Meta:
        model = digitisation_models.Job
        include_fk = True
        exclude = ("payload",)


class Finding(Schema):
    """One technical requirement a scan misses (flagged, not refused)."""

    field = fields.String()
    message_vi = fields.String()
    message_en = fields.String()
    page = fields.Integer(allow_none=True)


class DigitisationRequest(Schema):
    """A queued digitisation: its id, the job that runs it, and what the scan check found."""

    id = fields.Integer()
    document_id = fields.Integer()
    job_id = fields.Integer()
    state = fields.String()
    findings = fields.List(fields.Nested(Finding))
    job = fields.String(metadata={"description": "URL of the job's progress."})


class ExtractionTemplate(SQLAlchemyAutoSchema):
    """Which result fields of one procedure to extract, and how to find each in the OCR text."""

    class Meta:
        model = extraction_models.ExtractionTemplate
        include_fk = True


class Extraction(SQLAlchemyAutoSchema):
    """Values extracted from a document: ``proposed`` by the template, ``values`` once staff confirmed them."""

    class Meta:
        model = extraction_models.Extraction
        include_fk = True


class ProposeRequest(Schema):
    """Which template to run on the document."""

    template_id = fields.Integer(required=True)


class ConfirmRequest(Schema):
    """The values staff confirm, by field key; a field left out keeps its proposed value."""

    values = fields.Dict(keys=fields.String(), required=True)
