"""Every metric the alert rules and the dashboard select is one the real code exports: a rule on a misspelt or
removed metric never fires, so the names are compared with a real scrape of the console's /metrics (demo province,
one backup, one drill and one sync run recorded, so the gauges that wait for a record are there) and with the
operator's registry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

import pytest
from flask import Flask
from monitoring_pack import PROMETHEUS_OWN, dashboard_expressions, metric_names, rules
from prometheus_client import REGISTRY, Metric
from prometheus_client.parser import text_string_to_metric_families

from kholuutru.archive.access import Actor
from kholuutru.archive.seed import seed_demo
from kholuutru.archive.sync_models import SyncRun
from kholuutru.backups import records
from kholuutru.console.app import create_app
from kholuutru.console.context import console_context
from kholuutru.operator import metrics as _operator_metrics  # noqa: F401  (registers them in the default registry)

SYSTEM = Actor.system("test")
SUFFIXES = {"counter": ("_total", "_created"), "histogram": ("_bucket", "_count", "_sum", "_created"),
            "gauge": ("",)}


@pytest.fixture(scope="module")
def app(settings, database, storage) -> Iterator[Flask]:
    """A console over the demo province with a backup, a passed drill and a successful sync run on record."""
    seed_demo(database, storage, settings, echo=lambda _: None)
    now = dt.datetime.now(dt.UTC)
    records.record_backup(database, SYSTEM, started_at=now, finished_at=now, verdict="succeeded", repository="r",
                          snapshot_id="a" * 64, bytes_added=123, seconds=4.5)
    records.record_drill(database, SYSTEM, started_at=now, finished_at=now, verdict="passed", repository="r",
                         snapshot_id="a" * 64, checks=[], bytes_restored=999, rto_seconds=12.5)
    with database.session(SYSTEM) as session:
        session.add(SyncRun(feed="users", state="succeeded", requested_by="system:test", finished_at=now))
    app = create_app(settings, database, storage)
    yield app
    with app.app_context():
        console_context(app).db.engine.dispose()


def sample_names(families: Iterable[Metric]) -> set[str]:
    """The series names a scrape of ``families`` gives: their samples', and for a labelled family with no child yet
    (the operator's before its first reconciliation) the names its type exposes."""
    names = set()
    for family in families:
        names |= {sample.name for sample in family.samples}
        names |= {family.name + suffix for suffix in SUFFIXES.get(family.type, ())}
    return names


def console_names(app: Flask) -> set[str]:
    client = app.test_client()
    assert client.get("/health").status_code == 200  # a request before the scrape: the request metrics have series
    answer = client.get("/metrics")
    assert answer.status_code == 200
    return {sample.name for family in text_string_to_metric_families(answer.get_data(as_text=True))
            for sample in family.samples}


def operator_names() -> set[str]:
    return {name for name in sample_names(REGISTRY.collect()) if name.startswith("kholuutru_operator_")}


def test_names_are_found_in_the_expressions():
    assert metric_names('sum(rate(kholuutru_http_requests_total{status=~"5.."}[5m])) and on() up{job="x"}') == {
        "kholuutru_http_requests_total", "up"}
    quantile = "histogram_quantile(0.95, sum by (le) (rate(kholuutru_x_bucket[5m])))"
    assert metric_names(quantile) == {"kholuutru_x_bucket"}


def test_every_metric_of_the_alerts_and_the_dashboard_is_exported(app):
    exported = console_names(app) | operator_names()
    for wanted in ("kholuutru_backup_last_success_timestamp_seconds", "kholuutru_sync_last_success_timestamp_seconds",
                   "kholuutru_http_request_duration_seconds_bucket", "kholuutru_operator_reconciles_total"):
        assert wanted in exported, f"the scrape is incomplete: {wanted}"
    used = {name: source for source, expressions in (("alerts", [rule["expr"] for rule in rules()]),
                                                     ("dashboard", dashboard_expressions()))
            for expression in expressions for name in metric_names(expression)}
    assert len(used) >= 20
    unknown = {name: source for name, source in used.items() if name not in exported | PROMETHEUS_OWN}
    assert unknown == {}, "selected by the monitoring pack but exported by no code"
