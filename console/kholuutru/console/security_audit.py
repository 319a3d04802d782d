"""Audit events for the writes Flask-AppBuilder makes itself: accounts, roles, groups and API keys (invariant 2).

The console's own screens write through the archive's services, which record their events. FAB's security screens,
its security REST API, logins and its start-up sync of role rights write the ``ab_*`` tables through FAB's session
instead; these hooks give each such change its audit event in the same transaction. The change is collected before
the flush (when the old values are still known) and recorded after it (when new rows have their ids); the commit
flushes again, so the event commits or rolls back with the change.
"""

from __future__ import annotations

from typing import Any

from flask import has_request_context
from flask_appbuilder.security.sqla.models import ApiKey, Group, RegisterUser, Role, User
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from kholuutru.archive import audit
from kholuutru.archive.access import Actor

from .actor import actor_for_user, cached_actor
from .db import RlsSession

AUDITED = (User, Role, Group, ApiKey, RegisterUser)
LOGIN_COLUMNS = frozenset({"last_login", "login_count", "fail_login_count", "changed_on"})
_PENDING = "kholuutru_security_changes"


@event.listens_for(RlsSession, "before_flush")
def _collect(session: Session, flush_context: Any, instances: Any) -> None:
    pending = session.info.setdefault(_PENDING, [])
    for verb, rows in (("create", session.new), ("update", session.dirty), ("delete", session.deleted)):
        for row in rows:
            if isinstance(row, AUDITED) and (verb != "update" or session.is_modified(row)):
                pending.append((verb, row, _state(row, before=True), _changed_columns(row)))


@event.listens_for(RlsSession, "after_flush_postexec")
def _record(session: Session, flush_context: Any) -> None:
    pending = session.info.pop(_PENDING, [])
    for verb, row, before, changed in pending:
        kind = type(row).__tablename__.removeprefix("ab_")
        action = f"{kind}.{verb}"
        if isinstance(row, User) and verb == "update" and changed and changed <= LOGIN_COLUMNS:
            action = "user.login" if "login_count" in changed else "user.login_failed"
        audit.record(
            session, _actor(row), action, object_type=kind, object_id=row.id, unit_id=getattr(row, "unit_id", None),
            before=None if verb == "create" else before, after=None if verb == "delete" else _state(row),
            details={"columns": sorted(changed)} if changed else None, flush=False,
        )


def _actor(row: Any) -> Actor:
    """Who made the change: the request's user; the user logging in for a login; the console itself at start-up."""
    if not has_request_context():
        return Actor.system("console")
    actor = cached_actor()
    if actor.user_id is None and isinstance(row, User):
        return actor_for_user(row)
    return actor


def _changed_columns(row: Any) -> frozenset[str]:
    state = inspect(row)
    return frozenset(attr.key for attr in state.mapper.column_attrs if state.attrs[attr.key].history.has_changes())


def _state(row: Any, before: bool = False) -> dict[str, Any]:
    """Column values now, or as they were before this flush's changes."""
    state = inspect(row)
    values = {}
    for attr in state.mapper.column_attrs:
        history = state.attrs[attr.key].history
        values[attr.key] = history.deleted[0] if before and history.deleted else getattr(row, attr.key, None)
    return values
