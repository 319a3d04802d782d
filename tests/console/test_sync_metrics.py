"""The LGSP sync gauges of the console's /metrics, read from the sync runs and the review queue of the database."""

from __future__ import annotations

import datetime as dt

from prometheus_client.exposition import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from kholuutru.archive import lgsp_sync
from kholuutru.archive.access import Actor
from kholuutru.archive.sync_models import SyncReview, SyncRun
from kholuutru.console import sync_metrics

SYSTEM = Actor.system("test")
START = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)


class Families:
    """The sync gauges of one scrape, as the console's ``/metrics`` reads and exports them."""

    def __init__(self, database, configured: bool) -> None:
        with database.session(SYSTEM) as session:
            self.health = lgsp_sync.feed_health(session)
        self.configured = configured

    def collect(self):
        return sync_metrics.families(self.health, self.configured)


def scrape(database, configured: bool = False) -> dict[tuple[str, str | None], float]:
    """(metric, feed) -> value of every sample exported."""
    text = generate_latest(Families(database, configured)).decode()
    return {(sample.name, sample.labels.get("feed")): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def add_run(session, feed: str, state: str, minutes: int) -> None:
    moment = START + dt.timedelta(minutes=minutes)
    session.add(SyncRun(feed=feed, state=state, requested_by="system:test", started_at=moment,
                        finished_at=None if state == "running" else moment, error="LGSP 503" if state == "failed"
                        else None))


def test_gauges_follow_the_runs_of_each_feed(database):
    found = scrape(database)
    assert found[("kholuutru_sync_configured", None)] == 0
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
    found = scrape(database)

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


def test_configured_says_whether_the_feeds_matter(database):
    assert scrape(database, configured=True)[("kholuutru_sync_configured", None)] == 1
