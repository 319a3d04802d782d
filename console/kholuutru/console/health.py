"""``GET /health`` and ``GET /metrics``: the two unauthenticated answers for load balancers and Prometheus.

``/health`` is exactly ARCHITECTURE §4: 200 ``{"status": "ok", "suspended": false, "database": "ok",
"storage": "ok"}``; 503 with ``"status": "degraded"`` or ``"down"`` and ``"error"`` for the failing dependency.
The archive computes it (``kholuutru.archive.health.check``) so the CLI and the operator agree with the console.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, current_app, jsonify

from kholuutru.archive.access import Actor

from .context import console_context
from .metrics import Readings, metrics_of, metrics_response

log = logging.getLogger(__name__)

blueprint = Blueprint("kholuutru_ops", __name__)

OPEN_ENDPOINTS = frozenset({"kholuutru_ops.health", "kholuutru_ops.metrics"})
"""Endpoints answered without login, suspension checks or database session (they must work when all is down)."""


def health_report(database: Any, storage: Any) -> dict[str, Any]:
    """The archive's health report, or the same shape computed from ``ping()`` when it offers none."""
    try:
        from kholuutru.archive.health import check
    except ImportError:
        return _fallback_report(database, storage)
    try:
        return check(database, storage)
    except Exception:  # the check itself must not turn a failing dependency into a 500
        log.exception("health: the archive's check failed; computing the report from ping()")
        return _fallback_report(database, storage)


def _fallback_report(database: Any, storage: Any) -> dict[str, Any]:
    database_ok = _ping(database)
    storage_ok = _ping(storage)
    suspended: bool | None = None
    if database_ok:
        try:
            from kholuutru.archive.suspension import current_state

            with database.session(Actor.system("health")) as session:
                suspended = current_state(session).suspended
        except Exception:
            log.exception("health: reading the suspension state failed")
            database_ok = False
    status = "ok" if database_ok and storage_ok else ("down" if not database_ok else "degraded")
    return {
        "status": status,
        "suspended": suspended,
        "database": "ok" if database_ok else "error",
        "storage": "ok" if storage_ok else "error",
    }


def _ping(dependency: Any) -> bool:
    try:
        return bool(dependency.ping())
    except Exception:
        log.exception("health: ping of %r failed", dependency)
        return False


@blueprint.get("/health")
def health() -> Response:
    """200 when the database and the storage answer, 503 otherwise."""
    context = console_context()
    report = health_report(context.database, context.storage)
    response = jsonify(report)
    response.status_code = 200 if report.get("status") == "ok" else 503
    return response


@blueprint.get("/metrics")
def metrics() -> Response:
    """Prometheus text format; what the database holds is read at each scrape, in one session."""
    from kholuutru.archive.incidents import open_counts
    from kholuutru.archive.lgsp_sync import feed_health
    from kholuutru.archive.suspension import current_state
    from kholuutru.backups.metrics import metric_values

    context = console_context()
    readings: Readings | None = None
    try:
        with context.database.session(Actor.system("metrics")) as session:
            readings = Readings(suspension=current_state(session), open_incidents=open_counts(session),
                                backups=metric_values(session), feeds=feed_health(session),
                                lgsp_configured=bool(context.settings.lgsp_base_url))
    except Exception:
        log.exception("metrics: the database could not be read")
    return metrics_response(metrics_of(current_app), readings)
