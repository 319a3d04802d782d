"""Behind nginx or the Kubernetes ingress the console must build its public addresses from the forwarded headers —
links, redirects and the single sign-on return address — but only when told how many proxies stand in front of it
(``KHOLUUTRU_TRUSTED_PROXIES``): otherwise any client could claim to be someone else or to have come over https."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask, request, url_for

from kholuutru.console.app import create_app
from kholuutru.console.context import console_context

FORWARDED = {
    "X-Forwarded-For": "203.0.113.7",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "luutru.example.vn",
    "X-Forwarded-Port": "443",
}


@pytest.fixture
def console(settings, database, storage) -> Iterator[Callable[[int], Flask]]:
    made: list[Flask] = []

    def make(trusted_proxies: int) -> Flask:
        app = create_app(settings.model_copy(update={"trusted_proxies": trusted_proxies}), database, storage)
        made.append(app)
        return app

    yield make
    for app in made:
        with app.app_context():
            console_context(app).db.engine.dispose()


def test_behind_a_trusted_proxy_the_public_https_address_is_used(console):
    app = console(1)
    with app.test_client() as client:
        assert client.get("/health", headers=FORWARDED).status_code == 200
        assert (request.scheme, request.host, request.remote_addr) == ("https", "luutru.example.vn", "203.0.113.7")
        assert url_for("kholuutru_ops.health", _external=True) == "https://luutru.example.vn/health"


def test_without_trusted_proxies_forwarded_headers_are_ignored(console):
    app = console(0)
    with app.test_client() as client:
        assert client.get("/health", headers=FORWARDED).status_code == 200
        assert request.scheme == "http" and request.host == "localhost"
        assert request.remote_addr != "203.0.113.7"
        assert url_for("kholuutru_ops.health", _external=True) == "http://localhost/health"
