"""Prometheus metrics of the LGSP synchronisation, read from ``sync_runs`` and ``sync_reviews`` at scrape time.

Like the backups' metrics: the values come from the database, so they are right whichever process ran the sync
(``kholuutru up``'s schedule, a CronJob, an operator at the command line). ``kholuutru_sync_configured`` tells the
alert rules whether a feed that never succeeded, or stopped succeeding, matters at all.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily

from kholuutru.archive.lgsp_sync import FeedHealth

CONFIGURED = "kholuutru_sync_configured"
LAST_SUCCESS = "kholuutru_sync_last_success_timestamp_seconds"
LAST_RUN_SUCCESS = "kholuutru_sync_last_run_success"
FAILURES = "kholuutru_sync_failures_since_success"
OPEN_REVIEWS = "kholuutru_sync_reviews_open"
HELP = {
    CONFIGURED: "1 when LGSP is configured (KHOLUUTRU_LGSP_BASE_URL): its feeds are expected to synchronise daily.",
    LAST_SUCCESS: "End of the newest successful run of the feed (Unix time); absent when it never succeeded.",
    LAST_RUN_SUCCESS: "1 if the newest finished run of the feed succeeded, 0 if it failed; absent before any run.",
    FAILURES: "Runs of the feed that failed since its newest successful run.",
    OPEN_REVIEWS: "Records of the feed held in the review queue, not yet retried or dismissed.",
}


def families(health: dict[str, FeedHealth], configured: bool) -> Iterator[GaugeMetricFamily]:
    """The gauges of each feed's ``health`` (``lgsp_sync.feed_health``); ``configured``: an LGSP base URL is set."""
    yield GaugeMetricFamily(CONFIGURED, HELP[CONFIGURED], value=1.0 if configured else 0.0)
    by_name = {name: GaugeMetricFamily(name, HELP[name], labels=["feed"])
               for name in (LAST_SUCCESS, LAST_RUN_SUCCESS, FAILURES, OPEN_REVIEWS)}
    for feed, state in health.items():
        if state.last_success is not None:
            by_name[LAST_SUCCESS].add_metric([feed], state.last_success.timestamp())
        if state.last_run_succeeded is not None:
            by_name[LAST_RUN_SUCCESS].add_metric([feed], 1.0 if state.last_run_succeeded else 0.0)
        by_name[FAILURES].add_metric([feed], state.failures_since_success)
        by_name[OPEN_REVIEWS].add_metric([feed], state.open_reviews)
    yield from by_name.values()
