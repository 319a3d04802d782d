"""NetworkPolicies: nothing reaches a platform's pods but the console's HTTP port, and the database only from the
platform's own kholuutru pods (console and Jobs). Egress stays open: object storage, the off-site repository, SSO
and the LGSP live outside the namespace, at addresses the spec does not pin down."""

from __future__ import annotations

from typing import Any

from ..naming import Owner
from .console import PORT


def _policy(owner: Owner, name: str, component: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": owner.metadata(name, component),
        "spec": {"policyTypes": ["Ingress"], **spec},
    }


def children(owner: Owner, with_database: bool) -> list[dict[str, Any]]:
    policies = [
        _policy(owner, f"{owner.name}-default-deny", "network",
                {"podSelector": {"matchLabels": owner.selector()}, "ingress": []}),
        _policy(owner, owner.console, "console", {
            "podSelector": {"matchLabels": owner.selector("console")},
            "ingress": [{"ports": [{"protocol": "TCP", "port": PORT}]}],
        }),
    ]
    if with_database:
        policies.append(_policy(owner, owner.database, "database", {
            "podSelector": {"matchLabels": owner.selector("database")},
            "ingress": [{
                "from": [{"podSelector": {"matchExpressions": [
                    {"key": "app.kubernetes.io/instance", "operator": "In", "values": [owner.name]},
                    {"key": "app.kubernetes.io/component", "operator": "NotIn", "values": ["database"]},
                ]}}],
                "ports": [{"protocol": "TCP", "port": 5432}],
            }],
        }))
    return policies
