"""The approval queue (Chờ duyệt): the dossiers submitted to the unit head, oldest first, each approvable at once.

Returning a dossier needs a reason, so that button lives on the dossier page; approving needs nothing more, so the
queue offers it inline. The queue itself is the archive's (``dossiers.approval_queue``): empty for anyone who is not
a unit head.
"""

from __future__ import annotations

from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access, permission_name

from kholuutru.archive import dossiers

from .forms import display_value, transaction

PERMISSION = "ApprovalQueueView"
MENU = "ApprovalQueue"


class ApprovalQueueView(BaseView):
    """Submitted dossiers waiting for the unit head."""

    route_base = "/approvals"
    class_permission_name = PERMISSION
    default_view = "index"

    @expose("/")
    @has_access
    @permission_name("read")
    def index(self) -> str:
        """The queue, each row approvable when ``allowed_actions`` says so."""
        with transaction() as (session, actor):
            queue = dossiers.approval_queue(session, actor)
            return self.render_template(
                "kholuutru/approvals.html", queue=queue, display_value=display_value,
                approvable={dossier.id for dossier in queue if "approve" in dossiers.allowed_actions(actor, dossier)},
            )
