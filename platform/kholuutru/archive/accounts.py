"""Staff accounts and their rights (regulation Ch. II, Đ11.2–4): one unit each, roles of DOMAIN.md, locks.

Delegated administration: a unit admin lists, creates, grants and locks accounts of their own unit only, and never
grants a role above their own (a province-wide role, or the system administrator's); the system administrator
manages every account and alone transfers an account to another unit or retires it. A target account that holds a
role the actor could not grant is out of the actor's reach too (a unit admin cannot lock the inspector who happens
to belong to their unit). Every change writes one audit event and is refused while the platform is suspended.

Locking or retiring clears ``active``: the console re-reads the account on every request and refuses a session or
API token of an inactive account, so a lock takes effect on the next click. A transfer drops every role, because
rights are per unit and the old unit's rights must not follow the person.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from . import audit, validation
from .access import Actor, may, require
from .account_models import AccountLock
from .errors import Conflict, InvalidInput, NotFound, PermissionDenied
from .models import Account, Role, Unit
from .passwords import hash_password
from .roles import CLERK, READER, RECORDS_STAFF, ROLES, UNIT_ADMIN, UNIT_HEAD
from .suspension import ensure_writable
from .validation import Label

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
MIN_PASSWORD = 12

UNIT_ROLES = frozenset({UNIT_ADMIN, UNIT_HEAD, RECORDS_STAFF, CLERK, READER})
"""The roles a unit admin may grant inside their unit: their own and those below it, none province-wide."""

REASON = Label("reason", "Lý do", "Reason")
DOCUMENT_NUMBER = Label("document_number", "Số văn bản đề nghị", "Requesting document number")
DOCUMENT_DATE = Label("document_date", "Ngày văn bản đề nghị", "Requesting document date")
REQUESTED_BY = Label("requested_by", "Người, đơn vị đề nghị", "Requested by")


@dataclass(frozen=True)
class AccountRequest:
    """The written request behind a lock, transfer or retirement (Đ11.3): why, which document, of when, from whom."""

    reason: str
    document_number: str
    document_date: dt.date
    requested_by: str

    @classmethod
    def clean(cls, *, reason: Any, document_number: Any, document_date: Any, requested_by: Any) -> AccountRequest:
        """The request checked field by field (each missing or too long field named in the refusal)."""
        when = validation.date(DOCUMENT_DATE, document_date, required=True)
        assert when is not None  # required=True
        if when > dt.date.today():
            raise InvalidInput(f"Trường '{DOCUMENT_DATE.vi}' không được sau ngày hôm nay.",
                               f"'{DOCUMENT_DATE.en}' cannot be in the future.", field=DOCUMENT_DATE.key)
        return cls(
            reason=validation.text(REASON, reason, max_length=2000, required=True) or "",
            document_number=validation.text(DOCUMENT_NUMBER, document_number, max_length=50, required=True) or "",
            document_date=when,
            requested_by=validation.text(REQUESTED_BY, requested_by, max_length=200, required=True) or "",
        )

    def as_dict(self) -> dict[str, str]:
        return {"reason": self.reason, "document_number": self.document_number,
                "document_date": self.document_date.isoformat(), "requested_by": self.requested_by}


def grantable_roles(actor: Actor, unit_id: int | None) -> frozenset[str]:
    """The roles ``actor`` may grant to an account of ``unit_id``: all for the system admin, the unit roles for the
    unit's own admin, none otherwise."""
    if actor.is_system_admin:
        return frozenset(ROLES)
    if unit_id is not None and may(actor, "accounts.manage", unit_id):
        return UNIT_ROLES
    return frozenset()


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
    """Create an active account in ``unit_id`` with roles the actor may grant there."""
    require(actor, "accounts.manage", unit_id)
    ensure_writable(session)
    username = username.strip().lower()
    if not USERNAME.match(username):
        raise InvalidInput("Tên đăng nhập gồm 3–64 ký tự a-z, 0-9, dấu chấm, gạch ngang, gạch dưới.",
                           "The username must be 3–64 characters of a-z, 0-9, '.', '-', '_'.", field="username")
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"Mật khẩu phải dài ít nhất {MIN_PASSWORD} ký tự.",
                           f"The password must be at least {MIN_PASSWORD} characters long.", field="password")
    email = email.strip()
    if "@" not in email:
        raise InvalidInput("Địa chỉ thư điện tử không hợp lệ.", "The e-mail address is not valid.", field="email")
    first = validation.text(Label("first_name", "Tên", "First name"), first_name, max_length=64, required=True)
    last = validation.text(Label("last_name", "Họ và tên đệm", "Last name"), last_name, max_length=64) or ""
    codes = _grantable(actor, unit_id, role_codes, required=True)
    if unit_id is not None and session.get(Unit, unit_id) is None:
        raise InvalidInput("Đơn vị không tồn tại.", "The unit does not exist.", field="unit_id")
    if session.scalar(select(Account.id).where((Account.username == username) | (Account.email == email))):
        raise Conflict("Tên đăng nhập hoặc thư điện tử đã được dùng.", "The username or e-mail is already in use.",
                       field="username")
    ensure_roles(session, actor)
    account = Account(
        username=username, password=hash_password(password), first_name=first, last_name=last,
        email=email, unit_id=unit_id, position=position or None, active=True, roles=_role_rows(session, codes),
    )
    session.add(account)
    session.flush()
    audit.record(
        session, actor, "account.create", object_type="account", object_id=account.id, unit_id=unit_id,
        after={"username": username, "email": email, "unit_id": unit_id, "position": account.position,
               "roles": codes},
    )
    return account


