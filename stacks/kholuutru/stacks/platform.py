"""One environment's ArchivePlatform and the Secrets it references.

The spec comes from the stack's configuration (ARCHITECTURE §6) and names Secrets only; the credentials themselves
come from Pulumi secret configuration into Secrets of the platform's namespace, so the ArchivePlatform holds nothing
secret and the secret values stay secret Outputs in the state.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from . import crds, settings
from .labels import metadata, standard
from .settings import PlatformSettings, SecretKey


@dataclass(frozen=True)
class SecretPlan:
    """A Secret the spec references: its name suffix, where the reference goes, and its keys' sources."""

    suffix: str
    reference: tuple[str, ...]
    """Path in the spec of the ``…SecretRef`` that names it."""
    data: dict[str, SecretKey]
    """Secret key -> configuration key holding its value."""


def secret_plans(platform: PlatformSettings) -> list[SecretPlan]:
    """The Secrets a platform needs, with the keys the operator reads from each (the CRD's descriptions): the
    backup repository's credentials are S3 keys or the SFTP account's key and known_hosts, by repository type."""
    plans = [
        SecretPlan("backup-repository", ("backups", "passwordSecretRef"), {"password": settings.BACKUP_PASSWORD}),
        SecretPlan("object-storage", ("objectStorage", "credentialsSecretRef"), {
            "access-key-id": settings.STORAGE_ACCESS_KEY_ID,
            "secret-access-key": settings.STORAGE_SECRET_ACCESS_KEY,
        }),
    ]
    if platform.s3_repository:
        plans.append(SecretPlan("backup-credentials", ("backups", "credentialsSecretRef"), {
            "access-key-id": settings.BACKUP_ACCESS_KEY_ID,
            "secret-access-key": settings.BACKUP_SECRET_ACCESS_KEY,
        }))
    if platform.sftp_repository:
        plans.append(SecretPlan("backup-credentials", ("backups", "credentialsSecretRef"), {
            "identity": settings.BACKUP_SFTP_IDENTITY,
            "known-hosts": settings.BACKUP_SFTP_KNOWN_HOSTS,
        }))
    if "sso" in platform.spec:
        plans.append(SecretPlan("sso", ("sso", "clientSecretRef"), {"client-secret": settings.SSO_CLIENT_SECRET}))
    if "lgsp" in platform.spec:
        plans.append(SecretPlan("lgsp", ("lgsp", "clientSecretRef"), {"client-secret": settings.LGSP_CLIENT_SECRET}))
    return plans


def spec_with_references(platform: PlatformSettings, plans: list[SecretPlan]) -> dict[str, Any]:
    """The configured spec with each Secret reference set to the Secret the stack creates."""
    spec = copy.deepcopy(platform.spec)
    for plan in plans:
        *parents, field = plan.reference
        target = spec
        for parent in parents:
            target = target.setdefault(parent, {})
        target[field] = {"name": f"{platform.name}-{plan.suffix}"}
    return spec


def console_url(platform: PlatformSettings) -> str:
    """Where the console answers: its Ingress host (https when it has a TLS Secret), else the in-cluster Service."""
    ingress = (platform.spec.get("resources") or {}).get("ingress")
    if ingress:
        scheme = "https" if ingress.get("tlsSecretName") else "http"
        return f"{scheme}://{ingress['host']}/"
    return f"http://{platform.name}-console.{platform.namespace}.svc/"


class ArchivePlatform(pulumi.ComponentResource):
    """The platform's Secrets and its ArchivePlatform resource, in ``namespace``."""

    def __init__(self, name: str, *, platform: PlatformSettings, namespace: pulumi.Input[str],
                 values: dict[str, pulumi.Output[str]], crd: pulumi.Resource,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("kholuutru:stacks:ArchivePlatform", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        plans = secret_plans(platform)
        self.secrets = [
            k8s.core.v1.Secret(
                f"{name}-{plan.suffix}",
                metadata=metadata(f"{platform.name}-{plan.suffix}", namespace, standard("secret", platform.name)),
                type="Opaque",
                # pulumi.Output.secret: the whole map stays secret even where a value's own secrecy were lost.
                string_data=pulumi.Output.secret({key: values[source.key] for key, source in plan.data.items()}),
                opts=child,
            )
            for plan in plans
        ]
        self.spec = spec_with_references(platform, plans)
        definition = crds.archive_platform()
        self.resource = k8s.apiextensions.CustomResource(
            name,
            api_version=crds.api_version(definition),
            kind=definition["spec"]["names"]["kind"],
            metadata=metadata(platform.name, namespace, standard("platform", platform.name)),
            spec=self.spec,
            opts=child.merge(pulumi.ResourceOptions(depends_on=[crd, *self.secrets], protect=platform.protect)),
        )
        self.register_outputs({"name": platform.name})
