"""Accounts and roles as FAB sees them: the user model with unit and position, and the security manager.

The ``ab_*`` tables are created by the archive's migrations (FAB 5.3's layout plus ``unit_id`` and ``position`` on
``ab_user``), never by FAB: the console connects as a role that cannot run DDL, and FAB's ``_create_db`` skips
``create_all`` because the tables exist. The role names are the archive's role codes (``kholuutru.archive.roles``);
people read their Vietnamese or English labels.
"""

from __future__ import annotations

from typing import Any

from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.sqla.models import User
from flask_appbuilder.security.views import RoleModelView, UserDBModelView, UserOAuthModelView
from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .i18n import role_label
from .sso import SsoAuthView, password_login_permitted


class ConsoleUser(User):
    """FAB's user plus the unit the account belongs to and the position held (DOMAIN.md: one unit per account).

    ``unit_id`` references ``units(id)`` in the database; the foreign key is not declared here because the
    ``units`` table belongs to the archive's metadata, not FAB's.
    """

    __tablename__ = "ab_user"

    unit_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    position: Mapped[str | None] = mapped_column(String(200), nullable=True)

    def get_full_name(self) -> str:
        """Vietnamese order: family and middle names (``last_name``) before the given name (``first_name``)."""
        return f"{self.last_name} {self.first_name}".strip()


def _role_labels(roles: Any) -> str:
    return ", ".join(role_label(role.name) for role in roles or [])


class ConsoleRoleModelView(RoleModelView):
    """FAB's role list, showing each role's human label next to its code."""

    class_permission_name = "RoleModelView"  # keep FAB's permission name for the subclass
    formatters_columns = {"name": lambda name: f"{role_label(name)} ({name})"}


class ConsoleUserDBModelView(UserDBModelView):
    """FAB's user list, showing role labels instead of codes."""

    class_permission_name = "UserDBModelView"  # keep FAB's permission name for the subclass
    formatters_columns = {"roles": _role_labels}


class ConsoleUserOAuthModelView(UserOAuthModelView):
    """FAB's user list under single sign-on (no password fields), showing role labels instead of codes."""

    class_permission_name = "UserOAuthModelView"  # keep FAB's permission name for the subclass
    formatters_columns = {"roles": _role_labels}


class ConsoleSecurityManager(SecurityManager):
    """FAB's SQLAlchemy security manager bound to ``ConsoleUser``, the label-showing views and the SSO login."""

    user_model = ConsoleUser
    userdbmodelview = ConsoleUserDBModelView
    useroauthmodelview = ConsoleUserOAuthModelView
    rolemodelview = ConsoleRoleModelView
    authoauthview = SsoAuthView

    def auth_user_db(self, username: str, password: str) -> Any:
        """FAB's password check, for the accounts that may use one (with SSO: the break-glass system administrator,
        while that login is on). The rule is checked first, so a refused account's login is neither counted nor
        audited as one."""
        user = self.find_user(username=username)
        if user is not None and not password_login_permitted(user):
            return None
        return super().auth_user_db(username, password)
