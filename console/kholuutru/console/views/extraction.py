"""Extraction pages (bóc tách, regulation Đ16.2): templates per procedure, and proposed values staff confirm.

A unit admin lists, per administrative procedure, the result fields to extract and how to find each in the OCR text
(a printed label the value follows, or a regular expression). On a digitised document, records staff run a template
(``extraction.propose``), see the proposed values in a form, correct what OCR misread and confirm
(``extraction.confirm``), which stores the values, audits the corrections and issues the result code shown after.
"""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_babel import gettext
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from kholuutru.archive import dossiers, extraction
from kholuutru.archive.access import Actor, may
from kholuutru.archive.errors import ArchiveError
from kholuutru.archive.extraction_models import Extraction, ExtractionTemplate

from ..context import console_context
from .forms import FormState, chosen_unit, form_values, transaction, whole_number

PERMISSION = "ExtractionView"
MENU = "Extraction templates"
ROWS = 6
"""Empty field rows of the new-template form (a template rarely needs more; a second template can follow)."""
PARTS = ("key", "label", "type", "rule_kind", "rule")
ROW_KEYS = tuple(f"fields[{row}].{part}" for row in range(ROWS) for part in PARTS)
TEMPLATE_KEYS = ("procedure_code", "name", *ROW_KEYS)
TEMPLATE_ALIASES = {f"fields[{row}].{name}": f"fields[{row}].rule" for row in range(ROWS)
                    for name in ("pattern", "anchor")}


def template_fields(values: dict[str, str]) -> list[dict[str, str]]:
    """The filled rows of the form as the service's field list (a row with no key at all is left out)."""
    fields = []
    for row in range(ROWS):
        part = {name: values[f"fields[{row}].{name}"].strip() for name in PARTS}
        if not any(part[name] for name in ("key", "label", "rule")):
            continue
        rule = "pattern" if part["rule_kind"] == "pattern" else "anchor"
        fields.append({"key": part["key"], "label": part["label"], "type": part["type"], rule: part["rule"]})
    return fields


class ExtractionView(BaseView):
    """Extraction templates of a unit, and running one on a document."""

    route_base = "/extraction"
    class_permission_name = PERMISSION
    default_view = "templates"

    @expose("/templates/", methods=["GET", "POST"])
    @has_access
    @permission_name("read")
    def templates(self) -> Response | tuple[str, int]:
        """The unit's templates, and the form a unit admin adds one with."""
        if request.method == "GET":
            return self.templates_page(FormState(values={f"fields[{row}].type": "text" for row in range(ROWS)}))
        values = form_values(TEMPLATE_KEYS)
        try:
            with transaction() as (session, actor):
                template = extraction.create_template(
                    session, actor, unit_id=chosen_unit(session, actor).unit_id,  # ?unit= for province-wide roles
                    procedure_code=values["procedure_code"], name=values["name"], fields=template_fields(values))
                code = template.procedure_code
        except ArchiveError as error:
            form = FormState.after(error, values, TEMPLATE_KEYS, TEMPLATE_ALIASES)
            return self.templates_page(form, error.http_status)
        flash(gettext("The extraction template for procedure %(code)s was saved.", code=code), "success")
        return redirect(url_for(".templates"))

    def templates_page(self, form: FormState, status: int = 200) -> tuple[str, int]:
        with transaction() as (session, actor):
            unit = chosen_unit(session, actor)
            page = self.render_template(
                "kholuutru/extraction_templates.html", templates=extraction.templates(session, actor), form=form,
                rows=range(ROWS), types=extraction.FIELD_TYPES, unit=unit,
                may_manage=may(actor, "extraction_templates.manage", unit.unit_id),
            )
            return page, status

    @expose("/documents/<int:document_id>", methods=["GET", "POST"])
    @has_access
    @permission_name("write")
    def extract(self, document_id: int) -> Response | tuple[str, int]:
        """Choose a template and run it on the document's OCR text."""
        if request.method == "GET":
            return self.choose_page(document_id, FormState())
        values = form_values(("template_id",))
        try:
            with transaction() as (session, actor):
                proposal = extraction.propose(session, actor, document_id=document_id,
                                              template_id=whole_number(values["template_id"]) or 0)
                extraction_id = proposal.id
        except ArchiveError as error:
            return self.choose_page(document_id, FormState.after(error, values, ("template_id",),
                                                                 {"document_id": "template_id"}), error.http_status)
        return redirect(url_for(".confirm", extraction_id=extraction_id))

    def choose_page(self, document_id: int, form: FormState, status: int = 200) -> tuple[str, int]:
        with transaction() as (session, actor):
            document = dossiers.get_document(session, actor, document_id)
            page = self.render_template(
                "kholuutru/extract.html", document=document, dossier=document.dossier, form=form,
                templates=[t for t in extraction.templates(session, actor) if t.unit_id == document.unit_id],
            )
            return page, status

    @expose("/<int:extraction_id>", methods=["GET", "POST"])
    @has_access
    @permission_name("write")
    def confirm(self, extraction_id: int) -> Response | tuple[str, int]:
        """The proposed (or confirmed) values in a form; sending it confirms them, corrections included."""
        if request.method == "GET":
            return self.values_page(extraction_id, None)
        with transaction() as (session, actor):
            keys = [spec["key"] for spec in self.load(session, actor, extraction_id)[1].fields]
        values = {key: request.form.get(f"values.{key}", "") for key in keys}
        try:
            with transaction() as (session, actor):
                code = extraction.confirm(session, actor, console_context().settings, extraction_id, values)\
                    .result_code
        except ArchiveError as error:
            shown = {f"values.{key}": value for key, value in values.items()}
            return self.values_page(extraction_id, FormState.after(error, shown, shown), error.http_status)
        flash(gettext("The values were confirmed; result code %(code)s.", code=code), "success")
        return redirect(url_for(".confirm", extraction_id=extraction_id))

    @staticmethod
    def load(session: Session, actor: Actor, extraction_id: int) -> tuple[Extraction, ExtractionTemplate]:
        """An extraction the actor may see (row-level security hides the others) and its template."""
        row = session.get(Extraction, extraction_id)
        if row is None or not actor.sees_unit(row.unit_id):
            abort(404)
        return row, session.get(ExtractionTemplate, row.template_id)

    def values_page(self, extraction_id: int, form: FormState | None, status: int = 200) -> tuple[str, int]:
        with transaction() as (session, actor):
            row, template = self.load(session, actor, extraction_id)
            document = dossiers.get_document(session, actor, row.document_id)
            if form is None:
                stored = row.values if row.state == "confirmed" else row.proposed
                form = FormState(values={f"values.{key}": value for key, value in (stored or {}).items()})
            page = self.render_template("kholuutru/extraction.html", extraction=row, extraction_template=template,
                                        document=document, dossier=document.dossier, form=form)
            return page, status
