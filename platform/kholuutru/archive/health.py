"""The platform's health as ``GET /health`` reports it (ARCHITECTURE §4)."""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy.exc import SQLAlchemyError

from .access import Actor
from .database import Database
from .suspension import current_state


class Pingable(Protocol):
    def ping(self) -> bool: ...


def check(database: Database, storage: Pingable) -> dict[str, Any]:
    """``{"status", "suspended", "database", "storage"}``; status is "ok" only when every dependency answers."""
    suspended: bool | None = None
    database_ok = False
    try:
        with database.session(Actor.anonymous()) as session:
            suspended = current_state(session).suspended
        database_ok = True
    except SQLAlchemyError:
        pass
    storage_ok = storage.ping()
    return {
        "status": "ok" if database_ok and storage_ok else "down",
        "suspended": suspended,
        "database": "ok" if database_ok else "error",
        "storage": "ok" if storage_ok else "error",
    }
