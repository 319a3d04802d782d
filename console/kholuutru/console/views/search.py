"""The search screen (Tìm kiếm): every filter of ``kholuutru.archive.search`` and the full text, ranked and marked.

Bad filters (a year that is no number, dates the wrong way round) come back beside the form, never as a 500.
"""

from __future__ import annotations

from flask import request
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access, permission_name
from markupsafe import Markup

from kholuutru.archive import search
from kholuutru.archive.dossier_models import DOSSIER_STATES
from kholuutru.archive.errors import ArchiveError
from kholuutru.archive.workflow import STATE_NAMES

from ..i18n import current_language
from .forms import in_language, transaction

PERMISSION = "SearchView"
MENU = "Search"
FILTERS = ("q", "unit_id", "fonds_id", "year", "code", "title", "procedure_code", "document_number", "issuer",
           "date_from", "date_to", "issued_from", "issued_to", "state", "retention", "box_id", "shelf_id",
           "extracted_field", "extracted_value")


class SearchView(BaseView):
    """Search the dossiers of one's units."""

    route_base = "/search"
    class_permission_name = PERMISSION
    default_view = "index"

    @expose("/")
    @has_access
    @permission_name("read")
    def index(self) -> str:
        """The form, and the page of hits when anything was asked."""
        asked = {key: request.args.get(key, "").strip() for key in FILTERS}
        result, error = None, None
        if any(asked.values()):
            try:
                query = search.parse_query({**asked, "page": request.args.get("page") or None})
                with transaction() as (session, actor):
                    result = search.search(session, actor, query)
                    hits = [(hit.dossier.id, hit.dossier.code, hit.dossier.year, hit.dossier.state,
                             Markup(hit.title_html), Markup(hit.snippet_html)) for hit in result.hits]
            except ArchiveError as refused:
                error = refused.message(current_language())
        return self.render_template(
            "kholuutru/search.html", asked=asked, result=result, hits=hits if result else [], error=error,
            states=[(code, in_language(*STATE_NAMES[code])) for code in DOSSIER_STATES],
            state_name=lambda code: in_language(*STATE_NAMES[code]),
            links={key: value for key, value in asked.items() if value},
        )
