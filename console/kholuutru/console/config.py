"""The Flask/FAB configuration of the console, derived from the archive's settings (the only source of settings).

Nothing here reads the environment: ``kholuutru.archive.settings`` does, once (ARCHITECTURE §3).
"""

from __future__ import annotations

from typing import Any

from kholuutru.archive.database import Database
from kholuutru.archive.roles import SYSTEM_ADMIN
from kholuutru.archive.settings import Settings

from .errors import MULTIPART_HEADROOM
from .i18n import LANGUAGES, TRANSLATIONS_DIR
from .permissions import PUBLIC_ROLE, fab_roles
from .sso import auth_config

APP_NAME = "Hệ thống Lưu trữ điện tử dùng chung"
"""The platform's name in the regulation (QĐ 2291/QĐ-UBND): the page title in every language."""


def build_config(settings: Settings, database: Database) -> dict[str, Any]:
    """Flask, Flask-SQLAlchemy, Flask-Babel, Flask-WTF and FAB keys for one console app."""
    return {
        # the setting, or a key generated once in the data dir (signs sessions and JWTs)
        "SECRET_KEY": settings.session_secret(),
        # an upload's body may be the file limit plus form overhead; larger is refused as it arrives
        "MAX_CONTENT_LENGTH": settings.max_upload_bytes + MULTIPART_HEADROOM,
        "SQLALCHEMY_DATABASE_URI": database.app_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SQLALCHEMY_TRACK_MODIFICATIONS": False,
        "APP_NAME": APP_NAME,
        # login: the provincial SSO when configured (break-glass password login for system admins), else local
        **auth_config(settings),
        "AUTH_USER_REGISTRATION": False,
        "AUTH_ROLE_ADMIN": SYSTEM_ADMIN,
        "AUTH_ROLE_PUBLIC": PUBLIC_ROLE,
        "FAB_ROLES": fab_roles(),
        "FAB_UPDATE_PERMS": True,
        # REST API: JWT login at /api/v1/security/login, OpenAPI at /api/v1/_openapi, Swagger UI at /swagger/v1
        "FAB_ADD_SECURITY_API": True,
        "FAB_API_SWAGGER_UI": True,
        "FAB_API_SHOW_STACKTRACE": False,
        # languages: Vietnamese unless the user picks English; our catalog also carries FAB's strings
        "LANGUAGES": LANGUAGES,
        "BABEL_DEFAULT_LOCALE": settings.default_language,
        "BABEL_TRANSLATION_DIRECTORIES": str(TRANSLATIONS_DIR),
        # cookies and forms
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_ENABLED": True,
    }
