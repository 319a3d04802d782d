"""Labels and namespace conventions shared by the stack's resources."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_kubernetes as k8s

MANAGED_BY = "pulumi"
RESTRICTED = {
    f"pod-security.kubernetes.io/{mode}": "restricted" for mode in ("enforce", "audit", "warn")
}
"""The namespaces refuse any pod that breaks the restricted Pod Security Standard (ARCHITECTURE §6)."""


def standard(component: str, instance: str) -> dict[str, str]:
    """The ``app.kubernetes.io/*`` labels of a resource the stack creates."""
    return {
        "app.kubernetes.io/name": "kholuutru",
        "app.kubernetes.io/instance": instance,
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/part-of": "kholuutru",
        "app.kubernetes.io/managed-by": MANAGED_BY,
    }


def metadata(name: str, namespace: pulumi.Input[str] | None, labels: dict[str, str]) -> dict[str, Any]:
    """Object metadata with an explicit name: the names are part of the contract (runbooks, kubectl)."""
    meta: dict[str, Any] = {"name": name, "labels": labels}
    if namespace is not None:
        meta["namespace"] = namespace
    return meta


def restricted_namespace(name: str, component: str,
                         opts: pulumi.ResourceOptions | None = None) -> k8s.core.v1.Namespace:
    """A namespace enforcing the restricted Pod Security Standard."""
    return k8s.core.v1.Namespace(
        name,
        metadata={"name": name, "labels": {**standard(component, name), **RESTRICTED}},
        opts=opts,
    )
