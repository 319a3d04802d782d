"""The console's app factory: Flask + Flask-AppBuilder over the archive's database, storage and services.

Order matters here, and the reasons are not obvious:

* CSRF protection is installed *before* FAB so that FAB can exempt its JSON API blueprints as it registers them.
* The request guard (disabled accounts, actor, row-level security, suspension) is inserted at the *front* of the
  before-request hooks (after the metrics timer), so that a write while suspended is answered 503 even before CSRF
  checks, a locked account is refused before anything else, and every query of the request runs as the right actor.
* FAB's security manager would create its tables when missing; the migrations create them, and the console's
  database role could not anyway.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, g, request
from flask_appbuilder import AppBuilder
from flask_login import current_user
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from kholuutru.archive import signature_validation  # noqa: F401  (registers the signatures submit check)
from kholuutru.archive.database import Database
from kholuutru.archive.settings import Settings
from kholuutru.archive.storage import Storage

from . import security_audit  # noqa: F401  (registers the audit hooks on FAB's session)
from .account_guard import refuse_disabled_account
from .actor import resolve_actor
from .api import register_apis
from .api.incidents import WRITABLE_WHILE_SUSPENDED as INCIDENTS_API_WRITABLE
from .config import build_config
from .context import ConsoleContext, console_context, install
from .db import make_db, reapply_rls_context
from .errors import register_error_handlers
from .health import OPEN_ENDPOINTS
from .health import blueprint as ops_blueprint
from .metrics import install_metrics
from .security import ConsoleSecurityManager
from .suspension import check_request, register_template_context
from .views import register_views
from .views.backups import WRITABLE_WHILE_SUSPENDED as BACKUPS_WRITABLE
from .views.home import HomeView
from .views.incidents import WRITABLE_WHILE_SUSPENDED as INCIDENTS_WRITABLE

BASE_TEMPLATE = "kholuutru/base.html"


def create_app(
    settings: Settings, database: Database, storage: Storage, *, config: dict[str, Any] | None = None
) -> Flask:
    """A console app over ``database`` and ``storage``; ``config`` overrides Flask keys (tests only)."""
    app = Flask(__name__)
    app.config.update(build_config(settings, database))
    if config:
        app.config.update(config)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # Vietnamese messages readable in JSON
    if settings.trusted_proxies:
        hops = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)  # type: ignore[method-assign]

    db = make_db()
    db.init_app(app)
    install(app, ConsoleContext(settings=settings, database=database, storage=storage, db=db))
    install_metrics(app)
    CSRFProtect(app)

    with app.app_context():
        appbuilder = AppBuilder(
            indexview=HomeView,
            base_template=BASE_TEMPLATE,
            security_manager_class=ConsoleSecurityManager,
        )
        appbuilder.init_app(app, db.session)
        register_views(appbuilder)
        register_apis(appbuilder)
        write_exempt, notice_endpoints = _suspension_exemptions(appbuilder)

    app.register_blueprint(ops_blueprint)
    register_error_handlers(app)
    register_template_context(app)
    app.context_processor(lambda: {"appbuilder": appbuilder, "base_template": appbuilder.base_template})

    def guard_request() -> Any:
        """Resolve the actor, set row-level security for it, and apply the suspension rules."""
        endpoint = request.endpoint
        if endpoint is None or endpoint in OPEN_ENDPOINTS or _is_static(endpoint):
            return None
        g.user = current_user  # what FAB's own hook sets; ours may answer before FAB's runs
        refused = refuse_disabled_account()  # a locked account's session or token ends here, on its next request
        if refused is not None:
            return refused
        actor = resolve_actor()
        reapply_rls_context(console_context().db)
        return check_request(actor, write_exempt, notice_endpoints)

    hooks = app.before_request_funcs.setdefault(None, [])
    hooks.insert(1, guard_request)  # after the metrics timer, before CSRF and FAB
    return app


def _is_static(endpoint: str) -> bool:
    return endpoint == "static" or endpoint.endswith(".static")


def _suspension_exemptions(appbuilder: AppBuilder) -> tuple[frozenset[str], frozenset[str]]:
    """(endpoints writable while suspended: log in/out, language, starting a drill (invariant 4: drills keep running),
    an incident's timeline entry and resuming (DOMAIN.md: the investigation goes on); endpoints everyone may read:
    home too). The services still check who may do these while suspended."""
    auth = appbuilder.sm.auth_view.endpoint
    write_exempt = frozenset(
        {
            f"{auth}.login",
            f"{auth}.logout",
            f"{auth}.login_local",
            f"{auth}.oauth_authorized",
            "SecurityApi.login",
            "SecurityApi.refresh",
            f"{appbuilder.bm.locale_view.endpoint}.index",
            *BACKUPS_WRITABLE,
            *INCIDENTS_WRITABLE,
            *INCIDENTS_API_WRITABLE,
        }
    )
    notice = frozenset({f"{HomeView.__name__}.index", "UtilView.back"})
    return write_exempt, notice
