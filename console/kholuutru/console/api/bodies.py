"""The request bodies of the REST API, described for ``/api/v1/_openapi``.

These schemas document; they do not validate. The archive's services check every value (and name the field at fault)
so that the API, the console pages and the CLI refuse exactly the same input. The metadata schemas are generated from
the archive's metadata profile (``metadata_profiles``) and the catalogue's from its models, so a field added there is
documented here too.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate
from marshmallow_sqlalchemy import SQLAlchemyAutoSchema

from kholuutru.archive import catalogue_models, models
from kholuutru.archive.metadata_profiles import DOCUMENT_FIELDS, DOSSIER_FIELDS, PROFILES, FieldSpec

DATE_FORMATS = "YYYY-MM-DD or DD/MM/YYYY"


def _field(spec: FieldSpec) -> fields.Field:
    """A marshmallow field describing one metadata field of the profile."""
    described = {"description": f"{spec.label.vi} / {spec.label.en}"}
    if spec.kind == "int":
        return fields.Integer(validate=validate.Range(min=0, max=spec.maximum), metadata=described)
    if spec.kind == "date":
        return fields.String(metadata={**described, "description": f"{described['description']} ({DATE_FORMATS})"})
    if spec.kind == "choice":
        return fields.String(validate=validate.OneOf(spec.vocabulary), metadata=described)
    return fields.String(validate=validate.Length(max=spec.max_length), metadata=described)


def _metadata_fields(specs: dict[str, FieldSpec]) -> dict[str, fields.Field]:
    return {key: _field(spec) for key, spec in specs.items()}


DossierMetadata = Schema.from_dict(_metadata_fields(DOSSIER_FIELDS), name="DossierMetadata")
DocumentMetadata = Schema.from_dict(_metadata_fields(DOCUMENT_FIELDS), name="DocumentMetadata")

NewDossier = Schema.from_dict(
    {
        "year": fields.Integer(required=True, metadata={"description": "Year formed (năm hình thành)."}),
        "list_entry_id": fields.Integer(metadata={"description": "Entry of the unit's approved list for that year: "
                                                                 "gives number and symbol, title and retention."}),
        "unit_id": fields.Integer(metadata={"description": "Default: the caller's unit."}),
        "fonds_id": fields.Integer(metadata={"description": "Default: the unit's only open fonds."}),
        "profile": fields.String(validate=validate.OneOf(list(PROFILES)),
                                 metadata={"description": "Metadata profile; default the current one."}),
        "number_symbol": fields.String(metadata={"description": "Without a list entry (legacy): e.g. 01.TH."}),
        "retention_permanent": fields.Boolean(metadata={"description": "Without a list entry: Vĩnh viễn."}),
        "retention_years": fields.Integer(metadata={"description": "Without a list entry: 1 to 100 years."}),
        **_metadata_fields(DOSSIER_FIELDS),
    },
    name="NewDossier",
)

NewDocument = Schema.from_dict(
    {"dossier_id": fields.Integer(required=True), **_metadata_fields(DOCUMENT_FIELDS)}, name="NewDocument"
)

ReturnRequest = Schema.from_dict(
    {"reason": fields.String(required=True, validate=validate.Length(max=2000))}, name="ReturnRequest"
)

CorrectionRequest = Schema.from_dict(
    {
        "changes": fields.Nested(DossierMetadata, required=True),
        "reason": fields.String(required=True, validate=validate.Length(max=2000)),
    },
    name="CorrectionRequest",
)

BoxPlacement = Schema.from_dict(
    {"box_id": fields.Integer(required=True, allow_none=True,
                              metadata={"description": "A box of the dossier's unit; null takes it out."})},
    name="BoxPlacement",
)


class NewFonds(SQLAlchemyAutoSchema):
    """A fonds to create (TT 02/2019 Phụ lục I); lengths as the table's columns."""

    class Meta:
        model = models.Fonds
        exclude = ("id",)

    unit_id = fields.Integer(metadata={"description": "Default: the caller's unit."})


NewDossierList = Schema.from_dict(
    {"unit_id": fields.Integer(metadata={"description": "Default: the caller's unit."}),
     "year": fields.Integer(required=True)},
    name="NewDossierList",
)

NewHeading = Schema.from_dict(
    {
        "title": fields.String(required=True, validate=validate.Length(max=500)),
        "abbreviation": fields.String(metadata={"description": "e.g. TCCB; numbers are made with it."}),
        "parent_id": fields.Integer(metadata={"description": "A large heading of the list: makes a sub-heading."}),
        "label": fields.String(metadata={"description": "I, II… or 1, 2…; default the next one."}),
    },
    name="NewHeading",
)

NewEntry = Schema.from_dict(
    {
        "heading_id": fields.Integer(required=True),
        "title": fields.String(required=True, validate=validate.Length(max=1000)),
        "retention": fields.String(required=True, metadata={"description": "'Vĩnh viễn' or a number of years."}),
        "responsible_person": fields.String(validate=validate.Length(max=100)),
        "responsible_unit": fields.String(validate=validate.Length(max=200)),
        "note": fields.String(validate=validate.Length(max=500)),
    },
    name="NewEntry",
)

class NewWarehouse(SQLAlchemyAutoSchema):
    """A records store room to create."""

    class Meta:
        model = catalogue_models.Warehouse
        exclude = ("id",)

    unit_id = fields.Integer(metadata={"description": "Default: the caller's unit."})


class NewShelf(SQLAlchemyAutoSchema):
    """A shelf to create in the warehouse of the path."""

    class Meta:
        model = catalogue_models.Shelf
        exclude = ("id",)


class NewBox(SQLAlchemyAutoSchema):
    """A box to create on the shelf of the path."""

    class Meta:
        model = catalogue_models.Box
        exclude = ("id",)
