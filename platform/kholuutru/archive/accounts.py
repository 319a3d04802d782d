"""Staff accounts: one unit each, one or more roles of DOMAIN.md, passwords hashed for the console's login.

This issue's scope is creating accounts (break-glass admin, demo users); delegated administration by unit admins
comes with the accounts-and-rights work and will call the same functions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import audit
from .access import Actor
from .errors import Conflict, InvalidInput, PermissionDenied
from .models import Account, Role, Unit
from .passwords import hash_password
from .roles import ROLES
from .suspension import ensure_writable

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
MIN_PASSWORD = 12


def ensure_roles(session: Session, actor: Actor) -> list[str]:
    """Create the role rows of DOMAIN.md that are missing; return the codes created (audited together)."""
    existing = set(session.scalars(select(Role.name)))
    missing = [code for code in ROLES if code not in existing]
    if missing:
        ensure_writable(session)
        session.add_all(Role(name=code) for code in missing)
        session.flush()
        audit.record(session, actor, "role.create", object_type="role", details={"roles": missing})
    return missing


def create_account(
    session: Session,
    actor: Actor,
    *,
    username: str,
    password: str,
    first_name: str,
    last_name: str,
    email: str,
    unit_id: int | None,
    role_codes: Iterable[str],
    position: str | None = None,
) -> Account:
    """Create an active account; only the system administrator may (for now)."""
    if not actor.is_system_admin:
        raise PermissionDenied("Chỉ quản trị hệ thống được tạo tài khoản.", "Only the system administrator may "
                               "create accounts.")
    ensure_writable(session)
    username = username.strip().lower()
    if not USERNAME.match(username):
        raise InvalidInput("Tên đăng nhập gồm 3–64 ký tự a-z, 0-9, dấu chấm, gạch ngang, gạch dưới.",
                           "The username must be 3–64 characters of a-z, 0-9, '.', '-', '_'.", field="username")
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"Mật khẩu phải dài ít nhất {MIN_PASSWORD} ký tự.",
                           f"The password must be at least {MIN_PASSWORD} characters long.", field="password")
    if "@" not in email:
        raise InvalidInput("Địa chỉ thư điện tử không hợp lệ.", "The e-mail address is not valid.", field="email")
    codes = sorted(set(role_codes))
    unknown = [code for code in codes if code not in ROLES]
    if unknown or not codes:
        raise InvalidInput("Vai trò không hợp lệ.", f"Unknown or missing role(s): {', '.join(unknown)}.",
                           field="roles")
    if unit_id is not None and session.get(Unit, unit_id) is None:
        raise InvalidInput("Đơn vị không tồn tại.", "The unit does not exist.", field="unit_id")
    if session.scalar(select(Account.id).where((Account.username == username) | (Account.email == email))):
        raise Conflict("Tên đăng nhập hoặc thư điện tử đã được dùng.", "The username or e-mail is already in use.",
                       field="username")
    ensure_roles(session, actor)
    roles = list(session.scalars(select(Role).where(Role.name.in_(codes))))
    account = Account(
        username=username, password=hash_password(password), first_name=first_name, last_name=last_name,
        email=email, unit_id=unit_id, position=position, active=True, roles=roles,
    )
    session.add(account)
    session.flush()
    audit.record(
        session, actor, "account.create", object_type="account", object_id=account.id, unit_id=unit_id,
        after={"username": username, "email": email, "unit_id": unit_id, "position": position, "roles": codes},
    )
    return account


def create_pending_account(
    session: Session, actor: Actor, *, username: str, first_name: str, last_name: str, email: str, unit_id: int,
    position: str | None = None,
) -> Account:
    """An inactive account without password or role, for a person the province's HR data (LGSP) knows: it waits
    for the unit admin to give it roles and activate it, so synchronisation never grants a right by itself."""
    _system_admin_only(actor)
    ensure_writable(session)
    username = username.strip().lower()
    if not USERNAME.match(username):
        raise InvalidInput("Tên đăng nhập gồm 3–64 ký tự a-z, 0-9, dấu chấm, gạch ngang, gạch dưới.",
                           "The username must be 3–64 characters of a-z, 0-9, '.', '-', '_'.", field="username")
    if session.scalar(select(Account.id).where((Account.username == username) | (Account.email == email))):
        raise Conflict("Tên đăng nhập hoặc thư điện tử đã được dùng.", "The username or e-mail is already in use.",
                       field="username")
    account = Account(username=username, password=None, first_name=first_name, last_name=last_name, email=email,
                      unit_id=unit_id, position=position, active=False, roles=[])
    session.add(account)
    session.flush()
    audit.record(
        session, actor, "account.create", object_type="account", object_id=account.id, unit_id=unit_id,
        after={"username": username, "email": email, "unit_id": unit_id, "position": position, "roles": [],
               "active": False},
    )
    return account


def update_profile(session: Session, actor: Actor, account: Account, *, first_name: str, last_name: str,
                   email: str, position: str | None) -> bool:
    """Change an account's name, e-mail and position (never its unit, roles or state); False when nothing changed."""
    _system_admin_only(actor)
    ensure_writable(session)
    before = {"first_name": account.first_name, "last_name": account.last_name, "email": account.email,
              "position": account.position}
    after = {"first_name": first_name, "last_name": last_name, "email": email, "position": position}
    if before == after:
        return False
    if email != account.email and session.scalar(select(Account.id).where(Account.email == email,
                                                                          Account.id != account.id)):
        raise Conflict("Thư điện tử đã được dùng cho tài khoản khác.", "The e-mail is used by another account.",
                       field="email")
    for key, value in after.items():
        setattr(account, key, value)
    session.flush()
    audit.record(session, actor, "account.update", object_type="account", object_id=account.id,
                 unit_id=account.unit_id, before=before, after=after)
    return True


def _system_admin_only(actor: Actor) -> None:
    if not actor.is_system_admin:
        raise PermissionDenied("Chỉ quản trị hệ thống được thay đổi tài khoản theo dữ liệu đồng bộ.",
                               "Only the system administrator may change accounts from synchronised data.")
