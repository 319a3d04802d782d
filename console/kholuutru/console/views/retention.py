"""Retention and destruction pages (Thời hạn lưu trữ, tiêu hủy): a unit's dossiers due for review, its destruction
batches step by step (proposal → council appraisal → decision → destruction), the tombstones of what was destroyed,
and the province's retention schedule.

Which step each person may take is the archive's (``retention``, ``destruction`` and the rights table); these views
carry input to the services and refusals back to the form, with the input kept.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_babel import gettext, lazy_gettext
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from kholuutru.archive import destruction, retention, rights
from kholuutru.archive.access import Actor, may
from kholuutru.archive.errors import ArchiveError

from ..context import console_context
from ..i18n import current_language
from .forms import FieldView, FormState, chosen_unit, display_value, form_values, in_language, transaction

MENU = "Retention"
SCHEDULE_KEYS = ("code", "group_name", "title", "permanent", "years")
APPRAISAL_KEYS = ("council_members", "council_minutes_number", "council_date", "council_opinion")
STEP_KEYS = {
    "appraise": APPRAISAL_KEYS,
    "approve": ("decision_number", "decision_date"),
    "reject": ("reason",),
    "destroy": ("destruction_minutes_number",),
}
BATCH_STATES = {
    "proposed": lazy_gettext("Proposed"),
    "appraised": lazy_gettext("Appraised by the council"),
    "approved": lazy_gettext("Destruction decided"),
    "rejected": lazy_gettext("Not approved"),
    "destroyed": lazy_gettext("Destroyed"),
}

Step = Callable[[Session, Actor, int, dict[str, str]], Any]
STEPS: dict[str, Step] = {
    "appraise": lambda session, actor, batch_id, values: destruction.record_appraisal(session, actor, batch_id,
                                                                                     values),
    "approve": lambda session, actor, batch_id, values: destruction.approve(
        session, actor, batch_id, values["decision_number"], values["decision_date"]),
    "reject": lambda session, actor, batch_id, values: destruction.reject(session, actor, batch_id,
                                                                          values["reason"]),
    "destroy": lambda session, actor, batch_id, values: destruction.destroy(
        session, actor, console_context().storage, batch_id, values["destruction_minutes_number"]),
}
STEP_RIGHTS = {"appraise": "retention.record_appraisal", "approve": "destruction.approve",
               "reject": "destruction.approve", "destroy": "destruction.execute"}
STEP_FROM = {"appraise": ("proposed",), "approve": ("appraised",), "reject": ("proposed", "appraised"),
             "destroy": ("approved",)}


def permissions_of_role(code: str) -> list[tuple[str, str]]:
    """The menu entry for the roles that review retention or manage the schedule."""
    holders = rights.holders("retention.review") | rights.holders("retention_schedule.manage")
    return [(MENU, "menu_access")] if code in holders else []


def step_fields() -> dict[str, list[FieldView]]:
    """The form fields of each step, labelled in the user's language."""
    return {
        "appraise": [FieldView("council_members", gettext("Council members"), "textarea", True),
                     FieldView("council_minutes_number", gettext("Council minutes number"), "text", True),
                     FieldView("council_date", gettext("Council meeting date"), "date", True),
                     FieldView("council_opinion", gettext("Appraisal opinion"), "textarea", True)],
        "approve": [FieldView("decision_number", gettext("Decision number"), "text", True),
                    FieldView("decision_date", gettext("Decision date"), "date", True)],
        "reject": [FieldView("reason", gettext("Reason for rejection"), "textarea", True)],
        "destroy": [FieldView("destruction_minutes_number", gettext("Destruction minutes number"), "text", True)],
    }


def period_text(dossier: Any) -> str:
    return in_language(*retention.period_label(dossier))


