"""The few Kubernetes API calls the operator makes, over the ``kubernetes`` client, addressed by plain paths.

Objects stay plain dicts (manifests in, JSON out): the renderers produce dicts, and the API's own JSON is what the
status and result readers look at, so no typed models sit in between. Children are applied with server-side apply
(field manager ``kholuutru-operator``, conflicts forced: the operator owns its children's specs). An API server that
answers an apply for a missing object with 404 instead of creating it gets a plain create instead.
"""

from __future__ import annotations

import json
import os
from typing import Any

from kubernetes import client, config
from kubernetes.dynamic import DynamicClient
from kubernetes.dynamic.exceptions import ConflictError, NotFoundError

from . import crd

FIELD_MANAGER = "kholuutru-operator"

PLURALS: dict[tuple[str, str], str] = {
    ("v1", "ConfigMap"): "configmaps",
    ("v1", "PersistentVolumeClaim"): "persistentvolumeclaims",
    ("v1", "Pod"): "pods",
    ("v1", "Secret"): "secrets",
    ("v1", "Service"): "services",
    ("apps/v1", "Deployment"): "deployments",
    ("apps/v1", "StatefulSet"): "statefulsets",
    ("batch/v1", "CronJob"): "cronjobs",
    ("batch/v1", "Job"): "jobs",
    ("networking.k8s.io/v1", "Ingress"): "ingresses",
    ("networking.k8s.io/v1", "NetworkPolicy"): "networkpolicies",
    ("policy/v1", "PodDisruptionBudget"): "poddisruptionbudgets",
    (crd.API_VERSION, crd.KIND): crd.PLURAL,
}
"""Every namespaced kind the operator reads or writes."""


def path(api_version: str, kind: str, namespace: str, name: str | None = None, subresource: str | None = None) -> str:
    """The REST path of a namespaced object (or of its collection when ``name`` is None)."""
    root = "/api/v1" if api_version == "v1" else f"/apis/{api_version}"
    parts = [root, "namespaces", namespace, PLURALS[(api_version, kind)], name, subresource]
    return "/".join(part for part in parts if part)


def matches(labels: dict[str, str] | None, selector: dict[str, str]) -> bool:
    """Whether an object's labels carry every label of an equality selector."""
    labels = labels or {}
    return all(labels.get(key) == value for key, value in selector.items())


def _plain(client: DynamicClient, data: Any) -> Any:
    """Responses stay the API's JSON, not the dynamic client's wrappers."""
    return data


class _NoDiscovery:
    """Objects are addressed by path (:func:`path`), so the dynamic client's API discovery is never needed."""

    def __init__(self, client: DynamicClient, cache_file: str | None) -> None:
        self.client = client


def api_client() -> client.ApiClient:
    """A client configured from the pod's service account, or else from the kubeconfig (KUBECONFIG, read now:
    the client library reads it once, when first imported)."""
    configuration = client.Configuration()
    try:
        config.load_incluster_config(client_configuration=configuration)
    except config.ConfigException:
        config.load_kube_config(config_file=os.environ.get("KUBECONFIG"), client_configuration=configuration)
    return client.ApiClient(configuration)


class Kube:
    """Namespaced reads and writes of plain-dict objects."""

    def __init__(self, api: client.ApiClient) -> None:
        self._dynamic = DynamicClient(api, discoverer=_NoDiscovery)

    def _request(self, method: str, url: str, body: Any = None, **params: Any) -> dict[str, Any]:
        return self._dynamic.request(method, url, body=body, serializer=_plain, **params)

    def get(self, api_version: str, kind: str, namespace: str, name: str) -> dict[str, Any] | None:
        try:
            return self._request("get", path(api_version, kind, namespace, name))
        except NotFoundError:
            return None

    def list(self, api_version: str, kind: str, namespace: str, labels: dict[str, str]) -> list[dict[str, Any]]:
        """Objects of a kind carrying ``labels``; the selector is also applied here, whatever the server did."""
        selector = ",".join(f"{key}={value}" for key, value in sorted(labels.items()))
        found = self._request("get", path(api_version, kind, namespace), label_selector=selector)
        return [item for item in found.get("items") or [] if matches(item["metadata"].get("labels"), labels)]

    def create(self, obj: dict[str, Any]) -> dict[str, Any] | None:
        """Create ``obj``; None when an object of that name already exists (it is left as it is)."""
        meta = obj["metadata"]
        try:
            return self._request("post", path(obj["apiVersion"], obj["kind"], meta["namespace"]), body=obj)
        except ConflictError:
            return None

    def apply(self, obj: dict[str, Any]) -> dict[str, Any]:
        """Make the object's fields the ones given (server-side apply), creating it when it does not exist."""
        meta = obj["metadata"]
        url = path(obj["apiVersion"], obj["kind"], meta["namespace"], meta["name"])
        try:
            # The body is passed serialised: JSON is YAML, the apply patch's content type.
            return self._request("patch", url, body=json.dumps(obj), content_type="application/apply-patch+yaml",
                                 field_manager=FIELD_MANAGER, force_conflicts=True)
        except NotFoundError:
            return self.create(obj) or self._request("get", url)

    def patch(self, api_version: str, kind: str, namespace: str, name: str, body: dict[str, Any],
              subresource: str | None = None) -> dict[str, Any] | None:
        """JSON merge patch; None when the object is gone."""
        try:
            return self._request("patch", path(api_version, kind, namespace, name, subresource), body=body,
                                 content_type="application/merge-patch+json")
        except NotFoundError:
            return None

    def delete(self, api_version: str, kind: str, namespace: str, name: str) -> bool:
        """Delete with background propagation (a Job's pods go with it); False when it was already gone."""
        try:
            self._request("delete", path(api_version, kind, namespace, name), propagation_policy="Background")
        except NotFoundError:
            return False
        return True
