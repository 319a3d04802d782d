"""Access request pages (Khai thác): the catalogue and one's own requests, the request form on an archived dossier,
the unit head's queue, the granted dossier with its watermarked downloads, and the access report.

Who may ask, decide, read and report is the archive's (``access_requests``, ``access_report``); a granted dossier is
opened only through the request, so its expiry is checked on every view and download.
"""

from __future__ import annotations

import datetime as dt
import io

from flask import Response as FlaskResponse
from flask import flash, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose
from flask_babel import gettext, lazy_gettext
from werkzeug.wrappers import Response

from kholuutru.archive import access_report, access_requests, rights
from kholuutru.archive.access import may
from kholuutru.archive.errors import ArchiveError

from ..context import console_context
from ..i18n import current_language
from .forms import FieldView, FormState, chosen_unit, display_value, file_size, form_values, transaction

MENU = "AccessRequests"
REQUEST_KEYS = ("purpose", "wanted_from", "wanted_until")
REQUEST_STATES = {"pending": lazy_gettext("Awaiting approval"), "approved": lazy_gettext("Approved"),
                  "refused": lazy_gettext("Refused")}


def permissions_of_role(code: str) -> list[tuple[str, str]]:
    """The menu entry for the roles that ask for, decide on or report on access requests."""
    holders = (rights.holders("access_request.create") | rights.holders("access_request.approve")
               | rights.holders("access_request.report"))
    return [(MENU, "menu_access")] if code in holders else []


def request_fields() -> list[FieldView]:
    return [FieldView("purpose", gettext("Purpose"), "textarea", True),
            FieldView("wanted_from", gettext("From"), "date", True),
            FieldView("wanted_until", gettext("Until"), "date", True)]


class AccessRequestView(BaseView):
    """Khai thác: requests, decisions, granted reading and the report."""

    route_base = "/access-requests"
    default_view = "index"

    @expose("/")
    def index(self) -> str:
        """One's own requests and the catalogue of archived dossiers one may ask for."""
        search = request.args.get("q", "")
        with transaction() as (session, actor):
            may_ask = may(actor, "access_request.create", actor.unit_id)
            return self.render_template(
                "kholuutru/access_requests.html", search=search, may_ask=may_ask,
                catalogue=access_requests.catalogue(session, actor, search) if may_ask and search else [],
                mine=access_requests.my_requests(session, actor), states=REQUEST_STATES,
                display_value=display_value, now=dt.datetime.now(dt.UTC),
                may_decide=may(actor, "access_request.approve", actor.unit_id),
                may_report=may(actor, "access_request.report", actor.unit_id),
            )

    @expose("/new/<int:dossier_id>", methods=["GET", "POST"])
    def new(self, dossier_id: int) -> Response | tuple[str, int]:
        """The request form on one archived dossier."""
        form, status = FormState(values={"wanted_from": display_value(dt.date.today())}), 200
        if request.method == "POST":
            values = form_values(REQUEST_KEYS)
            try:
                with transaction() as (session, actor):
                    created = access_requests.request_access(session, actor, dossier_id, values).id
            except ArchiveError as error:
                form, status = FormState.after(error, values, REQUEST_KEYS), error.http_status
            else:
                flash(gettext("Access request %(id)s was sent to the owning unit.", id=created), "success")
                return redirect(url_for(".index"))
        with transaction() as (session, _actor):
            entry = access_requests.catalogue_entry(session, dossier_id)
            return self.render_template("kholuutru/access_request_form.html", entry=entry, form=form,
                                        fields=request_fields()), status

    @expose("/queue")
    def queue(self, forms: dict[int, FormState] | None = None, status: int = 200) -> tuple[str, int]:
        """The requests for the unit's dossiers, pending ones first, each decidable by the unit head."""
        with transaction() as (session, actor):
            unit = chosen_unit(session, actor)
            return self.render_template(
                "kholuutru/access_queue.html", unit=unit, states=REQUEST_STATES, forms=forms or {},
                empty_form=FormState(), display_value=display_value,
                requests=access_requests.unit_requests(session, actor, unit.unit_id),
            ), status

    @expose("/<int:request_id>/<decision>", methods=["POST"])
    def decide(self, request_id: int, decision: str) -> Response | tuple[str, int]:
        """Approve (until a last day) or refuse (with a reason) a pending request."""
        values = form_values(("valid_until", "reason"))
        try:
            with transaction() as (session, actor):
                if decision == "approve":
                    access_requests.approve(session, actor, request_id, values["valid_until"])
                else:
                    access_requests.refuse(session, actor, request_id, values["reason"])
        except ArchiveError as error:
            return self.queue({request_id: FormState.after(error, values, ("valid_until", "reason"))},
                              error.http_status)
        flash(gettext("The request was approved.") if decision == "approve" else gettext("The request was refused."),
              "success")
        return redirect(url_for(".queue"))

    @expose("/<int:request_id>/read")
    def read(self, request_id: int) -> str:
        """The granted dossier, read-only, with a watermarked download of each file (the view is recorded)."""
        with transaction() as (session, actor):
            granted = access_requests.open_granted(session, actor, request_id)
            return self.render_template("kholuutru/access_dossier.html", granted=granted,
                                        display_value=display_value, file_size=file_size)

    @expose("/<int:request_id>/files/<int:file_id>")
    def download(self, request_id: int, file_id: int) -> FlaskResponse:
        """A watermarked copy of one file of the granted dossier (the download is recorded)."""
        context = console_context()
        with transaction() as (session, actor):
            row, data = access_requests.download(session, actor, context.storage, context.settings, request_id,
                                                 file_id)
            name, media_type = row.file_name, row.media_type
        return send_file(io.BytesIO(data), mimetype=media_type, as_attachment=True,
                         download_name=f"khai-thac-{request_id}-{name}")

    @expose("/report")
    def report(self) -> FlaskResponse | str:
        """The access report for a unit (or every unit, province-wide) and a period, on screen, CSV or Excel."""
        today = dt.date.today()
        start = request.args.get("start") or today.replace(day=1).isoformat()
        end = request.args.get("end") or today.isoformat()
        language = current_language()
        with transaction() as (session, actor):
            unit = chosen_unit(session, actor)
            everywhere = actor.sees_all_units and request.args.get("unit") in (None, "", "all")
            rows = access_report.access_report(session, actor, None if everywhere else unit.unit_id, start, end)
            export = request.args.get("format")
            if export in ("csv", "xlsx"):
                data = (access_report.report_csv(rows, language) if export == "csv"
                        else access_report.report_xlsx(rows, language))
                media = ("text/csv; charset=utf-8" if export == "csv"
                         else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
                response = FlaskResponse(data, mimetype=media)
                response.headers["Content-Disposition"] = f'attachment; filename="bao-cao-khai-thac.{export}"'
                return response
            return self.render_template("kholuutru/access_report.html", rows=rows, unit=unit, start=start, end=end,
                                        everywhere=everywhere, headers=access_report.headers(language))