def create_pending_account(
    session: Session, actor: Actor, *, username: str, first_name: str, last_name: str, email: str, unit_id: int,
    position: str | None = None,
) -> Account:
    """An inactive account without password or role, for a person the province's HR data (LGSP) knows: it waits
    for the unit admin to give it roles and activate it, so synchronisation never grants a right by itself."""
    require(actor, "lgsp.sync")
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
    require(actor, "lgsp.sync")
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


def list_accounts(session: Session, actor: Actor, unit_id: int | None = None) -> list[Account]:
    """The accounts of ``unit_id`` (of every unit when None: province-wide readers only), by username."""
    require(actor, "accounts.view", unit_id)
    statement = select(Account).options(selectinload(Account.roles)).order_by(Account.username)
    if unit_id is not None:
        statement = statement.where(Account.unit_id == unit_id)
    return list(session.scalars(statement))


def get_account(session: Session, actor: Actor, account_id: int) -> Account:
    """One account the actor may see (an account of a unit they may not see does not exist for them)."""
    account = session.get(Account, account_id)
    if account is None or not may(actor, "accounts.view", account.unit_id):
        raise NotFound(f"Không có tài khoản số {account_id}.", f"There is no account {account_id}.", field="id")
    return account


def set_roles(session: Session, actor: Actor, account_id: int, role_codes: Iterable[str]) -> Account:
    """Give the account exactly ``role_codes``; every role added or removed must be one the actor may grant."""
    account = _managed(session, actor, account_id)
    before = _role_codes(account)
    wanted = _grantable(actor, account.unit_id, role_codes, required=False)  # held ones are grantable (_managed)
    if wanted == before:
        return account
    account.roles = _role_rows(session, wanted)
    account.changed_on = dt.datetime.now()
    session.flush()
    audit.record(session, actor, "account.roles", object_type="account", object_id=account.id,
                 unit_id=account.unit_id, before={"roles": before}, after={"roles": wanted})
    return account


def grant_role(session: Session, actor: Actor, account_id: int, role_code: str) -> Account:
    """Add one role to the account (see ``set_roles``)."""
    return set_roles(session, actor, account_id, {*_role_codes(get_account(session, actor, account_id)), role_code})


