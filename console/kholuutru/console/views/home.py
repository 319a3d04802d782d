"""The home page: who you are (unit, roles), what waits for you (the unit head's approval queue) and the tree of
units of the province.

Anonymous visitors are sent to the login page. While the platform is suspended, people whose role does not keep
reading (DOMAIN.md) see the suspension notice only.
"""

from __future__ import annotations

from flask import redirect
from flask_appbuilder import IndexView, expose
from flask_login import current_user
from werkzeug.wrappers import Response

from kholuutru.archive import dossiers
from kholuutru.archive.models import Unit
from kholuutru.archive.units import unit_tree

from ..actor import current_actor
from ..context import console_context
from ..i18n import level_label, role_label
from ..suspension import may_read_while_suspended, platform_state


class HomeView(IndexView):
    """FAB's index page, replaced by the archive's home page."""

    index_template = "kholuutru/home.html"

    @expose("/")
    def index(self) -> Response | str:
        if not current_user.is_authenticated:
            return redirect(self.appbuilder.get_url_for_login)
        actor = current_actor()
        session = console_context().db.session()
        if platform_state().suspended and not may_read_while_suspended(actor):
            return self.render_template("kholuutru/home.html", notice_only=True, appbuilder=self.appbuilder)
        unit = session.get(Unit, actor.unit_id) if actor.unit_id is not None else None
        with console_context().database.session(actor) as archive:
            waiting = len(dossiers.approval_queue(archive, actor))
        self.update_redirect()
        return self.render_template(
            self.index_template,
            appbuilder=self.appbuilder,
            notice_only=False,
            user=current_user,
            unit=unit,
            role_labels=sorted(role_label(code) for code in actor.roles),
            tree=unit_tree(session),
            level_label=level_label,
            waiting=waiting,
        )
