"""The managed PostgreSQL: init script, headless Service and a one-replica StatefulSet with its volume claim.

Runs the official ``postgres`` image as its own non-root user (uid 999) on a read-only root filesystem. The init
script creates the archive's two roles — the schema owner and an application role without SUPERUSER or BYPASSRLS,
which row-level security needs (ARCHITECTURE invariant 1) — and the database, on first start only. The passwords
reach it in variables without the ``KHOLUUTRU_`` prefix, which names the platform's own settings only.
"""

from __future__ import annotations

from typing import Any

from ..naming import Owner
from ..spec import ManagedDatabase, PlatformSpec
from .pods import container_security_context, pod_security_context, resources
from .secrets import APP_ROLE, DATABASE_NAME, OWNER_ROLE

POSTGRES_UID = 999
PGDATA = "/var/lib/postgresql/data/pgdata"

INIT_SCRIPT = f"""#!/bin/sh
# Run once by the postgres image's entrypoint, when the data directory is new.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \\
  -v owner_password="$OWNER_ROLE_PASSWORD" -v app_password="$APP_ROLE_PASSWORD" <<'SQL'
CREATE ROLE {OWNER_ROLE} LOGIN PASSWORD :'owner_password';
CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB PASSWORD :'app_password';
CREATE DATABASE {DATABASE_NAME} OWNER {OWNER_ROLE};
SQL
"""


def init_script(owner: Owner) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": owner.metadata(owner.database_init, "database"),
        "data": {"10-kholuutru-roles.sh": INIT_SCRIPT},
    }


def service(owner: Owner) -> dict[str, Any]:
    """Headless: the StatefulSet's network identity, and the host in the database URLs."""
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": owner.metadata(owner.database, "database"),
        "spec": {
            "clusterIP": "None",
            "selector": owner.selector("database"),
            "ports": [{"name": "postgres", "port": 5432, "targetPort": "postgres"}],
        },
    }


def _probe(initial_delay: int, period: int, failures: int) -> dict[str, Any]:
    return {
        "exec": {"command": ["pg_isready", "--host", "127.0.0.1", "--username", "postgres"]},
        "initialDelaySeconds": initial_delay,
        "periodSeconds": period,
        "failureThreshold": failures,
    }


def _volume_claim(owner: Owner, managed: ManagedDatabase) -> dict[str, Any]:
    claim_spec: dict[str, Any] = {
        "accessModes": ["ReadWriteOnce"],
        "resources": {"requests": {"storage": managed.storage_size}},
    }
    if managed.storage_class_name:
        claim_spec["storageClassName"] = managed.storage_class_name
    return {"metadata": {"name": "data", "labels": owner.labels("database")}, "spec": claim_spec}


def statefulset(owner: Owner, spec: PlatformSpec, managed: ManagedDatabase) -> dict[str, Any]:
    secret = owner.database_secret
    container = {
        "name": "postgres",
        "image": f"docker.io/library/postgres:{managed.version}",
        "imagePullPolicy": "IfNotPresent",
        "ports": [{"name": "postgres", "containerPort": 5432}],
        "env": [
            {"name": "POSTGRES_USER", "value": "postgres"},
            {"name": "PGDATA", "value": PGDATA},
            {"name": "POSTGRES_PASSWORD",
             "valueFrom": {"secretKeyRef": {"name": secret, "key": "superuser-password"}}},
            {"name": "OWNER_ROLE_PASSWORD",
             "valueFrom": {"secretKeyRef": {"name": secret, "key": "owner-password"}}},
            {"name": "APP_ROLE_PASSWORD",
             "valueFrom": {"secretKeyRef": {"name": secret, "key": "app-password"}}},
        ],
        "volumeMounts": [
            {"name": "data", "mountPath": "/var/lib/postgresql/data"},
            {"name": "run", "mountPath": "/var/run/postgresql"},
            {"name": "tmp", "mountPath": "/tmp"},
            {"name": "init", "mountPath": "/docker-entrypoint-initdb.d", "readOnly": True},
        ],
        "readinessProbe": _probe(5, 10, 3),
        "livenessProbe": _probe(30, 20, 6),
        "resources": resources(spec, "database"),
        "securityContext": container_security_context(),
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": owner.metadata(owner.database, "database"),
        "spec": {
            "serviceName": owner.database,
            "replicas": 1,
            "selector": {"matchLabels": owner.selector("database")},
            # The volume is never removed with the StatefulSet; only the deletion finalizer may, when asked.
            "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain", "whenScaled": "Retain"},
            "template": {
                "metadata": {"labels": owner.labels("database")},
                "spec": {
                    "automountServiceAccountToken": False,
                    "securityContext": pod_security_context(POSTGRES_UID),
                    "containers": [container],
                    "volumes": [
                        {"name": "run", "emptyDir": {}},
                        {"name": "tmp", "emptyDir": {}},
                        {"name": "init", "configMap": {"name": owner.database_init, "defaultMode": 0o555}},
                    ],
                },
            },
            "volumeClaimTemplates": [_volume_claim(owner, managed)],
        },
    }


def children(owner: Owner, spec: PlatformSpec) -> list[dict[str, Any]]:
    if spec.database.managed is None:
        return []
    return [init_script(owner), service(owner), statefulset(owner, spec, spec.database.managed)]
