"""Names, labels and owner references of an ArchivePlatform's children.

Every child carries the standard ``app.kubernetes.io/*`` labels; ``instance`` plus ``component`` find it again
(the operator lists its Jobs and prunes children it no longer wants by them), and the owner reference makes
Kubernetes remove it with the platform — except what must outlive it, which the deletion finalizer orphans first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import crd

MANAGED_BY = "kholuutru-operator"
PART_OF = "kholuutru"
MAX_NAME_LENGTH = 30
"""A platform's name is the prefix of its children's: the longest, a CronJob's, may have 52 characters."""

SYNC_KINDS = ("users", "procedures", "dossiers")
"""What ``kholuutru sync`` brings in from the LGSP (ARCHITECTURE §4), one CronJob each."""


@dataclass(frozen=True)
class Owner:
    """The ArchivePlatform a child belongs to."""

    name: str
    namespace: str
    uid: str

    def reference(self) -> dict[str, Any]:
        return {
            "apiVersion": crd.API_VERSION,
            "kind": crd.KIND,
            "name": self.name,
            "uid": self.uid,
            "controller": True,
            "blockOwnerDeletion": True,
        }

    def selector(self, component: str | None = None) -> dict[str, str]:
        """Labels that find this platform's children (of one component)."""
        labels = {"app.kubernetes.io/name": "kholuutru", "app.kubernetes.io/instance": self.name}
        if component:
            labels["app.kubernetes.io/component"] = component
        return labels

    def labels(self, component: str) -> dict[str, str]:
        return {
            **self.selector(component),
            "app.kubernetes.io/part-of": PART_OF,
            "app.kubernetes.io/managed-by": MANAGED_BY,
        }

    def metadata(self, name: str, component: str) -> dict[str, Any]:
        return {
            "name": name,
            "namespace": self.namespace,
            "labels": self.labels(component),
            "ownerReferences": [self.reference()],
        }

    # Children's names, in one place.
    @property
    def console(self) -> str:
        return f"{self.name}-console"

    @property
    def database(self) -> str:
        return f"{self.name}-db"

    @property
    def database_init(self) -> str:
        return f"{self.name}-db-init"

    @property
    def database_secret(self) -> str:
        return f"{self.name}-db-credentials"

    @property
    def console_secret(self) -> str:
        return f"{self.name}-console-key"

    @property
    def backup_password_secret(self) -> str:
        return f"{self.name}-backup-password"

    @property
    def backup(self) -> str:
        return f"{self.name}-backup"

    @property
    def final_backup(self) -> str:
        return f"{self.name}-final-backup"

    @property
    def drill(self) -> str:
        return f"{self.name}-drill"

    def sync(self, kind: str) -> str:
        return f"{self.name}-sync-{kind}"

    def suspension_job(self, suspend: bool, generation: int) -> str:
        return f"{self.name}-{'suspend' if suspend else 'resume'}-g{generation}"

    @property
    def database_host(self) -> str:
        """The database Service's name inside the cluster."""
        return f"{self.database}.{self.namespace}.svc"


def name_problems(name: str) -> list[str]:
    if len(name) > MAX_NAME_LENGTH:
        return [f"metadata.name: at most {MAX_NAME_LENGTH} characters (children's names are built on it)"]
    return []
