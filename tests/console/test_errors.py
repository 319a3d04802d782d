"""Refusals of the archive never become a 500: their status and message, JSON under /api/, a page otherwise."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from flask import Flask

from kholuutru.archive.access import Actor
from kholuutru.archive.errors import Conflict, NotFound
from kholuutru.archive.models import Unit
from kholuutru.console.actor import set_actor
from kholuutru.console.app import create_app
from kholuutru.console.context import console_context
from kholuutru.console.errors import ServiceRefusal
from kholuutru.console.views.units import UnitInterface


@pytest.fixture(scope="module")
def failing_app(settings, database, storage, demo) -> Iterator[Flask]:
    app = create_app(settings, database, storage)

    def missing():
        raise NotFound("Không có hồ sơ số 7.", "There is no dossier 7.", field="id")

    def clash():
        raise Conflict("Mã đã được dùng.", "The code is already in use.", field="code")

    app.add_url_rule("/_test/missing", "test_missing", missing)
    app.add_url_rule("/api/_test/clash", "test_clash", clash, methods=["GET"])
    yield app
    with app.app_context():
        console_context(app).db.engine.dispose()


def test_an_archive_error_on_a_page_is_its_status_with_the_message(failing_app):
    answer = failing_app.test_client().get("/_test/missing")
    assert answer.status_code == 404
    assert "Không có hồ sơ số 7." in answer.get_data(as_text=True)


def test_an_archive_error_under_api_is_json_in_the_users_language(failing_app):
    client = failing_app.test_client()
    answer = client.get("/api/_test/clash")
    assert answer.status_code == 409
    assert answer.get_json() == {"message": "Mã đã được dùng.", "field": "code"}
    assert client.get("/api/_test/clash?_l_=en").get_json()["message"] == "The code is already in use."


def test_the_service_refuses_a_write_while_suspended_even_past_the_console(failing_app, database, suspended):
    """The console's guard is the first line; the archive's service is the second, and maps to 503."""
    with failing_app.test_request_context("/units/add"):
        set_actor(Actor.system("test"))
        item = Unit(code="000.00.60.H47", name="Sở Công Thương", level="department")
        with pytest.raises(ServiceRefusal) as refused:
            UnitInterface(Unit).add(item)
    assert refused.value.http_status == 503
    assert "tạm dừng" in str(refused.value)


def test_an_oversized_body_is_refused_as_it_arrives(app, client, monkeypatch):
    """MAX_CONTENT_LENGTH stops a page's upload before the form (and its CSRF token) is parsed: 413, not a 500."""
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024)
    answer = client.post("/login/", data={"file": (io.BytesIO(b"%PDF-" + b"x" * 4096), "lon.pdf")},
                         content_type="multipart/form-data")
    assert answer.status_code == 413
    assert "dung lượng tối đa" in answer.get_data(as_text=True)