class RetentionView(BaseView):
    """Review, destruction batches and the retention schedule."""

    route_base = "/retention"
    default_view = "index"

    @expose("/")
    def index(self, form: FormState | None = None, status: int = 200) -> tuple[str, int]:
        """The unit's dossiers due for review (with the proposal form) and its destruction batches."""
        with transaction() as (session, actor):
            unit = chosen_unit(session, actor)
            due = retention.due_for_review(session, actor, unit.unit_id)
            page = self.render_template(
                "kholuutru/retention.html", unit=unit, due=due, form=form or FormState(),
                batches=destruction.list_batches(session, actor, unit.unit_id),
                tombstones=destruction.tombstones(session, actor, unit.unit_id),
                may_propose=may(actor, "retention.propose_destruction", unit.unit_id),
                may_manage_schedule=may(actor, "retention_schedule.manage"),
                batch_states=BATCH_STATES, display_value=display_value, period_text=period_text,
                selected={str(value) for value in request.form.getlist("dossier_ids")},
            )
            return page, status

    @expose("/propose", methods=["POST"])
    def propose(self) -> Response | tuple[str, int]:
        """Propose the checked dossiers for destruction, with the explanatory note."""
        values = form_values(("note",))
        ids = [int(value) for value in request.form.getlist("dossier_ids") if value.isdigit()]
        try:
            with transaction() as (session, actor):
                unit = chosen_unit(session, actor)
                batch_id = destruction.propose(session, actor, unit.unit_id, ids, values["note"]).id
        except ArchiveError as error:
            return self.index(FormState.after(error, values, ("note", "dossier_ids")), error.http_status)
        flash(gettext("Destruction batch %(id)s was proposed.", id=batch_id), "success")
        return redirect(url_for(".batch", batch_id=batch_id))

    @expose("/batches/<int:batch_id>")
    def batch(self, batch_id: int, forms: dict[str, FormState] | None = None, status: int = 200) -> tuple[str, int]:
        """One batch: its dossiers, the steps done, and the form of each step the actor may take now."""
        with transaction() as (session, actor):
            batch = destruction.get_batch(session, actor, batch_id)
            steps = [step for step, states in STEP_FROM.items()
                     if batch.state in states and may(actor, STEP_RIGHTS[step], batch.unit_id)]
            page = self.render_template(
                "kholuutru/destruction_batch.html", batch=batch, steps=steps, fields=step_fields(),
                forms=forms or {}, empty_form=FormState(), batch_states=BATCH_STATES, display_value=display_value,
                expiry=retention.expiry_date, period_text=period_text,
            )
            return page, status

    @expose("/batches/<int:batch_id>/<step>", methods=["POST"])
    def step(self, batch_id: int, step: str) -> Response | tuple[str, int]:
        """Take one step of a batch's workflow."""
        if step not in STEPS:
            return self.batch(batch_id)
        values = form_values(STEP_KEYS[step])
        try:
            with transaction() as (session, actor):
                STEPS[step](session, actor, batch_id, values)
        except ArchiveError as error:
            return self.batch(batch_id, {step: FormState.after(error, values, STEP_KEYS[step])}, error.http_status)
        flash(gettext("The step was recorded."), "success")
        return redirect(url_for(".batch", batch_id=batch_id))

    @expose("/dossiers/<int:dossier_id>/hold", methods=["POST"])
    def legal_hold(self, dossier_id: int) -> Response:
        """Place or lift a dossier's legal hold, with the reason; refusals are flashed on the dossier page."""
        values = form_values(("action", "reason"))
        change = retention.lift_legal_hold if values["action"] == "lift" else retention.set_legal_hold
        try:
            with transaction() as (session, actor):
                change(session, actor, dossier_id, values["reason"])
        except ArchiveError as error:
            flash(error.message(current_language()), "danger")
        else:
            flash(gettext("The legal hold was lifted.") if values["action"] == "lift"
                  else gettext("The dossier is on legal hold."), "success")
        return redirect(url_for("DossierView.show", dossier_id=dossier_id))

    @expose("/schedule", methods=["GET", "POST"])
    def schedule(self) -> Response | tuple[str, int]:
        """The retention schedule (TT 10/2022 groups); the system administrator adds and changes groups."""
        form, status = FormState(), 200
        if request.method == "POST":
            values = form_values(SCHEDULE_KEYS)
            try:
                with transaction() as (session, actor):
                    retention.save_group(session, actor, values)
            except ArchiveError as error:
                form, status = FormState.after(error, values, SCHEDULE_KEYS), error.http_status
            else:
                flash(gettext("The retention schedule was saved."), "success")
                return redirect(url_for(".schedule"))
        with transaction() as (session, actor):
            page = self.render_template(
                "kholuutru/retention_schedule.html", groups=retention.list_groups(session), form=form,
                may_manage=may(actor, "retention_schedule.manage"),
                fields=[FieldView("code", gettext("Group code"), "text", True),
                        FieldView("group_name", gettext("Records group"), "text", True),
                        FieldView("title", gettext("Records description"), "textarea", True),
                        FieldView("years", gettext("Retention (years)"), "int")],
            )
            return page, status
