"""The platform objects one console app works with, kept on the Flask app so views and hooks can reach them.

Tests create many apps in one process, so nothing here is a module-level global: each app carries its own
settings, database and storage in ``app.extensions["kholuutru"]``.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app
from flask_sqlalchemy import SQLAlchemy

from kholuutru.archive.database import Database
from kholuutru.archive.settings import Settings
from kholuutru.archive.storage import Storage

EXTENSION_KEY = "kholuutru"


@dataclass
class ConsoleContext:
    """Settings, database, document storage and the Flask-SQLAlchemy handle FAB reads through."""

    settings: Settings
    database: Database
    storage: Storage
    db: SQLAlchemy


def install(app: Flask, context: ConsoleContext) -> None:
    """Attach ``context`` to ``app``."""
    app.extensions[EXTENSION_KEY] = context


def console_context(app: Flask | None = None) -> ConsoleContext:
    """The context of ``app`` (default: the current app)."""
    return (app or current_app).extensions[EXTENSION_KEY]
