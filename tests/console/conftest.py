"""Console fixtures: a console app over this module's database with the demo province in it, logged-in clients.

The database, settings, storage and demo fixtures come from tests/conftest.py (a fresh database per module, a copy of
the demo province seeded once per session when the module uses ``demo``).
Forms are submitted with their real CSRF token, as a browser would. Test modules cannot import this file (pytest's
importlib mode), so its helpers are handed out as fixtures.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from kholuutru.archive import suspension
from kholuutru.archive.access import Actor
from kholuutru.archive.database import Database
from kholuutru.archive.models import AuditEvent
from kholuutru.console.app import create_app
from kholuutru.console.context import console_context

sys.path.insert(0, str(Path(__file__).parent))  # the shared helpers of console_support
from console_support import csrf_token, login  # noqa: E402


def api_token(client: FlaskClient, username: str, password: str) -> str:
    """A JWT from FAB's API login."""
    answer = client.post(
        "/api/v1/security/login", json={"username": username, "password": password, "provider": "db"}
    )
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["access_token"]


def audit_count(database: Database) -> int:
    """Events in the audit chain (read province-wide)."""
    with database.session(Actor.system("test")) as session:
        return session.query(AuditEvent).count()


@pytest.fixture(name="csrf_token")
def csrf_token_fixture() -> Callable[[FlaskClient, str], str]:
    return csrf_token


@pytest.fixture(name="api_token")
def api_token_fixture() -> Callable[[FlaskClient, str, str], str]:
    return api_token


@pytest.fixture(name="audit_count")
def audit_count_fixture(database: Database) -> Callable[[], int]:
    return lambda: audit_count(database)


@pytest.fixture(scope="module")
def app(settings, database, storage, demo) -> Iterator[Flask]:
    """A console app over this module's database (demo province seeded)."""
    app = create_app(settings, database, storage)
    yield app
    with app.app_context():
        console_context(app).db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def client_as(app: Flask, demo: dict[str, str]) -> Callable[[str], FlaskClient]:
    """A client logged in as a demo account."""

    def make(username: str) -> FlaskClient:
        client = app.test_client()
        login(client, username, demo[username])
        return client

    return make


@pytest.fixture
def suspended(database: Database) -> Iterator[str]:
    """The platform suspended for the duration of one test (resumed afterwards); yields the reason."""
    reason = "Sự cố an ninh mạng đang được xử lý"
    operator = Actor.system("test")
    with database.session(operator) as session:
        suspension.suspend(session, operator, reason)
    try:
        yield reason
    finally:
        with database.session(operator) as session:
            suspension.resume(session, operator, "Đã xử lý xong sự cố")
