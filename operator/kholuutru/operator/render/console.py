"""The console: Deployment running ``kholuutru up``, its Service, optional Ingress and PodDisruptionBudget."""

from __future__ import annotations

from typing import Any

from ..naming import Owner
from ..spec import PlatformSpec
from .pods import kholuutru_container, kholuutru_pod

PORT = 8080


def _health_probe(period: int, failures: int) -> dict[str, Any]:
    return {
        "httpGet": {"path": "/health", "port": "http"},
        "periodSeconds": period,
        "timeoutSeconds": 5,
        "failureThreshold": failures,
    }


def deployment(owner: Owner, spec: PlatformSpec) -> dict[str, Any]:
    container = kholuutru_container(
        owner, spec, "console", "console",
        command=["kholuutru"],
        args=["up", "--host", "0.0.0.0", "--port", str(PORT)],
        ports=[{"name": "http", "containerPort": PORT}],
        # `up` migrates the database before it listens: give it time before the other probes count.
        startupProbe={"tcpSocket": {"port": "http"}, "periodSeconds": 5, "failureThreshold": 60},
        # /health answers 503 while a dependency is down: out of the Service at once, restarted only when it
        # stays unhealthy for two minutes.
        readinessProbe=_health_probe(10, 3),
        livenessProbe=_health_probe(20, 6),
    )
    # The CronJobs (schedules.py) make the backups, drills and LGSP synchronisations here, not each console replica.
    container["env"] = [*container["env"], *({"name": name, "value": ""} for name in (
        "KHOLUUTRU_BACKUP_SCHEDULE", "KHOLUUTRU_DRILL_SCHEDULE", "KHOLUUTRU_LGSP_SYNC_SCHEDULE"))]
    if spec.ingress is not None:
        # Behind the Ingress controller: believe its one hop of forwarded headers, so the console's links and the
        # single sign-on return address carry the public https host. Without an Ingress nothing is trusted.
        container["env"].append({"name": "KHOLUUTRU_TRUSTED_PROXIES", "value": "1"})
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": owner.metadata(owner.console, "console"),
        "spec": {
            "replicas": spec.replicas,
            "selector": {"matchLabels": owner.selector("console")},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}},
            "template": {
                "metadata": {"labels": owner.labels("console")},
                "spec": kholuutru_pod(owner, spec, [container]),
            },
        },
    }


def service(owner: Owner) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": owner.metadata(owner.console, "console"),
        "spec": {
            "selector": owner.selector("console"),
            "ports": [{"name": "http", "port": 80, "targetPort": "http"}],
        },
    }


def ingress(owner: Owner, spec: PlatformSpec) -> dict[str, Any] | None:
    if spec.ingress is None:
        return None
    rule = {
        "host": spec.ingress.host,
        "http": {"paths": [{
            "path": "/",
            "pathType": "Prefix",
            "backend": {"service": {"name": owner.console, "port": {"name": "http"}}},
        }]},
    }
    ingress_spec: dict[str, Any] = {"rules": [rule]}
    if spec.ingress.class_name:
        ingress_spec["ingressClassName"] = spec.ingress.class_name
    if spec.ingress.tls_secret_name:
        ingress_spec["tls"] = [{"hosts": [spec.ingress.host], "secretName": spec.ingress.tls_secret_name}]
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": owner.metadata(owner.console, "console"),
        "spec": ingress_spec,
    }


def disruption_budget(owner: Owner) -> dict[str, Any]:
    """At most one console pod down for a voluntary disruption; a single replica may still be drained."""
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": owner.metadata(owner.console, "console"),
        "spec": {"maxUnavailable": 1, "selector": {"matchLabels": owner.selector("console")}},
    }


def children(owner: Owner, spec: PlatformSpec) -> list[dict[str, Any]]:
    wanted = [deployment(owner, spec), service(owner), disruption_budget(owner)]
    optional = ingress(owner, spec)
    return wanted + ([optional] if optional else [])
