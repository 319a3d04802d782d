"""Prometheus metrics of the operator (ARCHITECTURE §3: the operator exposes its own)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram, start_http_server

RECONCILES = Counter(
    "kholuutru_operator_reconciles", "Reconciliations of ArchivePlatforms, by outcome.", ["outcome"]
)
RECONCILE_SECONDS = Histogram(
    "kholuutru_operator_reconcile_seconds", "Time to reconcile one ArchivePlatform (children applied, status set)."
)
JOB_RESULTS = Counter(
    "kholuutru_operator_job_results", "Finished backup, drill and suspension Jobs recorded, by result.",
    ["component", "result"],
)
PLATFORM_READY = Gauge(
    "kholuutru_operator_platform_ready", "1 when the ArchivePlatform's Ready condition is True.",
    ["namespace", "name"],
)


def serve(port: int) -> None:
    """Expose ``/metrics`` on ``port`` (0: not at all)."""
    if port:
        start_http_server(port)
