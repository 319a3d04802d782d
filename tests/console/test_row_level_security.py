"""FAB's own session reads under row-level security: each request sees only the units its actor may see.

A test-only route counts fonds through Flask-SQLAlchemy's session (the one FAB's views use), so what it returns is
what PostgreSQL's policies let through for the logged-in user, by session cookie or by JWT.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask, jsonify

from kholuutru.archive.access import Actor
from kholuutru.archive.models import Fonds, Unit
from kholuutru.console.app import create_app
from kholuutru.console.context import console_context


@pytest.fixture(scope="module")
def fonds_units(database, demo) -> dict[str, int]:
    """One fonds in each of two departments; returns unit code -> unit id."""
    admin = Actor.system("test")
    with database.session(admin) as session:
        ids = {u.code: u.id for u in session.query(Unit).filter(Unit.code.in_(["000.00.01.H47", "000.00.02.H47"]))}
        session.add_all([
            Fonds(unit_id=ids["000.00.01.H47"], code="PH01", name="Phông Sở Nội vụ"),
            Fonds(unit_id=ids["000.00.02.H47"], code="PH02", name="Phông Sở Tư pháp"),
        ])
    return ids


@pytest.fixture(scope="module")
def rls_app(settings, database, storage, demo, fonds_units) -> Iterator[Flask]:
    app = create_app(settings, database, storage)

    def visible_fonds():
        session = console_context().db.session
        return jsonify(sorted(f.code for f in session.query(Fonds)))

    app.add_url_rule("/_test/fonds", "test_fonds", visible_fonds)
    app.add_url_rule("/api/_test/fonds", "test_api_fonds", visible_fonds)
    yield app
    with app.app_context():
        console_context(app).db.engine.dispose()


def login(app: Flask, username: str, password: str, csrf_token):
    client = app.test_client()
    answer = client.post("/login/", data={"username": username, "password": password,
                                          "csrf_token": csrf_token(client, "/login/")})
    assert answer.status_code == 302
    return client


def test_anonymous_sees_no_fonds(rls_app):
    assert rls_app.test_client().get("/_test/fonds").get_json() == []


def test_a_unit_role_sees_its_own_unit_only(rls_app, demo, csrf_token):
    staff = login(rls_app, "canbo", demo["canbo"], csrf_token)  # Sở Nội vụ, whose demo fonds is SNV
    assert staff.get("/_test/fonds").get_json() == ["PH01", "SNV"]
    reader = login(rls_app, "khaithac", demo["khaithac"], csrf_token)  # Sở Tư pháp
    assert reader.get("/_test/fonds").get_json() == ["PH02"]


def test_province_wide_roles_see_every_unit(rls_app, demo, csrf_token):
    for username in ("admin", "thanhtra", "trucvanhanh"):
        client = login(rls_app, username, demo[username], csrf_token)
        assert client.get("/_test/fonds").get_json() == ["PH01", "PH02", "SNV"]


def test_a_jwt_carries_its_user_units(rls_app, demo, api_token):
    client = rls_app.test_client()
    token = api_token(client, "khaithac", demo["khaithac"])
    answer = client.get("/api/_test/fonds", headers={"Authorization": f"Bearer {token}"})
    assert answer.get_json() == ["PH02"]
    assert client.get("/api/_test/fonds", headers={"Authorization": "Bearer not-a-token"}).get_json() == []
