"""The Flask-SQLAlchemy session FAB reads through, with row-level security applied to every transaction.

FAB's list/show views and REST reads query the database through Flask-SQLAlchemy's scoped session, not through
``Database.session``. PostgreSQL's row-level security policies read a per-transaction setting (invariant 1), so
each transaction of that session must start by setting the current actor's visible units; otherwise a FAB list
of a unit-owned table would show nothing (or, with a forgotten setting, must show nothing rather than everything).

The listener is registered once, on a dedicated session class, because Flask-SQLAlchemy's session class is shared
by every app in the process and tests create many apps.
"""

from __future__ import annotations

from typing import Any

from flask_appbuilder.models.sqla.base import SQLA
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.orm import SessionTransaction

from kholuutru.archive.access import apply_rls_context

from .actor import cached_actor


class RlsSession(FlaskSession):
    """Flask-SQLAlchemy session whose every transaction begins with the actor's row-level security context."""


@event.listens_for(RlsSession, "after_begin")
def _set_rls_context(session: RlsSession, transaction: SessionTransaction, connection: Connection) -> None:
    """Apply the actor of the current request (anonymous outside a request or before login resolves)."""
    apply_rls_context(connection, cached_actor())


def make_db(engine_options: dict[str, Any] | None = None) -> SQLA:
    """A Flask-SQLAlchemy extension using ``RlsSession``; FAB's tables are never created through it."""
    return SQLA(session_options={"class_": RlsSession}, engine_options=engine_options or {})


def reapply_rls_context(db: SQLA) -> None:
    """Re-set the context on a transaction that began before the actor was known (e.g. while loading the user)."""
    session = db.session()
    if session.in_transaction():
        apply_rls_context(session.connection(), cached_actor())
