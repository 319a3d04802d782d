"""What the REST API answers, as marshmallow schemas: they serialise the archive's objects *and* describe them in
``/api/v1/_openapi``, so the documentation cannot drift from the data.

Row schemas are generated from the archive's SQLAlchemy models (column types and lengths included); composite
answers add what the services compute (allowed actions, submission problems, occupancy…), which the endpoints fill
in. Class names carry no ``Schema`` suffix because FAB registers components under the class name while apispec's
resolver strips the suffix from nested ones: one name for both avoids duplicate components.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields
from marshmallow_sqlalchemy import SQLAlchemyAutoSchema

# The models' foreign keys take their column types from the tables they point at: load those tables first.
from kholuutru.archive import catalogue_models, dossier_models, models
from kholuutru.archive.dossier_lists import STATUS_NAMES
from kholuutru.archive.workflow import STATE_NAMES

from ..i18n import current_language


def _label(names: dict[str, tuple[str, str]], code: str) -> str:
    """A coded value's name in the request's language (the code itself when unknown)."""
    vi, en = names.get(code, (code, code))
    return en if current_language() == "en" else vi


class Refusal(Schema):
    """A refused call: the message in the request's language and the field at fault."""

    message = fields.String(required=True)
    field = fields.String(metadata={"description": "The input field at fault, when one is."})
    errors = fields.List(fields.Nested(lambda: CellError()),
                         metadata={"description": "Dossier-list imports only: every problem of the workbook."})


class CellError(Schema):
    """One problem of an imported workbook, where it is."""

    sheet = fields.String()
    row = fields.Integer()
    column = fields.String(metadata={"description": "Column letter, e.g. B."})
    message = fields.String()


class DocumentFile(SQLAlchemyAutoSchema):
    """One stored version of a document's file (content-addressed, never overwritten)."""

    class Meta:
        model = dossier_models.DocumentFile
        include_fk = True
        exclude = ("object_key",)  # where the bytes sit is the storage's business

    download = fields.Function(lambda row: f"/api/v1/documents/{row.document_id}/files/{row.id}", dump_only=True)


class Document(SQLAlchemyAutoSchema):
    """A document's metadata and its stored files."""

    class Meta:
        model = dossier_models.Document
        include_fk = True

    files = fields.List(fields.Nested(DocumentFile), dump_only=True)


class Dossier(SQLAlchemyAutoSchema):
    """A dossier's codes, metadata, workflow state and times."""

    class Meta:
        model = dossier_models.Dossier
        include_fk = True
        exclude = ("search_content",)  # the documents' text for search: large, and not the dossier's metadata

    state_label = fields.Function(lambda dossier: _label(STATE_NAMES, dossier.state), dump_only=True)


class SubmitProblem(Schema):
    """Something that blocks submission, naming the field (and document) concerned."""

    field = fields.String()
    message = fields.String()


class DossierDetail(Dossier):
    """A dossier with its documents and files, what the caller may do now and, for a draft, what blocks submission."""

    documents = fields.List(fields.Nested(Document), dump_only=True)
    allowed_actions = fields.List(fields.String(), dump_only=True,
                                  metadata={"description": "edit, submit, withdraw, approve, return, archive, correct"})
    submit_problems = fields.List(fields.Nested(SubmitProblem), dump_only=True,
                                  metadata={"description": "Empty when the dossier may be submitted (drafts only)."})


class DossierPage(Schema):
    """One page of the caller's visible dossiers, newest first."""

    count = fields.Integer(metadata={"description": "Dossiers matching the filters, all pages together."})
    page = fields.Integer()
    page_size = fields.Integer()
    result = fields.List(fields.Nested(Dossier))


class Fonds(SQLAlchemyAutoSchema):
    """A fonds (phông lưu trữ) with the fields of TT 02/2019 Phụ lục I."""

    class Meta:
        model = models.Fonds
        include_fk = True


class ListEntry(SQLAlchemyAutoSchema):
    """A planned dossier of an annual list: number and symbol, title, retention."""

    class Meta:
        model = catalogue_models.ListEntry
        include_fk = True


class ListHeading(SQLAlchemyAutoSchema):
    """A heading of an annual list (Roman numerals for large headings, Arabic for sub-headings)."""

    class Meta:
        model = catalogue_models.ListHeading
        include_fk = True


class OutlineNode(Schema):
    """A heading as printed: its own entries, then its sub-headings with theirs."""

    heading = fields.Nested(ListHeading)
    entries = fields.List(fields.Nested(ListEntry))
    children = fields.List(fields.Nested(lambda: OutlineNode()))


class DossierList(SQLAlchemyAutoSchema):
    """A unit's annual dossier list (danh mục hồ sơ)."""

    class Meta:
        model = catalogue_models.DossierList
        include_fk = True

    status_label = fields.Function(lambda row: _label(STATUS_NAMES, row.status), dump_only=True)


class RetentionTotals(Schema):
    """The footer of the printed list."""

    permanent = fields.Integer()
    fixed_term = fields.Integer()


class DossierListDetail(DossierList):
    """A list with its headings and entries in printed order."""

    outline = fields.List(fields.Nested(OutlineNode), dump_only=True)
    totals = fields.Nested(RetentionTotals, dump_only=True)


class Shelf(SQLAlchemyAutoSchema):
    """A shelf (kệ, giá) of a warehouse."""

    class Meta:
        model = catalogue_models.Shelf
        include_fk = True


class Warehouse(SQLAlchemyAutoSchema):
    """A records store room (kho) of a unit."""

    class Meta:
        model = catalogue_models.Warehouse
        include_fk = True


class WarehouseShelves(Warehouse):
    """A warehouse with its shelves."""

    shelves = fields.List(fields.Nested(Shelf), dump_only=True)


class Box(SQLAlchemyAutoSchema):
    """A box (hộp) on a shelf, holding at most ``capacity`` dossiers' paper originals."""

    class Meta:
        model = catalogue_models.Box
        include_fk = True

    label = fields.String(dump_only=True, metadata={"description": "Shelf mark, e.g. Kho K1 / Kệ 03 / Hộp 12."})


class BoxContents(Box):
    """A box with the dossiers whose paper originals are in it."""

    dossiers = fields.List(fields.Nested(Dossier), dump_only=True)


class BoxOccupancy(Schema):
    """How full a box is."""

    box_id = fields.Integer()
    label = fields.String()
    capacity = fields.Integer()
    used = fields.Integer()
    free = fields.Integer()


class Locations(Schema):
    """A unit's records store: warehouses with their shelves, and every box with its occupancy."""

    unit_id = fields.Integer()
    warehouses = fields.List(fields.Nested(WarehouseShelves))
    boxes = fields.List(fields.Nested(BoxOccupancy))


def dump(schema: type[Schema], obj: Any, **extra: Any) -> dict[str, Any]:
    """``obj`` through ``schema``, plus the computed members ``extra`` (already JSON-ready)."""
    return {**schema().dump(obj), **extra}
