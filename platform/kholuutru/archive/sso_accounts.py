"""Accounts of people who log in through the provincial single sign-on (OpenID Connect).

The identity provider vouches for who a person is; the archive decides what that person may do here. The console
maps the provider's claims to a ``DirectoryPerson`` and calls ``sign_in``; the rules live here so that every way in
(console today, other clients later) applies the same ones:

* The key of an account is the official e-mail address, compared in lower case: the provincial directory and the
  archive's staff records both know people by it, while the provider's subject ids differ between providers.
* A person the archive does not know gets an account at first login, **locked**: the provider proves identity,
  not a right to the archive, so a unit administrator (or the system administrator) activates it.
* The unit and roles the claims carry fill in what the account lacks; once set, the console's assignment is
  authoritative and later claims do not overwrite it. Two reasons: an administrator's decision must not flap back
  at the person's next login, and a unit or role is a right to records, which the provider does not grant — a
  directory change moving someone to another unit must not open that unit's archive without its administrator
  (the same reason new accounts start locked). A claimed unit the archive does not know is ignored but kept in
  the audit event, so the system administrator can see what the provider sent.
* Province-wide roles (system administrator, operator, inspector) come from a claim only when the deployment
  allows it explicitly; by default a claim can grant unit roles only.
* Names follow the provider at every login: the directory is where names are kept up to date.
* With SSO on, the password login is the break-glass path of system administrators only (``password_login_allowed``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import audit
from .access import Actor
from .accounts import ensure_roles
from .errors import InvalidInput
from .models import Account, Role, Unit
from .roles import ROLES, SYSTEM_ADMIN
from .suspension import ensure_writable

NAME_LENGTH = 64  # ab_user.first_name / last_name


@dataclass(frozen=True)
class DirectoryPerson:
    """What the identity provider says about a person, already read from its claims.

    ``unit_code`` and ``role_codes`` are None when the provider sent nothing for them.
    """

    email: str
    first_name: str
    last_name: str
    unit_code: str | None = None
    role_codes: frozenset[str] | None = None


@dataclass(frozen=True)
class SignIn:
    """The account a person signed in to, whether it may be used yet, and whether it was just created."""

    account_id: int
    active: bool
    created: bool


def normalised_email(email: str) -> str:
    """The account key: the e-mail address trimmed and in lower case; refused when it is not an address."""
    email = (email or "").strip().lower()
    local, _, domain = email.partition("@")
    if not local or "." not in domain or " " in email:
        raise InvalidInput(
            "Hệ thống xác thực tập trung không cung cấp địa chỉ thư điện tử công vụ hợp lệ.",
            "The single sign-on provider did not give a valid official e-mail address.",
            field="email",
        )
    return email


def sign_in(session: Session, actor: Actor, person: DirectoryPerson, *, province_roles_from_claim: bool = False
            ) -> SignIn:
    """Find or create the account of ``person`` and apply the claims' unit, roles and names (see module rules).

    Writes (and audits) only when something changes, so an ordinary login of a known person writes nothing here.
    """
    email = normalised_email(person.email)
    unit = _claimed_unit(session, person.unit_code)
    role_codes = claimable_roles(person.role_codes or (), province_roles_from_claim=province_roles_from_claim)
    first_name, last_name = person.first_name.strip()[:NAME_LENGTH], person.last_name.strip()[:NAME_LENGTH]
    account = session.scalar(select(Account).where(func.lower(Account.email) == email))
    if account is None:
        return _create_locked(session, actor, email, first_name, last_name, unit, role_codes, person.unit_code)

    rename = bool(first_name) and (account.first_name, account.last_name) != (first_name, last_name)
    place = account.unit_id is None and unit is not None
    grant = not account.roles and bool(role_codes)
    if rename or place or grant:
        ensure_writable(session)
        before = _snapshot(account)
        if rename:
            account.first_name, account.last_name = first_name, last_name
        if place:
            account.unit_id = unit.id
        if grant:
            account.roles = _roles(session, actor, role_codes)
        session.flush()
        audit.record(session, actor, "account.update", object_type="account", object_id=account.id,
                     unit_id=account.unit_id, before=before, after=_snapshot(account), details={"source": "sso"})
    return SignIn(account_id=account.id, active=bool(account.active), created=False)


def claimable_roles(codes: Iterable[str], *, province_roles_from_claim: bool) -> list[str]:
    """The role codes a claim may grant: known codes, and province-wide ones only when explicitly allowed."""
    return sorted(
        code for code in set(codes)
        if code in ROLES and (province_roles_from_claim or not ROLES[code].province_wide)
    )


def password_login_allowed(role_codes: Iterable[str], *, sso_enabled: bool, local_login: bool) -> bool:
    """Without SSO every account logs in with its password; with it, only system administrators, and only while the
    break-glass login is configured on."""
    if not sso_enabled:
        return True
    return local_login and SYSTEM_ADMIN in set(role_codes)


def _create_locked(session: Session, actor: Actor, email: str, first_name: str, last_name: str, unit: Unit | None,
                   role_codes: list[str], claimed_unit: str | None) -> SignIn:
    """A new account awaiting activation; its login name is the e-mail (unique, and what the person knows)."""
    ensure_writable(session)
    account = Account(
        username=email, password=None, first_name=first_name or email.partition("@")[0][:NAME_LENGTH],
        last_name=last_name, email=email, unit_id=None if unit is None else unit.id, active=False,
        roles=_roles(session, actor, role_codes) if role_codes else [],
    )
    session.add(account)
    session.flush()
    audit.record(
        session, actor, "account.create", object_type="account", object_id=account.id, unit_id=account.unit_id,
        after=_snapshot(account),
        details={"source": "sso", "awaiting": "activation", "claimed_unit": claimed_unit},
    )
    return SignIn(account_id=account.id, active=False, created=True)


def _claimed_unit(session: Session, code: str | None) -> Unit | None:
    code = (code or "").strip()
    return session.scalar(select(Unit).where(Unit.code == code)) if code else None


def _roles(session: Session, actor: Actor, codes: list[str]) -> list[Role]:
    ensure_roles(session, actor)
    return list(session.scalars(select(Role).where(Role.name.in_(codes))))


def _snapshot(account: Account) -> dict[str, object]:
    return {
        "username": account.username, "email": account.email, "first_name": account.first_name,
        "last_name": account.last_name, "unit_id": account.unit_id, "active": account.active,
        "roles": sorted(role.name for role in account.roles),
    }
