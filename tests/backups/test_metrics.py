"""Prometheus metrics read from the backup and drill records (the alert rules on them: monitoring/alerts/)."""

from __future__ import annotations

import datetime as dt

from prometheus_client import generate_latest

from kholuutru.archive.access import Actor
from kholuutru.backups import metrics, records

SYSTEM = Actor.system("test")


class Scrape:
    """One scrape's reading of the records, exported as the console's ``/metrics`` exports it."""

    def __init__(self, database) -> None:
        with database.session(SYSTEM) as session:
            self.values = metrics.metric_values(session)

    def collect(self):
        return metrics.families(self.values)

    def text(self) -> bytes:
        return generate_latest(self)


def test_metrics_follow_the_newest_records(database):
    assert b"kholuutru_backup" not in Scrape(database).text(), "no record, no metric (alerts use absent())"

    now = dt.datetime.now(dt.UTC)
    records.record_backup(database, SYSTEM, started_at=now, finished_at=now, verdict="succeeded", repository="r",
                          snapshot_id="a" * 64, bytes_added=123, seconds=4.5)
    records.record_backup(database, SYSTEM, started_at=now, finished_at=now + dt.timedelta(seconds=1),
                          verdict="failed", repository="r", seconds=1.0, message="refused")
    records.record_drill(database, SYSTEM, started_at=now, finished_at=now, verdict="passed", repository="r",
                         snapshot_id="a" * 64, checks=[], bytes_restored=999, rto_seconds=12.5)
    scrape = Scrape(database)
    values = scrape.values
    assert values["kholuutru_backup_last_run_success"] == 0.0
    assert values["kholuutru_backup_last_success_timestamp_seconds"] == now.timestamp()
    assert values["kholuutru_backup_last_bytes_added"] == 123 and values["kholuutru_drill_last_passed"] == 1.0
    assert values["kholuutru_drill_last_rto_seconds"] == 12.5
    assert b"kholuutru_drill_last_rto_seconds 12.5" in scrape.text()

