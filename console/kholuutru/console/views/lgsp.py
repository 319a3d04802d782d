"""Đồng bộ LGSP: the synchronisation runs with their counts, each feed's cursor, the review queue of held records
(dismiss or retry each), and the buttons that start a run now.

Starting a run is the right ``lgsp.sync`` (system administrator); handling held records is ``lgsp.review`` (the
unit admin, for the records of their own unit; held records of no known unit only province-wide roles see). A run
started here goes on in a thread of this process, as the synchronisation actor, with the user named as the one who
asked; the page shows it as running until it ends. While the platform is suspended the buttons are refused like
every other write (invariant 4).
"""

from __future__ import annotations

import json
import logging
import threading

from flask import Response, flash, redirect, url_for
from flask_appbuilder import BaseView, expose
from flask_babel import gettext, lazy_gettext

from kholuutru.archive import access, lgsp_sync, rights
from kholuutru.archive.access import Actor
from kholuutru.archive.errors import ArchiveError, PermissionDenied
from kholuutru.archive.sync_models import FEEDS

from ..actor import current_actor
from ..context import console_context
from ..i18n import current_language
from .forms import display_value, in_language, transaction

log = logging.getLogger(__name__)

MENU = "LgspSync"
FEED_NAMES = {"users": lazy_gettext("Staff"), "procedures": lazy_gettext("Procedure catalogue"),
              "dossiers": lazy_gettext("Procedure dossiers")}
STATE_NAMES = {"running": lazy_gettext("Running"), "succeeded": lazy_gettext("Succeeded"),
               "failed": lazy_gettext("Failed")}


def permissions_of_role(code: str) -> list[tuple[str, str]]:
    """The FAB permissions of role ``code`` on this page: the menu entry for the roles handling held records."""
    return [(MENU, "menu_access")] if code in rights.holders("lgsp.review") else []


def _may_see(actor: Actor) -> bool:
    return access.may(actor, "lgsp.sync") or access.may(actor, "lgsp.review", actor.unit_id)


def _run_in_background(feed: str, requested_by: str) -> None:
    context = console_context()

    def work() -> None:
        try:
            lgsp_sync.run(context.database, context.settings, feed, requested_by=requested_by)
        except Exception:  # refused at the start (another run, LGSP not configured): the log says why
            log.exception("LGSP %s synchronisation could not start", feed)

    threading.Thread(target=work, name=f"kholuutru-lgsp-{feed}", daemon=True).start()


class LgspSyncView(BaseView):
    """Runs, cursors and the review queue of the LGSP synchronisation."""

    route_base = "/lgsp"
    default_view = "index"

    @expose("/")
    def index(self) -> str:
        with transaction() as (session, actor):
            if not _may_see(actor):
                raise PermissionDenied("Bạn không có quyền xem đồng bộ LGSP.", "You may not see the LGSP "
                                       "synchronisation.")
            province_wide = actor.sees_all_units
            reviews = lgsp_sync.list_reviews(session, actor)
            return self.render_template(
                "kholuutru/lgsp.html", feeds=FEEDS, feed_names=FEED_NAMES, state_names=STATE_NAMES,
                runs=lgsp_sync.recent_runs(session) if province_wide else [],
                cursors=lgsp_sync.cursors(session) if province_wide else {},
                reviews=reviews, may_run=access.may(actor, "lgsp.sync"),
                may_review={entry.id for entry in reviews if access.may(actor, "lgsp.review", entry.unit_id)},
                configured=bool(console_context().settings.lgsp_base_url), display_value=display_value,
                in_language=in_language, as_json=lambda payload: json.dumps(payload, ensure_ascii=False, indent=2),
            )

    @expose("/run/<feed>", methods=["POST"])
    def run(self, feed: str) -> Response:
        """Start a run of ``feed`` in the background and come back to the page."""
        actor = current_actor()
        lgsp_sync.check_feed(feed)
        access.require(actor, "lgsp.sync")
        _run_in_background(feed, actor.username)
        flash(gettext("The synchronisation of %(feed)s has started.", feed=FEED_NAMES[feed]), "info")
        return redirect(url_for("LgspSyncView.index"))

    @expose("/reviews/<int:review_id>/dismiss", methods=["POST"])
    def dismiss(self, review_id: int) -> Response:
        """Close a held record without applying it."""
        try:
            with transaction() as (session, actor):
                lgsp_sync.dismiss_review(session, actor, review_id)
        except ArchiveError as error:
            flash(error.message(current_language()), "danger")
        else:
            flash(gettext("The record was dismissed."), "info")
        return redirect(url_for("LgspSyncView.index"))

    @expose("/reviews/<int:review_id>/retry", methods=["POST"])
    def retry(self, review_id: int) -> Response:
        """Apply a held record again; it stays in the queue with its new reasons if it still cannot go in."""
        context = console_context()
        try:
            entry = lgsp_sync.retry_review(context.database, context.settings, current_actor(), review_id)
        except ArchiveError as error:
            flash(error.message(current_language()), "danger")
        else:
            if entry.resolution == "applied":
                flash(gettext("The record was applied."), "info")
            else:
                flash(gettext("The record still cannot be applied."), "warning")
        return redirect(url_for("LgspSyncView.index"))
