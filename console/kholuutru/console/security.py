"""Accounts and roles as FAB sees them: the user model with unit and position, and the security manager.

The ``ab_*`` tables are created by the archive's migrations (FAB 5.3's layout plus ``unit_id`` and ``position`` on
``ab_user``), never by FAB: the console connects as a role that cannot run DDL, and FAB's ``_create_db`` skips
``create_all`` because the tables exist. The role names are the archive's role codes (``kholuutru.archive.roles``);
people read their Vietnamese or English labels.
"""

from __future__ import annotations

from typing import Any

from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.sqla.models import User
from flask_appbuilder.security.views import RoleModelView, UserDBModelView, UserOAuthModelView
from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from kholuutru.archive.access import may
from kholuutru.archive.accounts import grantable_roles
from kholuutru.archive.errors import PermissionDenied

from .actor import current_actor
from .errors import ServiceRefusal
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


class OwnUnitAccounts(BaseFilter):
    """Only the accounts of the actor's own unit, unless the actor is the system administrator."""

    name = "own unit"
    arg_name = "ownunit"

    def apply(self, query: Any, value: Any) -> Any:
        actor = current_actor()
        if actor.is_system_admin:
            return query
        return query.filter(self.model.unit_id == (actor.unit_id if actor.unit_id is not None else -1))


def check_account_write(user: Any) -> None:
    """Refuse a write of FAB's user screens that the archive's account rules would refuse: an account outside the
    actor's unit, or a role above what the actor may grant there (``kholuutru.archive.accounts``)."""
    actor = current_actor()
    unit_id = getattr(user, "unit_id", None)
    codes = {role.name for role in user.roles or []}
    if not may(actor, "accounts.manage", unit_id) or codes - grantable_roles(actor, unit_id):
        raise ServiceRefusal(PermissionDenied(
            "Bạn chỉ quản lý tài khoản của đơn vị mình, với vai trò không cao hơn vai trò của bạn.",
            "You manage only your own unit's accounts, with roles no higher than your own.", field="roles"))


class ArchiveAccountRules:
    """FAB's user screens under the archive's account rules, whichever login FAB uses.

    Only the system administrator holds their permissions (``permissions.py``); should a unit role ever be given them,
    the list still shows only the unit's accounts and every write is checked against the archive's account rules.
    The archive's "unit accounts" screen is where unit admins work.
    """

    formatters_columns = {"roles": _role_labels}
    base_filters = [["unit_id", OwnUnitAccounts, lambda: None]]

    def pre_add(self, item: Any) -> None:
        check_account_write(item)

    def pre_update(self, item: Any) -> None:
        check_account_write(item)

    def pre_delete(self, item: Any) -> None:
        check_account_write(item)


class ConsoleUserDBModelView(ArchiveAccountRules, UserDBModelView):
    """FAB's user list with local passwords, showing role labels instead of codes."""

    class_permission_name = "UserDBModelView"  # keep FAB's permission name for the subclass


class ConsoleUserOAuthModelView(ArchiveAccountRules, UserOAuthModelView):
    """FAB's user list under single sign-on (no password fields), showing role labels instead of codes."""

    class_permission_name = "UserOAuthModelView"  # keep FAB's permission name for the subclass


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
