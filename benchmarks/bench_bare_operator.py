"""The baseline operator: kopf and the Kubernetes client doing the least an ArchivePlatform change needs.

On a create or an update it applies one child — the console Deployment with the spec's replicas — and nothing else:
no rendering, no Secrets, no bucket, no status. Its latency and memory are the floor kopf itself sets on this machine
against KMock, so kholuutru's figures can be read as "kopf + our reconcile" against "kopf alone".
"""

from __future__ import annotations

from typing import Any

import kopf
import kubernetes

GROUP, VERSION, PLURAL = "kholuutru.vn", "v1alpha1", "archiveplatforms"


@kopf.on.login()
def login(**kwargs: Any) -> kopf.ConnectionInfo | None:
    return kopf.login_with_kubeconfig(**kwargs)


@kopf.on.startup()
def client(memo: kopf.Memo, **_: Any) -> None:
    kubernetes.config.load_kube_config()
    memo.apps = kubernetes.client.AppsV1Api()


@kopf.on.create(GROUP, VERSION, PLURAL)
@kopf.on.update(GROUP, VERSION, PLURAL)
def apply(spec: kopf.Spec, name: str, namespace: str, memo: kopf.Memo, **_: Any) -> None:
    labels = {"app": f"{name}-console"}
    deployment = {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": f"{name}-console", "namespace": namespace, "labels": labels},
        "spec": {"replicas": spec.get("replicas", 2), "selector": {"matchLabels": labels},
                 "template": {"metadata": {"labels": labels},
                              "spec": {"containers": [{"name": "console", "image": spec["image"]}]}}},
    }
    try:
        memo.apps.patch_namespaced_deployment(f"{name}-console", namespace, deployment)
    except kubernetes.client.ApiException as error:
        if error.status != 404:
            raise
        memo.apps.create_namespaced_deployment(namespace, deployment)