def revoke_role(session: Session, actor: Actor, account_id: int, role_code: str) -> Account:
    """Take one role from the account (see ``set_roles``)."""
    current = set(_role_codes(get_account(session, actor, account_id)))
    return set_roles(session, actor, account_id, current - {role_code})


def lock_account(session: Session, actor: Actor, account_id: int, request: AccountRequest) -> AccountLock:
    """Lock the account on the unit's written request: it can no longer sign in, and its open sessions and API
    tokens are refused on their next request."""
    account = _managed(session, actor, account_id)
    _refuse_self(actor, account)
    if _open_lock(session, account.id) is not None:
        raise Conflict("Tài khoản đã bị khóa.", "The account is already locked.", field="id")
    lock = _close(session, actor, account, "lock", request)
    audit.record(session, actor, "account.lock", object_type="account", object_id=account.id,
                 unit_id=account.unit_id, before={"active": True}, after={"active": False},
                 details={"lock_id": lock.id, **request.as_dict()})
    return lock


def unlock_account(session: Session, actor: Actor, account_id: int, reason: Any) -> Account:
    """Lift the account's lock (a retirement is never lifted: a returning person gets a new grant of rights)."""
    account = _managed(session, actor, account_id)
    why = validation.text(REASON, reason, max_length=2000, required=True)
    lock = _open_lock(session, account.id)
    if lock is None or lock.kind != "lock":
        raise Conflict("Tài khoản không bị khóa (tài khoản đã nghỉ hưu không mở khóa được).",
                       "The account is not locked (a retired account cannot be unlocked).", field="id")
    lock.lifted_at, lock.lifted_by, lock.lift_reason = _now(), actor.username, why
    account.active = True
    account.changed_on = dt.datetime.now()
    session.flush()
    audit.record(session, actor, "account.unlock", object_type="account", object_id=account.id,
                 unit_id=account.unit_id, before={"active": False}, after={"active": True},
                 details={"lock_id": lock.id, "reason": why})
    return account


def transfer_account(session: Session, actor: Actor, account_id: int, unit_id: int,
                     request: AccountRequest) -> Account:
    """Move the account to another unit (system admin only); every role of the old unit is dropped."""
    require(actor, "accounts.move")
    account = _managed(session, actor, account_id)
    if session.get(Unit, unit_id) is None:
        raise InvalidInput("Đơn vị không tồn tại.", "The unit does not exist.", field="unit_id")
    if account.unit_id == unit_id:
        raise Conflict("Tài khoản đã thuộc đơn vị này.", "The account already belongs to this unit.", field="unit_id")
    before = {"unit_id": account.unit_id, "roles": _role_codes(account)}
    account.unit_id, account.roles = unit_id, []
    account.changed_on = dt.datetime.now()
    lock = _open_lock(session, account.id)
    if lock is not None:
        lock.unit_id = unit_id  # an open lock follows the account: the new unit's admin sees why it is locked
    session.flush()
    audit.record(session, actor, "account.transfer", object_type="account", object_id=account.id, unit_id=unit_id,
                 before=before, after={"unit_id": unit_id, "roles": []}, details=request.as_dict())
    return account


def retire_account(session: Session, actor: Actor, account_id: int, request: AccountRequest) -> AccountLock:
    """Disable the account for good (retirement, Đ11.4; system admin only): roles dropped, never unlocked."""
    require(actor, "accounts.move")
    account = _managed(session, actor, account_id)
    _refuse_self(actor, account)
    before = {"active": bool(account.active), "roles": _role_codes(account)}
    current = _open_lock(session, account.id)
    if current is not None and current.kind == "retire":
        raise Conflict("Tài khoản đã nghỉ hưu.", "The account is already retired.", field="id")
    if current is not None:
        current.lifted_at, current.lifted_by = _now(), actor.username
        current.lift_reason = "Nghỉ hưu / retired"
        session.flush()
    account.roles = []
    lock = _close(session, actor, account, "retire", request)
    audit.record(session, actor, "account.retire", object_type="account", object_id=account.id,
                 unit_id=account.unit_id, before=before, after={"active": False, "roles": []},
                 details={"lock_id": lock.id, **request.as_dict()})
    return lock


