"""The operator's permissions: exactly the API calls it makes, and no wildcard.

Derived from the operator's code (``kube.py`` and its callers, the kopf handlers) and checked against it by
tests/stacks/test_rbac.py:

* children it applies by server-side apply (create when missing, read back) and watches to recreate when deleted
  by hand, and deletes when the spec no longer asks for them;
* Secrets: only read, created once and patched (ownership), by name: never listed or watched, so the operator
  cannot enumerate the namespace's Secrets; the ConfigMaps of certificates the spec references are read by name
  (a child kind already: the database's init script);
* Jobs: created and read, watched for their results; never deleted (the history stays until the CronJob's limits
  remove it); Pods are only listed, to read a finished Job's result from its termination message;
* volumes (PersistentVolumeClaims): listed and deleted only when the spec asks to delete the database volume;
* its own resource: read, watched, patched (kopf's finalizer and annotations) and its status written;
* kopf itself: Events about the platform, the peering object that keeps one replica active, and — cluster-wide,
  read-only — the namespaces and CRDs it observes.

Everything namespaced is a Role in the platform's namespace only: the operator is started with
``--namespace`` for it and can touch nothing elsewhere.
"""

from __future__ import annotations

from typing import Any

OWNED_CHILD = ["get", "list", "watch", "create", "patch", "delete"]

NAMESPACED_RULES: list[dict[str, Any]] = [
    {"apiGroups": [""], "resources": ["configmaps", "services"], "verbs": OWNED_CHILD},
    {"apiGroups": ["apps"], "resources": ["deployments", "statefulsets"], "verbs": OWNED_CHILD},
    {"apiGroups": ["batch"], "resources": ["cronjobs"], "verbs": OWNED_CHILD},
    {"apiGroups": ["networking.k8s.io"], "resources": ["ingresses", "networkpolicies"], "verbs": OWNED_CHILD},
    {"apiGroups": ["policy"], "resources": ["poddisruptionbudgets"], "verbs": OWNED_CHILD},
    {"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "create", "patch"]},
    {"apiGroups": ["batch"], "resources": ["jobs"], "verbs": ["get", "list", "watch", "create"]},
    {"apiGroups": [""], "resources": ["pods"], "verbs": ["list"]},
    {"apiGroups": [""], "resources": ["persistentvolumeclaims"], "verbs": ["list", "delete"]},
    {"apiGroups": [""], "resources": ["events"], "verbs": ["create"]},
    {"apiGroups": ["kopf.dev"], "resources": ["kopfpeerings"], "verbs": ["get", "list", "watch", "patch"]},
]
"""Rules of the Role in the platform's namespace; the ArchivePlatform rules follow from the CRD (:func:`rules`)."""

CLUSTER_RULES: list[dict[str, Any]] = [
    {"apiGroups": [""], "resources": ["namespaces"], "verbs": ["list", "watch"]},
    {"apiGroups": ["apiextensions.k8s.io"], "resources": ["customresourcedefinitions"], "verbs": ["list", "watch"]},
]
"""Kopf observes namespaces and CRDs appearing and going; read-only, and nothing else cluster-wide."""


def platform_rules(group: str, plural: str) -> list[dict[str, Any]]:
    """The operator's own resource and its status subresource."""
    return [
        {"apiGroups": [group], "resources": [plural], "verbs": ["get", "list", "watch", "patch"]},
        {"apiGroups": [group], "resources": [f"{plural}/status"], "verbs": ["patch"]},
    ]


def rules(group: str, plural: str) -> list[dict[str, Any]]:
    """Every rule of the operator's Role, for the CRD's group and plural."""
    return [*NAMESPACED_RULES, *platform_rules(group, plural)]
