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
from .settings import CertificateKey, PlatformSettings, SecretKey


@dataclass(frozen=True)
class SecretPlan:
    """A Secret the spec references: its name suffix, where the reference goes, and its keys' sources."""

    suffix: str
    reference: tuple[str, ...]
    """Path in the spec of the ``…SecretRef`` that names it."""
    data: dict[str, SecretKey]
    """Secret key -> configuration key holding its value."""

    def reference_to(self, platform_name: str) -> dict[str, str]:
        return {"name": f"{platform_name}-{self.suffix}"}


@dataclass(frozen=True)
class ConfigMapPlan:
    """A ConfigMap of certificates the spec references: its name suffix, where the reference goes, the key of the
    file in it and the configuration key holding the PEM."""

    suffix: str
    reference: tuple[str, ...]
    """Path in the spec of the ``…ConfigMapRef`` that names it."""
    key: str
    source: CertificateKey

    def reference_to(self, platform_name: str) -> dict[str, str]:
        return {"name": f"{platform_name}-{self.suffix}", "key": self.key}


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
    if "username" in platform.smtp:
        plans.append(SecretPlan("smtp", ("notifications", "smtp", "passwordSecretRef"),
                                {"password": settings.SMTP_PASSWORD}))
    return plans


def config_map_plans(certificates: dict[str, str]) -> list[ConfigMapPlan]:
    """The ConfigMaps of the certificates the platform uses (``settings.certificates``)."""
    plans = [
        ConfigMapPlan("signature-trust-roots", ("signatures", "trustRootsConfigMapRef"), "trust-roots.pem",
                      settings.SIGNATURE_TRUST_ROOTS),
        ConfigMapPlan("smtp-ca", ("notifications", "smtp", "caConfigMapRef"), "ca.crt", settings.SMTP_CA),
    ]
    return [plan for plan in plans if plan.source.key in certificates]


def spec_with_references(platform: PlatformSettings, plans: list[SecretPlan | ConfigMapPlan]) -> dict[str, Any]:
    """The configured spec with each Secret and ConfigMap reference set to the one the stack creates."""
    spec = copy.deepcopy(platform.spec)
    for plan in plans:
        *parents, field = plan.reference
        target = spec
        for parent in parents:
            target = target.setdefault(parent, {})
        target[field] = plan.reference_to(platform.name)
    return spec


def console_url(platform: PlatformSettings) -> str:
    """Where the console answers: its Ingress host (https when it has a TLS Secret), else the in-cluster Service."""
    ingress = (platform.spec.get("resources") or {}).get("ingress")
    if ingress:
        scheme = "https" if ingress.get("tlsSecretName") else "http"
        return f"{scheme}://{ingress['host']}/"
    return f"http://{platform.name}-console.{platform.namespace}.svc/"


class ArchivePlatform(pulumi.ComponentResource):
    """The platform's Secrets, certificate ConfigMaps and its ArchivePlatform resource, in ``namespace``."""

    def __init__(self, name: str, *, platform: PlatformSettings, namespace: pulumi.Input[str],
                 values: dict[str, pulumi.Output[str]], certificates: dict[str, str], crd: pulumi.Resource,
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
        certificate_plans = config_map_plans(certificates)
        self.config_maps = [
            k8s.core.v1.ConfigMap(
                f"{name}-{plan.suffix}",
                metadata=metadata(f"{platform.name}-{plan.suffix}", namespace, standard("certificates", platform.name)),
                data={plan.key: certificates[plan.source.key]},
                opts=child,
            )
            for plan in certificate_plans
        ]
        self.spec = spec_with_references(platform, [*plans, *certificate_plans])
        definition = crds.archive_platform()
        self.resource = k8s.apiextensions.CustomResource(
            name,
            api_version=crds.api_version(definition),
            kind=definition["spec"]["names"]["kind"],
            metadata=metadata(platform.name, namespace, standard("platform", platform.name)),
            spec=self.spec,
            opts=child.merge(pulumi.ResourceOptions(depends_on=[crd, *self.secrets, *self.config_maps],
                                                     protect=platform.protect)),
        )
        self.register_outputs({"name": platform.name})
