"""The operator's RBAC is least privilege: exactly the API calls the operator's code makes, derived here from that
code (the kinds it renders, applies, prunes and watches, and every literal ``kube.<verb>(apiVersion, kind, …)``
call), plus what kopf itself needs; no wildcard anywhere."""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from stacks_support import Deployment

from kholuutru.operator import crd, handlers, kube, reconcile, render
from kholuutru.operator.naming import Owner
from kholuutru.operator.render import jobs, secrets
from kholuutru.operator.spec import parse

OPERATOR_SOURCE = Path(kube.__file__).parent
Triple = tuple[str, str, str]
"""(API group, resource, verb)"""

KUBE_VERBS = {"get": {"get"}, "list": {"list"}, "create": {"create"}, "patch": {"patch"}, "delete": {"delete"},
              "apply": {"patch", "create", "get"}}
"""Verbs of each ``Kube`` method (kube.py): apply is a server-side apply PATCH, a POST when the object is missing,
and a GET when that POST finds it after all."""
KOPF_NAMESPACED = {("kopf.dev", "kopfpeerings", verb) for verb in ("get", "list", "watch", "patch")} | {
    ("", "events", "create"),
}
"""Kopf's own calls in the watched namespace: peering (one active replica) and the Events it posts."""
KOPF_CLUSTER = {(group, resource, verb) for group, resource in [("", "namespaces"),
                                                               ("apiextensions.k8s.io", "customresourcedefinitions")]
                for verb in ("list", "watch")}
"""Kopf observes namespaces and CRDs (kopf's observation.py; without them it warns and stops noticing changes)."""


def resource(api_version: str, kind: str) -> tuple[str, str]:
    group = api_version.rpartition("/")[0]
    return group, kube.PLURALS[(api_version, kind)]


def triples(pairs: Iterable[tuple[str, str]], verbs: Iterable[str]) -> set[Triple]:
    return {(group, plural, verb) for group, plural in pairs for verb in verbs}


def _literal(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "crd":
        return getattr(crd, node.attr)
    return None


def literal_kube_calls() -> set[Triple]:
    """Every ``kube.<method>("apiVersion", "Kind", …)`` call in the operator's source, as the calls it makes."""
    found = set()
    for path in OPERATOR_SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in KUBE_VERBS and len(node.args) >= 2):
                continue
            target = node.func.value
            if not ((isinstance(target, ast.Name) and target.id == "kube")
                    or (isinstance(target, ast.Attribute) and target.attr == "kube")):
                continue
            api_version, kind = _literal(node.args[0]), _literal(node.args[1])
            if api_version is None or kind is None:
                continue
            group, plural = resource(api_version, kind)
            if any(k.arg == "subresource" and _literal(k.value) == "status" for k in node.keywords):
                plural += "/status"
            found |= triples([(group, plural)], KUBE_VERBS[node.func.attr])
    return found


def operator_calls(spec: dict[str, Any]) -> set[Triple]:
    """The namespaced calls the operator makes for a platform with every feature of ``spec``."""
    owner = Owner("kholuutru", "kholuutru-prod", "uid-1")
    typed = parse(spec)
    of = lambda manifests: [resource(m["apiVersion"], m["kind"]) for m in manifests]  # noqa: E731
    calls = literal_kube_calls()
    calls |= triples(of(render.children(owner, typed)), KUBE_VERBS["apply"])
    calls |= triples(of(secrets.generated_secrets(owner, typed)), KUBE_VERBS["create"] | KUBE_VERBS["get"])
    calls |= triples(of([jobs.suspension(owner, typed, 1), jobs.final_backup(owner, typed)]), KUBE_VERBS["create"])
    calls |= triples([resource(*kind) for kind in reconcile.PRUNED_KINDS], {"list", "delete"})
    watched = [*handlers.CHILD_RESOURCES, ("batch", "v1", "jobs"), (crd.GROUP, crd.VERSION, crd.PLURAL)]
    calls |= triples([(group, plural) for group, _, plural in watched], {"list", "watch"})
    # Kopf's finalizer and its progress annotations on the platform are merge patches.
    calls |= triples([(crd.GROUP, crd.PLURAL)], {"patch"})
    return calls | KOPF_NAMESPACED


def granted(rules: list[dict[str, Any]]) -> set[Triple]:
    return {(group, res, verb) for rule in rules for group in rule["apiGroups"] for res in rule["resources"]
            for verb in rule["verbs"]}


@pytest.fixture(scope="module")
def roles(prod: Deployment) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    return prod.one("Role").inputs["rules"], prod.one("ClusterRole").inputs["rules"]


def test_the_derivation_reads_the_operators_calls():
    # Guards the scanner: calls made only through literal kube.<verb>(…) lines are found.
    calls = literal_kube_calls()
    assert ("", "pods", "list") in calls
    assert ("", "persistentvolumeclaims", "delete") in calls
    assert (crd.GROUP, f"{crd.PLURAL}/status", "patch") in calls


def test_the_role_grants_exactly_what_the_operator_uses(deployed: Deployment, prod: Deployment):
    # Derived for prod's spec, which uses every feature (SSO, LGSP, Ingress, a managed database): each stack's Role
    # is that one, no more.
    role = deployed.one("Role").inputs["rules"]
    assert granted(role) == operator_calls(prod.one("ArchivePlatform").inputs["spec"])


def test_every_kind_the_operator_addresses_is_covered(roles):
    role, _ = roles
    resources = {(group, res) for group, res, _ in granted(role)}
    assert {resource(*key) for key in kube.PLURALS} <= resources


def test_the_cluster_role_only_observes(roles):
    _, cluster = roles
    assert granted(cluster) == KOPF_CLUSTER


def test_no_wildcard_and_no_secret_listing(roles):
    for rules in roles:
        for rule in rules:
            assert set(rule) == {"apiGroups", "resources", "verbs"}, "no resourceNames or nonResourceURLs games"
            for values in rule.values():
                assert "*" not in values and not any("*" in value for value in values)
    role, cluster = roles
    dangerous = {"escalate", "bind", "impersonate", "deletecollection", "update"}
    assert not {verb for _, _, verb in granted(role) | granted(cluster)} & dangerous
    # Secrets are read by name only: the operator cannot enumerate or watch the namespace's Secrets.
    assert {verb for group, res, verb in granted(role) if res == "secrets"} == {"get", "create", "patch"}


def test_the_bindings_give_the_roles_to_the_operators_account(prod: Deployment):
    account = prod.one("ServiceAccount").inputs["metadata"]
    subject = {"kind": "ServiceAccount", "name": account["name"], "namespace": account["namespace"]}
    role, binding = prod.one("Role").inputs, prod.one("RoleBinding").inputs
    assert binding["subjects"] == [subject]
    assert binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role",
                                  "name": role["metadata"]["name"]}
    # The Role lives in the watched (platform's) namespace, not the operator's.
    assert role["metadata"]["namespace"] == binding["metadata"]["namespace"] == prod.platform["namespace"]
    cluster, cluster_binding = prod.one("ClusterRole").inputs, prod.one("ClusterRoleBinding").inputs
    assert cluster_binding["subjects"] == [subject]
    assert cluster_binding["roleRef"]["name"] == cluster["metadata"]["name"]
