"""The LGSP sync gauges of the console's /metrics, read from the sync runs and the review queue of the database."""

from __future__ import annotations

import datetime as dt

from prometheus_client import CollectorRegistry
from prometheus_client.exposition import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from kholuutru.archive.access import Actor
from kholuutru.archive.settings import Settings
from kholuutru.archive.sync_models import SyncReview, SyncRun
from kholuutru.console import sync_metrics

SYSTEM = Actor.system("test")
START = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)


def scrape(registry: CollectorRegistry) -> dict[tuple[str, str | None], float]:
    """(metric, feed) -> value of every sample the registry exports."""
    return {(sample.name, sample.labels.get("feed")): sample.value
            for family in text_string_to_metric_families(generate_latest(registry).decode())
            for sample in family.samples}


def add_run(session, feed: str, state: str, minutes: int) -> None:
    moment = START + dt.timedelta(minutes=minutes)
    session.add(SyncRun(feed=feed, state=state, requested_by="system:test", started_at=moment,
                        finished_at=None if state == "running" else moment, error="LGSP 503" if state == "failed"
                        else None))


def test_gauges_follow_the_runs_of_each_feed(database, settings):
    registry = CollectorRegistry()
    sync_metrics.register(registry, database, settings)
    found = scrape(registry)
    assert found[("kholuutru_sync_configured", None)] == 0, "no LGSP base URL in the test settings"
    assert not any(name == "kholuutru_sync_last_success_timestamp_seconds" for name, _ in found), "none succeeded"
    assert found[("kholuutru_sync_failures_since_success", "users")] == 0

    with database.session(SYSTEM) as session:
        add_run(session, "users", "failed", 0)
        add_run(session, "users", "succeeded", 10)
        add_run(session, "users", "failed", 20)
        add_run(session, "users", "failed", 30)
        add_run(session, "users", "running", 40)
        add_run(session, "procedures", "failed", 5)
        add_run(session, "dossiers", "succeeded", 15)
        session.add(SyncReview(feed="dossiers", record_key="H1", payload={}, payload_digest="0" * 64, reasons=[]))
        session.add(SyncReview(feed="dossiers", record_key="H2", payload={}, payload_digest="1" * 64, reasons=[],
                               resolved_at=START, resolved_by="system:test", resolution="dismissed"))
    found = scrape(registry)

    assert found[("kholuutru_sync_last_success_timestamp_seconds", "users")] == (
        START + dt.timedelta(minutes=10)).timestamp()
    assert found[("kholuutru_sync_last_run_success", "users")] == 0, "the running run has not finished"
    assert found[("kholuutru_sync_failures_since_success", "users")] == 2, "the failure before the success is over"
    assert ("kholuutru_sync_last_success_timestamp_seconds", "procedures") not in found
    assert found[("kholuutru_sync_last_run_success", "procedures")] == 0
    assert found[("kholuutru_sync_failures_since_success", "procedures")] == 1
    assert found[("kholuutru_sync_last_run_success", "dossiers")] == 1
    assert found[("kholuutru_sync_reviews_open", "dossiers")] == 1, "the dismissed record is not open"
    assert found[("kholuutru_sync_reviews_open", "users")] == 0


def test_configured_follows_the_lgsp_base_url(database, settings):
    registry = CollectorRegistry()
    configured = Settings(**{**settings.model_dump(), "lgsp_base_url": "https://lgsp.example.gov.vn/api"})
    sync_metrics.register(registry, database, configured)
    assert scrape(registry)[("kholuutru_sync_configured", None)] == 1
