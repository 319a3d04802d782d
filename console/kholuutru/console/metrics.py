"""Prometheus metrics of one console app, served at ``/metrics`` (ARCHITECTURE §3).

Each app has its own ``CollectorRegistry``: tests create many apps in one process, and the default global registry
would refuse the second registration of the same metric names. What the database holds (suspension, incidents,
backups and drills, LGSP feeds) is read once per scrape, in one session (:class:`Readings`); when the database does
not answer, those metrics are left out and ``kholuutru_database_up`` is 0 — the console's own metrics still reach
Prometheus, so an outage of the database is not mistaken for an outage of the console.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from flask import Flask, Response, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import Metric

from kholuutru.archive.lgsp_sync import FeedHealth
from kholuutru.archive.suspension import SuspensionState
from kholuutru.backups import metrics as backup_metrics

from . import sync_metrics

_EXTENSION_KEY = "kholuutru_metrics"
_G_START = "kholuutru_request_started"


@dataclass
class ConsoleMetrics:
    """The registry and the metrics the console exports."""

    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        self.requests = Counter(
            "kholuutru_http_requests",
            "HTTP requests answered by the console, by endpoint, method and status.",
            ["endpoint", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "kholuutru_http_request_duration_seconds",
            "Time to answer an HTTP request, by endpoint.",
            ["endpoint"],
            registry=self.registry,
        )
        self.suspended = Gauge(
            "kholuutru_platform_suspended",
            "1 while the platform is suspended (regulation Đ10), else 0.",
            registry=self.registry,
        )
        self.suspended_since = Gauge(
            "kholuutru_platform_suspended_since_timestamp_seconds",
            "When the current suspension began (Unix time); 0 while the platform is not suspended.",
            registry=self.registry,
        )
        self.open_incidents = Gauge(
            "kholuutru_incidents_open",
            "Incidents not yet resolved (regulation Đ10), by severity.",
            ["severity"],
            registry=self.registry,
        )
        self.up = Gauge("kholuutru_up", "1 while the console answers.", registry=self.registry)
        self.up.set(1)
        self.database_up = Gauge(
            "kholuutru_database_up",
            "1 when the console read the database at this scrape, 0 when it could not.",
            registry=self.registry,
        )

    def exposition(self) -> bytes:
        """The text exposition format of every metric."""
        return generate_latest(self.registry)


def metrics_of(app: Flask) -> ConsoleMetrics:
    """The metrics of ``app``."""
    return app.extensions[_EXTENSION_KEY]


def _start_timer() -> None:
    setattr(g, _G_START, time.perf_counter())


def _record(response: Response) -> Response:
    from flask import current_app

    started = g.get(_G_START)
    endpoint = request.endpoint or "unknown"
    metrics = metrics_of(current_app)
    metrics.requests.labels(endpoint, request.method, str(response.status_code)).inc()
    if started is not None:
        metrics.latency.labels(endpoint).observe(time.perf_counter() - started)
    return response


def install_metrics(app: Flask) -> ConsoleMetrics:
    """Create the app's metrics and count every request (the timer starts before any other hook)."""
    metrics = ConsoleMetrics()
    app.extensions[_EXTENSION_KEY] = metrics
    app.before_request_funcs.setdefault(None, []).insert(0, _start_timer)
    app.after_request(_record)
    return metrics


@dataclass(frozen=True)
class Readings:
    """What one scrape read from the database."""

    suspension: SuspensionState
    open_incidents: dict[str, int]
    backups: dict[str, float]
    feeds: dict[str, FeedHealth]
    lgsp_configured: bool

    def collect(self) -> Iterator[Metric]:
        """The gauges without a life of their own in the registry: absent until a record exists (the alert rules
        use ``absent()``), so they are made anew from each scrape's readings."""
        yield from backup_metrics.families(self.backups)
        yield from sync_metrics.families(self.feeds, self.lgsp_configured)


def metrics_response(metrics: ConsoleMetrics, readings: Readings | None) -> Response:
    """The ``/metrics`` answer; ``readings`` is ``None`` when the database cannot be read (its gauges are left as
    they were, the per-scrape ones left out)."""
    metrics.database_up.set(0 if readings is None else 1)
    read = b""
    if readings is not None:
        suspension = readings.suspension
        metrics.suspended.set(1 if suspension.suspended else 0)
        since = suspension.since if suspension.suspended else None
        metrics.suspended_since.set(since.timestamp() if since else 0)
        for severity, count in readings.open_incidents.items():
            metrics.open_incidents.labels(severity).set(count)
        read = generate_latest(readings)  # type: ignore[arg-type]  # any object with collect() is a registry here
    return Response(metrics.exposition() + read, mimetype=CONTENT_TYPE_LATEST)
