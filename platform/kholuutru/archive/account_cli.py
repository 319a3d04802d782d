"""``kholuutru account show|lock|unlock``: an account locked on a unit's written request (regulation Đ11.3).

The console's account pages do the same through the same services (``accounts``); the command line is for the
on-call operator who must act at once on a written request — a lock ends the person's open sessions and API tokens
on their next request. The written request (document number, date, who asks, why) is recorded with the lock and in
its audit event. The actor is the operating staff at the command line (``Actor.system``), as for ``admin create``.
"""

from __future__ import annotations

from typing import Any

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from . import accounts
from .access import Actor
from .cli import Context, emit, main, reports
from .errors import NotFound
from .models import Account

ACTOR = Actor.system("account")


def account_by_username(session: Session, username: str) -> Account:
    """The account of login name ``username`` the actor may see, or a refusal naming ``--username``."""
    account_id = session.scalar(select(Account.id).where(Account.username == username.strip().lower()))
    if account_id is None:
        raise NotFound(f"Không có tài khoản {username}.", f"There is no account {username}.", field="username")
    return accounts.get_account(session, ACTOR, account_id)


def account_dict(session: Session, account: Account) -> dict[str, Any]:
    """The account's standing: active or not, its roles and unit, and the open lock behind an inactive one."""
    lock = accounts.open_lock(session, ACTOR, account.id)
    return {
        "id": account.id, "username": account.username, "active": bool(account.active),
        "unit": account.unit.code if account.unit else None, "roles": sorted(role.name for role in account.roles),
        "lock": None if lock is None else {
            "kind": lock.kind, "reason": lock.reason, "document_number": lock.document_number,
            "document_date": lock.document_date, "requested_by": lock.requested_by, "locked_at": lock.locked_at,
            "locked_by": lock.locked_by},
    }


def _human(result: dict[str, Any]) -> str:
    state = "đang hoạt động / active" if result["active"] else "đã khóa / locked"
    lock = result["lock"]
    why = f" — {lock['document_number']} ({lock['requested_by']}): {lock['reason']}" if lock else ""
    return f"{result['username']} [{result['unit']}] {state}{why}"


@main.group("account")
def account_group() -> None:
    """Tài khoản / staff accounts."""


@account_group.command("show")
@click.option("--username", required=True)
@reports
def account_show(context: Context, as_json: bool, username: str) -> None:
    """Whether the account is active, and the lock behind it if not."""
    with context.database() as database, database.session(ACTOR) as session:
        result = {"ok": True, **account_dict(session, account_by_username(session, username))}
    emit(as_json, result, _human(result))


@account_group.command("lock")
@click.option("--username", required=True)
@click.option("--reason", required=True, help="Why, as the written request says.")
@click.option("--document-number", required=True, help="Number and symbol of the written request.")
@click.option("--document-date", required=True, help="Date of the written request (YYYY-MM-DD).")
@click.option("--requested-by", required=True, help="Who asks: the person and unit that signed the request.")
@reports
def account_lock(context: Context, as_json: bool, username: str, reason: str, document_number: str,
                 document_date: str, requested_by: str) -> None:
    """Lock the account on a written request: no more sign-ins, open sessions and tokens refused."""
    request = accounts.AccountRequest.clean(reason=reason, document_number=document_number,
                                            document_date=document_date, requested_by=requested_by)
    with context.database() as database, database.session(ACTOR) as session:
        account = account_by_username(session, username)
        accounts.lock_account(session, ACTOR, account.id, request)
        result = {"ok": True, **account_dict(session, account)}
    emit(as_json, result, f"Đã khóa tài khoản / account locked: {_human(result)}")


@account_group.command("unlock")
@click.option("--username", required=True)
@click.option("--reason", required=True, help="Why the lock is lifted (recorded).")
@reports
def account_unlock(context: Context, as_json: bool, username: str, reason: str) -> None:
    """Lift the account's lock (a retired account stays retired)."""
    with context.database() as database, database.session(ACTOR) as session:
        account = accounts.unlock_account(session, ACTOR, account_by_username(session, username).id, reason)
        result = {"ok": True, **account_dict(session, account)}
    emit(as_json, result, f"Đã mở khóa tài khoản / account unlocked: {_human(result)}")
