"""``/health`` exactly as ARCHITECTURE §4 says, and ``/metrics`` in Prometheus' text format."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from prometheus_client.parser import text_string_to_metric_families

from kholuutru.archive.access import Actor
from kholuutru.archive.database import Database
from kholuutru.archive.suspension import current_state
from kholuutru.backups import records
from kholuutru.console.app import create_app
from kholuutru.console.context import console_context


@dataclass
class DeadStorage:
    def ping(self) -> bool:
        return False


def test_health_is_exactly_the_contract(client):
    answer = client.get("/health")
    assert answer.status_code == 200
    assert answer.get_json() == {"status": "ok", "suspended": False, "database": "ok", "storage": "ok"}


def test_health_reports_suspension(client, suspended):
    answer = client.get("/health")
    assert answer.status_code == 200
    assert answer.get_json()["suspended"] is True


def test_health_is_503_when_storage_is_down(settings, database):
    app = create_app(settings, database, DeadStorage())
    answer = app.test_client().get("/health")
    with app.app_context():
        console_context(app).db.engine.dispose()
    assert answer.status_code == 503
    body = answer.get_json()
    assert body["status"] in ("degraded", "down")
    assert (body["database"], body["storage"]) == ("ok", "error")


def test_health_is_503_when_the_database_is_down(app, storage):
    unreachable = "postgresql+psycopg://nobody@/nowhere?host=/nonexistent-socket-dir"
    context = console_context(app)
    real = context.database
    context.database = Database(app_url=unreachable, owner_url=unreachable)
    try:
        answer = app.test_client().get("/health")
    finally:
        context.database.close()
        context.database = real
    assert answer.status_code == 503
    body = answer.get_json()
    assert body["status"] == "down"
    assert (body["database"], body["storage"]) == ("error", "ok")


def samples(client) -> dict[tuple[str, tuple], float]:
    answer = client.get("/metrics")
    assert answer.status_code == 200
    assert answer.mimetype == "text/plain"
    found = {}
    for family in text_string_to_metric_families(answer.get_data(as_text=True)):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def test_metrics_expose_up_suspension_and_requests(client):
    client.get("/login/")
    found = samples(client)
    assert found[("kholuutru_up", ())] == 1
    assert found[("kholuutru_platform_suspended", ())] == 0
    assert found[("kholuutru_platform_suspended_since_timestamp_seconds", ())] == 0
    logins = [value for (name, labels), value in found.items()
              if name == "kholuutru_http_requests_total" and ("endpoint", "AuthDBView.login") in labels]
    assert logins and sum(logins) >= 1
    assert any(name == "kholuutru_http_request_duration_seconds_bucket" for name, _ in found)


def test_the_suspension_gauges_follow_the_platform(client, database, suspended):
    found = samples(client)
    with database.session(Actor.system("test")) as session:
        since = current_state(session).since
    assert found[("kholuutru_platform_suspended", ())] == 1
    assert found[("kholuutru_platform_suspended_since_timestamp_seconds", ())] == since.timestamp()


@pytest.mark.parametrize("path", ["/health", "/metrics"])
def test_health_and_metrics_need_no_login(client, path):
    assert client.get(path).status_code == 200


def test_metrics_read_the_records_at_each_scrape(client, database):
    before = samples(client)
    assert before[("kholuutru_database_up", ())] == 1
    assert before[("kholuutru_sync_configured", ())] == 0, "no LGSP base URL in the test settings"
    now = dt.datetime.now(dt.UTC)
    records.record_backup(database, Actor.system("test"), started_at=now, finished_at=now, verdict="succeeded",
                          repository="s3:https://offsite.example/kholuutru", snapshot_id="b" * 64, bytes_added=42,
                          seconds=3.0)
    after = samples(client)
    assert after[("kholuutru_backup_last_run_success", ())] == 1
    assert after[("kholuutru_backup_last_success_timestamp_seconds", ())] == now.timestamp()


def test_metrics_still_answer_when_the_database_is_down(app):
    """Prometheus keeps the console's own metrics and learns that the database is down, instead of a failed scrape
    that would look like the console being down."""
    unreachable = "postgresql+psycopg://nobody@/nowhere?host=/nonexistent-socket-dir"
    context = console_context(app)
    real = context.database
    context.database = Database(app_url=unreachable, owner_url=unreachable)
    try:
        found = samples(app.test_client())
    finally:
        context.database.close()
        context.database = real
    assert found[("kholuutru_up", ())] == 1
    assert found[("kholuutru_database_up", ())] == 0
    assert not [name for name, _ in found if name.startswith(("kholuutru_backup", "kholuutru_drill", "kholuutru_sync"))]
