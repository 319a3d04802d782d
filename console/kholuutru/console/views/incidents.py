"""Sự cố (incidents, regulation Đ10): the report form for everyone, and the operating unit's handling screens.

Anyone signed in reports an incident through the online form. The operating unit (system admin, on-call operator)
sees every incident, assigns it, changes its severity or status, names the affected units, resolves it, and — from a
security incident — suspends the platform and later resumes it. Inspectors read and write on the timeline.

Every action is one archive service call; e-mails queued by the change are sent after it commits
(``notify_after_commit``). While suspended, the suspension guard refuses every write before a view runs, except the
two listed in ``WRITABLE_WHILE_SUSPENDED``: a timeline entry by those who investigate, and resuming.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_babel import gettext
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from kholuutru.archive import incidents, suspension
from kholuutru.archive.access import Actor, may
from kholuutru.archive.errors import ArchiveError
from kholuutru.archive.incident_records import ENTRY_KINDS
from kholuutru.archive.models import Unit

from ..i18n import current_language
from ..notifications import notify_after_commit
from .forms import FormState, form_values, in_language, transaction

PERMISSION = "IncidentView"
MENU = "Incidents"
WRITABLE_WHILE_SUSPENDED = frozenset({"IncidentView.entry", "IncidentView.resume"})
REPORT_KEYS = ("title", "description", "category", "severity", "channel", "reporter_contact")


VOCABULARIES = {"channels": incidents.CHANNELS, "categories": incidents.CATEGORIES,
                "severities": incidents.SEVERITIES, "statuses": incidents.STATUSES}


def vocabularies() -> dict[str, list[tuple[str, str]]]:
    """The coded values of an incident with their names in the user's language, for selects and labels."""
    language = current_language()
    return {kind: [(code, incidents.name_of(names, code, language)) for code in names]
            for kind, names in VOCABULARIES.items()}


def name_of(kind: str, code: str | None) -> str:
    """The name of one coded value (``kind`` is a key of ``VOCABULARIES``) in the user's language."""
    return incidents.name_of(VOCABULARIES[kind], code, current_language())


class IncidentView(BaseView):
    """The incident list, the report form and one incident's page with its actions."""

    route_base = "/incidents"
    class_permission_name = PERMISSION
    default_view = "index"

    @expose("/")
    @has_access
    @permission_name("read")
    def index(self) -> str:
        status = request.args.get("status") or None
        with transaction() as (session, actor):
            rows = incidents.listing(session, actor, status=status if status in incidents.STATUSES else None)
            return self.render_template("kholuutru/incidents.html", incidents=rows, status=status,
                                        name_of=name_of, may_view_all=may(actor, "incident.view"),
                                        **vocabularies())

    @expose("/report", methods=["GET", "POST"])
    @has_access
    @permission_name("write")
    def report(self) -> Response | tuple[str, int]:
        """The online report form (channel ``online``; the operating unit may pick another channel)."""
        if request.method == "GET":
            return self.report_page(FormState(values={"channel": "online", "severity": "medium"}))
        values = form_values(REPORT_KEYS)
        try:
            with transaction() as (session, actor):
                created = incidents.report(session, actor, unit_ids=request.form.getlist("unit_ids"), **values)
                incident_id = created.id
        except ArchiveError as error:
            return self.report_page(FormState.after(error, values, (*REPORT_KEYS, "unit_ids")), error.http_status)
        notify_after_commit()
        flash(gettext("Incident #%(id)s was reported.", id=incident_id), "success")
        return redirect(url_for(".show", incident_id=incident_id))

    def report_page(self, form: FormState, status: int = 200) -> tuple[str, int]:
        with transaction() as (session, actor):
            units = session.query(Unit).order_by(Unit.code).all()
            page = self.render_template("kholuutru/incident_report.html", form=form, units=units,
                                        may_pick_channel=may(actor, "incident.manage"), **vocabularies())
            return page, status

    @expose("/<int:incident_id>")
    @has_access
    @permission_name("read")
    def show(self, incident_id: int) -> str:
        with transaction() as (session, actor):
            incident = incidents.get(session, actor, incident_id)
            state = suspension.current_state(session)
            return self.render_template(
                "kholuutru/incident.html", incident=incident, assignee=incidents.assignee_of(session, incident),
                handlers=incidents.handlers(session), units=session.query(Unit).order_by(Unit.code).all(),
                platform=state, may_manage=may(actor, "incident.manage"),
                may_note=may(actor, "incident.timeline"), may_suspend=may(actor, "platform.suspend"),
                name_of=name_of, entry_kinds={kind: in_language(*names) for kind, names in ENTRY_KINDS.items()},
                **vocabularies(),
            )

    def act(self, incident_id: int, action: Callable[[Session, Actor], object], done: str) -> Response:
        """Run one service call on the incident, then back to its page with the outcome (or the refusal)."""
        try:
            with transaction() as (session, actor):
                action(session, actor)
        except ArchiveError as error:
            flash(error.message(current_language()), "danger")
        else:
            notify_after_commit()
            flash(done, "success")
        return redirect(url_for(".show", incident_id=incident_id))

    @expose("/<int:incident_id>/assign", methods=["POST"])
    @has_access
    @permission_name("write")
    def assign(self, incident_id: int) -> Response:
        return self.act(incident_id, lambda session, actor: incidents.assign(
            session, actor, incident_id, request.form.get("assignee")), gettext("The incident was assigned."))

    @expose("/<int:incident_id>/update", methods=["POST"])
    @has_access
    @permission_name("write")
    def update(self, incident_id: int) -> Response:
        return self.act(incident_id, lambda session, actor: incidents.update(
            session, actor, incident_id, severity=request.form.get("severity"), status=request.form.get("status"),
            category=request.form.get("category")), gettext("The incident was changed."))

    @expose("/<int:incident_id>/units", methods=["POST"])
    @has_access
    @permission_name("write")
    def units(self, incident_id: int) -> Response:
        return self.act(incident_id, lambda session, actor: incidents.link_units(
            session, actor, incident_id, request.form.getlist("unit_ids")),
            gettext("The affected units were saved."))

    @expose("/<int:incident_id>/entry", methods=["POST"])
    @has_access
    @permission_name("write")
    def entry(self, incident_id: int) -> Response:
        return self.act(incident_id, lambda session, actor: incidents.add_entry(
            session, actor, incident_id, request.form.get("text")), gettext("The timeline entry was added."))

    @expose("/<int:incident_id>/resolve", methods=["POST"])
    @has_access
    @permission_name("write")
    def resolve(self, incident_id: int) -> Response:
        return self.act(incident_id, lambda session, actor: incidents.resolve(
            session, actor, incident_id, request.form.get("resolution")), gettext("The incident was resolved."))

    @expose("/<int:incident_id>/suspend", methods=["POST"])
    @has_access
    @permission_name("write")
    def suspend(self, incident_id: int) -> Response:
        """Suspend the platform from this (security) incident."""
        return self.act(incident_id, lambda session, actor: suspension.suspend(
            session, actor, request.form.get("reason") or "", incident=incident_id),
            gettext("The platform is suspended."))

    @expose("/<int:incident_id>/resume", methods=["POST"])
    @has_access
    @permission_name("write")
    def resume(self, incident_id: int) -> Response:
        """Resume the platform (suspended from this incident); the reason goes on its timeline."""
        return self.act(incident_id, lambda session, actor: suspension.resume(
            session, actor, request.form.get("reason") or ""), gettext("The platform was resumed."))