def locked_accounts(session: Session, actor: Actor, unit_id: int | None = None) -> list[AccountLock]:
    """Open locks and retirements of ``unit_id`` (every unit when None: province-wide readers), newest first."""
    require(actor, "accounts.view", unit_id)
    statement = (select(AccountLock).options(selectinload(AccountLock.account))
                 .where(AccountLock.lifted_at.is_(None)).order_by(AccountLock.locked_at.desc()))
    if unit_id is not None:
        statement = statement.where(AccountLock.unit_id == unit_id)
    return list(session.scalars(statement))


def open_lock(session: Session, actor: Actor, account_id: int) -> AccountLock | None:
    """The account's open lock or retirement, if any (for showing why an account is inactive)."""
    return _open_lock(session, get_account(session, actor, account_id).id)


def _managed(session: Session, actor: Actor, account_id: int) -> Account:
    """The account, locked for update, if the actor may manage it; refused while the platform is suspended."""
    account = session.scalar(select(Account).where(Account.id == account_id).with_for_update())
    if account is None or not may(actor, "accounts.view", account.unit_id):
        raise NotFound(f"Không có tài khoản số {account_id}.", f"There is no account {account_id}.", field="id")
    require(actor, "accounts.manage", account.unit_id)
    above = set(_role_codes(account)) - grantable_roles(actor, account.unit_id)
    if above:
        raise PermissionDenied("Tài khoản này có vai trò cao hơn quyền quản trị của bạn.",
                               "This account holds a role above what you may administer.", field="roles")
    ensure_writable(session)
    return account


def _grantable(actor: Actor, unit_id: int | None, role_codes: Iterable[str], *, required: bool) -> list[str]:
    codes = sorted(set(role_codes))
    unknown = [code for code in codes if code not in ROLES]
    if unknown or (required and not codes):
        raise InvalidInput("Vai trò không hợp lệ.", f"Unknown or missing role(s): {', '.join(unknown)}.",
                           field="roles")
    above = [code for code in codes if code not in grantable_roles(actor, unit_id)]
    if above:
        names_vi = ", ".join(ROLES[code].name_vi for code in above)
        names_en = ", ".join(ROLES[code].name_en for code in above)
        raise PermissionDenied(f"Bạn không được cấp vai trò: {names_vi}.",
                               f"You may not grant the role(s): {names_en}.", field="roles")
    return codes


def _role_rows(session: Session, codes: Iterable[str]) -> list[Role]:
    ensure_roles(session, Actor.system("accounts"))
    return list(session.scalars(select(Role).where(Role.name.in_(list(codes)))))


def _role_codes(account: Account) -> list[str]:
    return sorted(role.name for role in account.roles)


def _open_lock(session: Session, account_id: int) -> AccountLock | None:
    return session.scalar(select(AccountLock).where(AccountLock.account_id == account_id,
                                                    AccountLock.lifted_at.is_(None)))


def _close(session: Session, actor: Actor, account: Account, kind: str, request: AccountRequest) -> AccountLock:
    """Deactivate the account and record the lock or retirement behind it."""
    account.active = False
    account.changed_on = dt.datetime.now()
    lock = AccountLock(
        account_id=account.id, unit_id=account.unit_id, kind=kind, reason=request.reason,
        document_number=request.document_number, document_date=request.document_date,
        requested_by=request.requested_by, locked_at=_now(), locked_by=actor.username,
    )
    session.add(lock)
    session.flush()
    return lock


def _refuse_self(actor: Actor, account: Account) -> None:
    if actor.user_id == account.id:
        raise Conflict("Không thể tự khóa tài khoản của chính mình.", "You cannot lock your own account.", field="id")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
