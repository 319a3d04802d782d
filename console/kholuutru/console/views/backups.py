"""Sao lưu và diễn tập phục hồi: the history of off-site backups and restore drills, and the button to start a drill.

Who sees the page and who starts a drill are the rights ``backups.view`` and ``backups.drill`` of the archive's
rights table; the menu entry is granted to the roles holding the first (``permissions_of_role``). The drill runs in a
thread of this process (``operations.start_in_background``)
with its step and progress in the database, so the request answers at once and the page polls ``status``. Starting
a drill stays possible while the platform is suspended (invariant 4), which is why ``drill`` is among the endpoints
the suspension guard lets write (``WRITABLE_WHILE_SUSPENDED``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Response, flash, jsonify, redirect, url_for
from flask_appbuilder import BaseView, expose
from flask_babel import gettext, lazy_gettext

from kholuutru.archive import access, rights
from kholuutru.archive.errors import Conflict
from kholuutru.backups import operations, records

from ..actor import current_actor
from ..context import console_context
from ..i18n import current_language
from .backup_charts import line_chart
from .forms import display_value, file_size, transaction

MENU = "Backups"
WRITABLE_WHILE_SUSPENDED = frozenset({"BackupsView.drill"})

CHECK_NAMES = {
    "database": lazy_gettext("Database restored"),
    "restore_objects": lazy_gettext("Documents restored"),
    "objects": lazy_gettext("Document checksums"),
    "row_counts": lazy_gettext("Row counts"),
    "audit_chain": lazy_gettext("Audit chain"),
    "audit_head": lazy_gettext("Audit chain head"),
    "schema_revision": lazy_gettext("Schema revision"),
    "signatures": lazy_gettext("Document signatures"),
    "drill": lazy_gettext("Drill"),
}
RESULT_NAMES = {
    "passed": lazy_gettext("Passed"),
    "succeeded": lazy_gettext("Succeeded"),
    "failed": lazy_gettext("Failed"),
    "not_applicable": lazy_gettext("Not applicable"),
    "not_run": lazy_gettext("Not run"),
    "running": lazy_gettext("Running"),
    "interrupted": lazy_gettext("Interrupted"),
}


def permissions_of_role(code: str) -> list[tuple[str, str]]:
    """The FAB permissions of role ``code`` on this page: the menu entry for those ``access`` lets see it."""
    return [(MENU, "menu_access")] if code in rights.holders("backups.view") else []


def duration(seconds: float | None) -> str:
    """A duration as people read it: seconds, minutes or hours."""
    if seconds is None:
        return "—"
    if seconds < 120:
        return gettext("%(value).1f s", value=seconds)
    if seconds < 7200:
        return gettext("%(value).1f min", value=seconds / 60)
    return gettext("%(value).1f h", value=seconds / 3600)


def _moment(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


def _charts(history: dict[str, Any]) -> dict[str, Any]:
    """Size and duration of each successful backup, and each passed drill's RTO, over time."""
    backups = [run for run in history["backups"] if run["verdict"] == "succeeded"]
    drills = [drill for drill in history["drills"] if drill["verdict"] == "passed"]
    return {
        "size": line_chart("kholuutru-chart-size", [(_moment(run["finished_at"]), run["bytes_processed"] or 0)
                                                     for run in backups], lambda value: file_size(int(value))),
        "duration": line_chart("kholuutru-chart-duration", [(_moment(run["finished_at"]), run["seconds"])
                                                             for run in backups], duration),
        "rto": line_chart("kholuutru-chart-rto", [(_moment(drill["finished_at"]), drill["rto_seconds"] or 0)
                                                   for drill in drills], duration),
    }


class BackupsView(BaseView):
    """History of backups and drills, last RPO and RTO, charts, and the drill button."""

    route_base = "/backups"
    default_view = "index"

    @expose("/")
    def index(self) -> str:
        with transaction() as (session, actor):
            access.require(actor, "backups.view")
            history = records.history(session)
            running = operations.latest(session, "drill")
            return self.render_template(
                "kholuutru/backups.html", history=history, charts=_charts(history), drill_state=running,
                may_run_drill=access.may(actor, "backups.drill"), moment=_moment, display_value=display_value,
                file_size=file_size, duration=duration, check_names=CHECK_NAMES, result_names=RESULT_NAMES,
            )

    @expose("/status")
    def status(self) -> Response:
        """The newest drill and backup operations (state, step, progress), for the page to poll."""
        with transaction() as (session, actor):
            access.require(actor, "backups.view")
            return jsonify({kind: operations.latest(session, kind) for kind in ("drill", "backup")})

    @expose("/drill", methods=["POST"])
    def drill(self) -> Response:
        """Start a restore drill in the background and come back to the page, which follows its progress."""
        actor = current_actor()
        access.require(actor, "backups.drill")
        context = console_context()
        try:
            operations.start_in_background(context.settings, context.database, context.storage, "drill", actor)
        except Conflict as busy:
            flash(busy.message(current_language()), "warning")
        else:
            flash(gettext("The restore drill has started."), "info")
        return redirect(url_for("BackupsView.index"))
