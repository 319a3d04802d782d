"""The operator, installed: its CRDs, its namespace, a ServiceAccount with exactly the permissions it uses, and its
Deployment under the restricted Pod Security Standard.

The operator watches one namespace (``--namespace``), the platform's: its namespaced permissions are a Role there.
Kopf's peering objects are installed too, so several replicas agree that only one acts.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from . import crds, rbac
from .labels import metadata, restricted_namespace, standard

NAME = "kholuutru-operator"
"""The operator's Deployment, ServiceAccount and roles, and kopf's peering name (the operator's settings.py)."""
APP_UID = 10001
"""The non-root user of the kholuutru image (Containerfile)."""
HEALTH_PORT = 8081
"""Kopf's liveness endpoint, which ``kholuutru-operator`` serves at /healthz."""
METRICS_PORT = 9090


def _crd(definition: dict[str, Any], opts: pulumi.ResourceOptions) -> k8s.apiextensions.v1.CustomResourceDefinition:
    return k8s.apiextensions.v1.CustomResourceDefinition(
        definition["metadata"]["name"], metadata=definition["metadata"], spec=definition["spec"], opts=opts
    )


def pod_spec(image: str, watched_namespace: pulumi.Input[str]) -> dict[str, Any]:
    """The operator's pod: non-root, no privilege escalation, no capabilities, RuntimeDefault seccomp, read-only
    root filesystem (kopf writes nothing; /tmp is an emptyDir for Python's temporary files)."""
    container = {
        "name": "operator",
        "image": image,
        "command": ["kholuutru-operator"],
        "args": ["--namespace", watched_namespace],
        "env": [{"name": "KHOLUUTRU_OPERATOR_METRICS_PORT", "value": str(METRICS_PORT)}],
        "ports": [
            {"name": "metrics", "containerPort": METRICS_PORT, "protocol": "TCP"},
            {"name": "health", "containerPort": HEALTH_PORT, "protocol": "TCP"},
        ],
        "livenessProbe": {
            "httpGet": {"path": "/healthz", "port": "health"},
            "initialDelaySeconds": 30,
            "periodSeconds": 20,
            "timeoutSeconds": 5,
            "failureThreshold": 3,
        },
        "resources": {"requests": {"cpu": "50m", "memory": "128Mi"}, "limits": {"memory": "384Mi"}},
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "runAsNonRoot": True,
            "runAsUser": APP_UID,
            "capabilities": {"drop": ["ALL"]},
        },
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
    }
    return {
        "serviceAccountName": NAME,
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": APP_UID,
            "runAsGroup": APP_UID,
            "fsGroup": APP_UID,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "containers": [container],
        "volumes": [{"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}}],
    }


class OperatorInstall(pulumi.ComponentResource):
    """Everything the operator needs to run, watching ``watched_namespace``."""

    def __init__(self, name: str, *, image: str, namespace: str, replicas: int, watched_namespace: pulumi.Input[str],
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("kholuutru:stacks:OperatorInstall", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        labels = standard("operator", NAME)

        # Deleting a CRD deletes every resource of it, and with them the platforms: a `pulumi destroy` leaves it.
        platforms = crds.archive_platform()
        self.crd = _crd(platforms, child.merge(pulumi.ResourceOptions(retain_on_delete=True)))
        peering = [_crd(definition, child) for definition in crds.documents(crds.KOPF_PEERING)]
        self.namespace = restricted_namespace(namespace, "operator", child)
        self.peering = k8s.apiextensions.CustomResource(
            f"{name}-peering",
            api_version="kopf.dev/v1",
            kind="KopfPeering",
            metadata=metadata(NAME, watched_namespace, labels),
            opts=child.merge(pulumi.ResourceOptions(depends_on=peering)),
        )

        account = k8s.core.v1.ServiceAccount(
            f"{name}-account", metadata=metadata(NAME, self.namespace.metadata["name"], labels), opts=child
        )
        subject = {"kind": "ServiceAccount", "name": NAME, "namespace": self.namespace.metadata["name"]}
        group, plural = platforms["spec"]["group"], platforms["spec"]["names"]["plural"]
        self.role = k8s.rbac.v1.Role(
            f"{name}-role", metadata=metadata(NAME, watched_namespace, labels), rules=rbac.rules(group, plural),
            opts=child,
        )
        role_binding = k8s.rbac.v1.RoleBinding(
            f"{name}-role-binding",
            metadata=metadata(NAME, watched_namespace, labels),
            role_ref={"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": NAME},
            subjects=[subject],
            opts=child.merge(pulumi.ResourceOptions(depends_on=[self.role])),
        )
        # Cluster-scoped names carry the operator's namespace: two installations in one cluster do not collide.
        cluster_name = f"{NAME}-{namespace}"
        self.cluster_role = k8s.rbac.v1.ClusterRole(
            f"{name}-cluster-role", metadata=metadata(cluster_name, None, labels), rules=rbac.CLUSTER_RULES,
            opts=child,
        )
        cluster_binding = k8s.rbac.v1.ClusterRoleBinding(
            f"{name}-cluster-role-binding",
            metadata=metadata(cluster_name, None, labels),
            role_ref={"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": cluster_name},
            subjects=[subject],
            opts=child.merge(pulumi.ResourceOptions(depends_on=[self.cluster_role])),
        )

        selector = {key: labels[key] for key in ("app.kubernetes.io/name", "app.kubernetes.io/component")}
        self.deployment = k8s.apps.v1.Deployment(
            f"{name}-deployment",
            metadata=metadata(NAME, self.namespace.metadata["name"], labels),
            spec={
                "replicas": replicas,
                "selector": {"matchLabels": selector},
                "template": {"metadata": {"labels": labels}, "spec": pod_spec(image, watched_namespace)},
            },
            opts=child.merge(pulumi.ResourceOptions(
                depends_on=[self.crd, self.peering, account, role_binding, cluster_binding]
            )),
        )
        self.register_outputs({"namespace": self.namespace.metadata["name"]})
