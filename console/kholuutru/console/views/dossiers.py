"""Dossier pages (Hồ sơ): the list, one dossier with its documents and workflow, and the metadata forms.

A dossier is formed from an entry of the unit's approved annual list (number and symbol, title, retention come from
it), edited while it is a draft, moved through the workflow by the buttons the archive allows
(``dossiers.allowed_actions``), corrected with a reason once archived, and placed in a box. Every rule — who, which
state, which value — is the archive's; these views only carry input to the services and refusals back to the form.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from kholuutru.archive import dossier_lists, dossiers, fonds, locations, retention
from kholuutru.archive.access import Actor, may
from kholuutru.archive.dossier_metadata import profile
from kholuutru.archive.dossier_models import Dossier
from kholuutru.archive.errors import ArchiveError
from kholuutru.archive.metadata_profiles import CURRENT_PROFILE, DOCUMENT_FIELDS, DOSSIER_FIELDS, PROFILES
from kholuutru.archive.workflow import STATE_NAMES

from ..i18n import current_language
from .forms import (
    FieldView,
    FormState,
    chosen_unit,
    display_value,
    file_size,
    form_values,
    in_language,
    metadata_fields,
    retention_text,
    stored_values,
    transaction,
    vocabulary_name,
    whole_number,
)
from .signing import document_actions, kind_name, status_name

PERMISSION = "DossierView"
MENU = "Dossiers"
PAGE_SIZE = 25

PROCEDURE_KEYS = ("procedure_code", "procedure_dossier_code", "applicant", "received_on", "returned_on")
METADATA_KEYS = tuple(key for key in DOSSIER_FIELDS if key != "title")
RETENTION_KEYS = ("retention_permanent", "retention_years")
NEW_KEYS = ("year", "list_entry_id", "fonds_id", "title", *METADATA_KEYS)
NEW_SHOWN = NEW_KEYS[1:]  # the year is chosen above the form (hidden inside it): its refusal goes to the top
EDIT_KEYS = ("title", *RETENTION_KEYS, *METADATA_KEYS)
CORRECT_KEYS = (*EDIT_KEYS, "reason")
# The number and symbol and the retention of a new dossier come from the list entry the user chose.
NEW_ALIASES = {"number_symbol": "list_entry_id", "retention_years": "list_entry_id", "retention": "list_entry_id"}

Workflow = Callable[[Session, Actor, int, Mapping[str, str]], Dossier]
WORKFLOW: dict[str, Workflow] = {
    "submit": lambda session, actor, dossier_id, _: dossiers.submit(session, actor, dossier_id),
    "withdraw": lambda session, actor, dossier_id, _: dossiers.withdraw(session, actor, dossier_id),
    "approve": lambda session, actor, dossier_id, _: dossiers.approve(session, actor, dossier_id),
    "return": lambda session, actor, dossier_id, form: dossiers.return_dossier(
        session, actor, dossier_id, form.get("reason", "")),
    "archive": lambda session, actor, dossier_id, _: dossiers.archive(session, actor, dossier_id),
}


def workflow_done(action: str) -> str:
    """The message after a workflow action went through."""
    return {
        "submit": gettext("The dossier was submitted for approval."),
        "withdraw": gettext("The dossier was withdrawn and is a draft again."),
        "approve": gettext("The dossier was approved."),
        "return": gettext("The dossier was returned to its creator."),
        "archive": gettext("The dossier was archived; it is sealed from now on."),
    }[action]


def state_name(state: str) -> str:
    """The workflow state's name in the user's language (Đang lập, Chờ duyệt, Đã duyệt, Đã lưu trữ)."""
    return in_language(*STATE_NAMES[state]) if state in STATE_NAMES else state


def metadata_value(key: str, value: Any) -> str:
    """A dossier or document value as shown on a page: vocabulary names, dates dd/mm/yyyy."""
    spec = DOSSIER_FIELDS.get(key) or DOCUMENT_FIELDS.get(key)
    if spec is not None and spec.kind == "choice":
        return vocabulary_name(value)
    return display_value(value)


def formed_entries(session: Session, entry_ids: list[int]) -> set[int]:
    """Which of the list entries a dossier was already formed under (their codes are issued; shown as taken)."""
    if not entry_ids:
        return set()
    return set(session.scalars(select(Dossier.list_entry_id).where(Dossier.list_entry_id.in_(entry_ids))))


def dossier_fields(profile_code: str) -> tuple[list[FieldView], list[FieldView]]:
    """(general, procedure) metadata fields of a dossier, mandatory ones marked by its profile."""
    required = profile(profile_code).dossier_required
    fields = metadata_fields(DOSSIER_FIELDS, required, skip=("title",))
    return ([f for f in fields if f.key not in PROCEDURE_KEYS], [f for f in fields if f.key in PROCEDURE_KEYS])


class DossierView(BaseView):
    """The dossier screens; FAB lets every archive role in, the services decide what each may do."""

    route_base = "/dossiers"
    class_permission_name = PERMISSION
    default_view = "index"

    # -- reading ----------------------------------------------------------------------------------------------------

    @expose("/")
    @has_access
    @permission_name("read")
    def index(self) -> str:
        """The dossiers the user may see, newest first, searched by title or code and filtered by state and year."""
        search = request.args.get("q", "").strip()
        state = request.args.get("state", "")
        state = state if state in STATE_NAMES else ""
        year = whole_number(request.args.get("year"))
        page = max(whole_number(request.args.get("page")) or 1, 1)
        with transaction() as (session, actor):
            rows, total = dossiers.list_dossiers(session, actor, state=state or None, year=year,
                                                 search=search or None, limit=PAGE_SIZE,
                                                 offset=(page - 1) * PAGE_SIZE)
            return self.render_template(
                "kholuutru/dossiers.html", dossiers=rows, total=total, page=page,
                pages=max(math.ceil(total / PAGE_SIZE), 1), search=search, state=state, year=year or "",
                states=[(code, state_name(code)) for code in STATE_NAMES], state_name=state_name,
                may_form=actor.unit_id is not None and may(actor, "dossier.form", actor.unit_id),
            )

    @expose("/<int:dossier_id>")
    @has_access
    @permission_name("read")
    def show(self, dossier_id: int) -> str | tuple[str, int]:
        """One dossier: codes, metadata, state, box, documents and files, and the actions allowed now."""
        return self.dossier_page(dossier_id)

    def dossier_page(self, dossier_id: int, forms: dict[str, FormState] | None = None,
                     status: int = 200) -> tuple[str, int]:
        """The dossier page, with ``forms`` (by action) re-shown after a refusal."""
        with transaction() as (session, actor):
            dossier = dossiers.get_dossier(session, actor, dossier_id)
            allowed = dossiers.allowed_actions(actor, dossier)
            box = locations.get_box(session, actor, dossier.box_id) if dossier.box_id else None
            places = may(actor, "dossier.place", dossier.unit_id)
            page = self.render_template(
                "kholuutru/dossier.html", dossier=dossier, allowed=allowed, state_name=state_name,
                problems=dossiers.can_submit(dossier) if dossier.state == "draft" else [],
                box_label=locations.box_label(box) if box else None,
                boxes=locations.occupancy(session, actor, dossier.unit_id) if places else [], places=places,
                metadata=[(f.label, metadata_value(f.key, getattr(dossier, f.key))) for f in
                          metadata_fields(DOSSIER_FIELDS)],
                document_fields=metadata_fields(DOCUMENT_FIELDS), metadata_value=metadata_value,
                retention=retention_text(dossier.retention_permanent, dossier.retention_years),
                profile_name=PROFILES[dossier.profile].name if dossier.profile in PROFILES else dossier.profile,
                forms=forms or {}, empty_form=FormState(), display_value=display_value, file_size=file_size,
                in_language=in_language, doc_actions=document_actions(session, actor, dossier),
                status_name=status_name, kind_name=kind_name, retention_expiry=retention.expiry_date(dossier),
                may_hold=may(actor, "dossier.legal_hold", dossier.unit_id),
            )
            return page, status

    # -- forming a dossier ------------------------------------------------------------------------------------------

    @expose("/new", methods=["GET", "POST"])
    @has_access
    @permission_name("write")
    def new(self) -> Response | str | tuple[str, int]:
        """Form a dossier from an entry of the unit's approved annual list for the year, with its metadata."""
        if request.method == "GET":
            return self.new_form(FormState(values={"year": request.args.get("year", "")}))
        values = form_values(NEW_KEYS)
        try:
            with transaction() as (session, actor):
                unit = chosen_unit(session, actor)
                dossier = dossiers.create_dossier(
                    session, actor, unit_id=unit.unit_id, year=values["year"],
                    list_entry_id=whole_number(values["list_entry_id"]), title=values["title"] or None,
                    fonds_id=whole_number(values["fonds_id"]),
                    metadata={key: values[key] for key in METADATA_KEYS},
                )
                created = dossier.id, dossier.code
        except ArchiveError as error:
            return self.new_form(FormState.after(error, values, NEW_SHOWN, NEW_ALIASES), error.http_status)
        flash(gettext("Dossier %(code)s was formed.", code=created[1]), "success")
        return redirect(url_for(".show", dossier_id=created[0]))

    def new_form(self, form: FormState, status: int = 200) -> tuple[str, int]:
        """The new-dossier form for the chosen year: the list's entries (taken ones disabled) and the fonds."""
        year = whole_number(form.values.get("year")) or dt.date.today().year
        with transaction() as (session, actor):
            unit = chosen_unit(session, actor)
            try:
                entries = dossier_lists.entries_for_new_dossier(session, actor, unit.unit_id, year)
                entries_error = None
            except ArchiveError as error:
                entries, entries_error = [], error.message(current_language())
            general, procedure = dossier_fields(CURRENT_PROFILE)
            page = self.render_template(
                "kholuutru/dossier_form.html", mode="new", form=form, year=year, unit=unit,
                entries=entries, taken=formed_entries(session, [entry.id for entry in entries]),
                entries_error=entries_error, retention_text=retention_text,
                fonds=fonds.unit_fonds(session, actor, unit.unit_id),
                general_fields=general, procedure_fields=procedure, dossier=None,
            )
            return page, status

    # -- editing a draft, correcting an archived dossier ------------------------------------------------------------

    @expose("/<int:dossier_id>/edit", methods=["GET", "POST"])
    @has_access
    @permission_name("write")
    def edit(self, dossier_id: int) -> Response | str | tuple[str, int]:
        """Change a draft's title, retention and metadata (codes never change)."""
        if request.method == "GET":
            return self.metadata_form(dossier_id, "edit")
        values = form_values(EDIT_KEYS)
        try:
            with transaction() as (session, actor):
                dossiers.update_dossier(session, actor, dossier_id, changes(values))
        except ArchiveError as error:
            return self.metadata_form(dossier_id, "edit", FormState.after(error, values, EDIT_KEYS),
                                      error.http_status)
        flash(gettext("The dossier's metadata was saved."), "success")
        return redirect(url_for(".show", dossier_id=dossier_id))

    @expose("/<int:dossier_id>/correct", methods=["GET", "POST"])
    @has_access
    @permission_name("write")
    def correct(self, dossier_id: int) -> Response | str | tuple[str, int]:
        """Correct an archived dossier's metadata, with a reason: the only change after sealing, kept as a diff."""
        if request.method == "GET":
            return self.metadata_form(dossier_id, "correct")
        values = form_values(CORRECT_KEYS)
        try:
            with transaction() as (session, actor):
                dossiers.correct(session, actor, dossier_id, changes(values), values["reason"])
        except ArchiveError as error:
            return self.metadata_form(dossier_id, "correct", FormState.after(error, values, CORRECT_KEYS),
                                      error.http_status)
        flash(gettext("The correction was recorded with its reason."), "success")
        return redirect(url_for(".show", dossier_id=dossier_id))

    def metadata_form(self, dossier_id: int, mode: str, form: FormState | None = None,
                      status: int = 200) -> Response | tuple[str, int]:
        """The edit or correction form, filled from the dossier unless re-shown after a refusal."""
        with transaction() as (session, actor):
            dossier = dossiers.get_dossier(session, actor, dossier_id)
            if form is None and mode not in dossiers.allowed_actions(actor, dossier):
                flash(gettext("This action is not available for this dossier now."), "warning")
                return redirect(url_for(".show", dossier_id=dossier_id))
            if form is None:
                values = stored_values(dossier, ("title", *METADATA_KEYS))
                values.update(retention_permanent="on" if dossier.retention_permanent else "",
                              retention_years=display_value(dossier.retention_years))
                form = FormState(values=values)
            general, procedure = dossier_fields(dossier.profile)
            page = self.render_template(
                "kholuutru/dossier_form.html", mode=mode, form=form, dossier=dossier,
                general_fields=general, procedure_fields=procedure,
            )
            return page, status

    # -- workflow and place -----------------------------------------------------------------------------------------

    @expose("/<int:dossier_id>/workflow/<action>", methods=["POST"])
    @has_access
    @permission_name("write")
    def workflow(self, dossier_id: int, action: str) -> Response | tuple[str, int]:
        """Submit, withdraw, approve, return (with a reason) or archive; the service checks role and state."""
        call = WORKFLOW.get(action)
        if call is None:
            abort(404)
        values = form_values(("reason",))
        try:
            with transaction() as (session, actor):
                call(session, actor, dossier_id, values)
        except ArchiveError as error:
            return self.dossier_page(dossier_id, {action: FormState.after(error, values, ("reason",))},
                                     error.http_status)
        flash(workflow_done(action), "success")
        if request.form.get("back") == "queue":
            return redirect(url_for("ApprovalQueueView.index"))
        return redirect(url_for(".show", dossier_id=dossier_id))

    @expose("/<int:dossier_id>/place", methods=["POST"])
    @has_access
    @permission_name("write")
    def place(self, dossier_id: int) -> Response | tuple[str, int]:
        """Record the box the dossier's paper original is in (an empty choice takes it out of its box)."""
        values = form_values(("box_id",))
        try:
            with transaction() as (session, actor):
                dossier = locations.place_dossier(session, actor, dossier_id, values["box_id"])
                placed = dossier.box_id is not None
        except ArchiveError as error:
            return self.dossier_page(dossier_id, {"place": FormState.after(error, values, ("box_id",))},
                                     error.http_status)
        flash(gettext("The dossier was placed in the box.") if placed else
              gettext("The dossier was taken out of its box."), "success")
        return redirect(url_for(".show", dossier_id=dossier_id))


def changes(values: Mapping[str, str]) -> dict[str, str]:
    """The metadata a dossier form sends to ``update_dossier``/``correct``, as typed (the service cleans it)."""
    return {key: values[key] for key in ("title", *RETENTION_KEYS, *METADATA_KEYS)}
