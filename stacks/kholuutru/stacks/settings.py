"""What a stack's configuration (``Pulumi.<stack>.yaml`` and ``pulumi config set``) says, read in one place.

Non-secret settings are plain structured values in the stack file. Credentials are Pulumi secrets, set with
``pulumi config set --secret``: they are read as secret Outputs, so they stay encrypted in the state and masked
in every output. A stack missing any of them stops before it creates anything, naming every missing key and the
command that sets it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi

PROJECT = "kholuutru"
MONITORING = "monitoring"


class StackConfigError(pulumi.RunError):
    """The stack's configuration cannot be deployed; the message says what to change (no traceback is shown)."""


@dataclass(frozen=True)
class SecretKey:
    """A secret configuration key and what it holds."""

    key: str
    meaning: str

    def set_command(self) -> str:
        return f"pulumi config set --secret {PROJECT}:{self.key} <{self.meaning}>"


BACKUP_PASSWORD = SecretKey("backupPassword", "restic repository password")
STORAGE_ACCESS_KEY_ID = SecretKey("objectStorageAccessKeyId", "object storage access key id")
STORAGE_SECRET_ACCESS_KEY = SecretKey("objectStorageSecretAccessKey", "object storage secret access key")
BACKUP_ACCESS_KEY_ID = SecretKey("backupAccessKeyId", "backup repository S3 access key id")
BACKUP_SECRET_ACCESS_KEY = SecretKey("backupSecretAccessKey", "backup repository S3 secret access key")
BACKUP_SFTP_IDENTITY = SecretKey("backupSftpIdentity", "private key of the off-site SFTP account")
BACKUP_SFTP_KNOWN_HOSTS = SecretKey("backupSftpKnownHosts", "known_hosts line of the off-site SFTP server")
SSO_CLIENT_SECRET = SecretKey("ssoClientSecret", "OpenID Connect client secret")
LGSP_CLIENT_SECRET = SecretKey("lgspClientSecret", "LGSP client secret")
SMTP_PASSWORD = SecretKey("smtpPassword", "SMTP password of the notification account")


@dataclass(frozen=True)
class CertificateKey:
    """A plain (not secret) configuration key holding PEM certificates, set from a file: certificates are public."""

    key: str
    meaning: str
    file: str

    def set_command(self) -> str:
        return f"pulumi config set {PROJECT}:{self.key} < {self.file}"


SIGNATURE_TRUST_ROOTS = CertificateKey("signatureTrustRoots", "root CAs signatures are validated against",
                                       "trust-roots.pem")
SMTP_CA = CertificateKey("smtpCa", "CA certificates of the mail server's STARTTLS certificate", "smtp-ca.pem")


@dataclass(frozen=True)
class OperatorSettings:
    namespace: str
    replicas: int


@dataclass(frozen=True)
class PlatformSettings:
    name: str
    namespace: str
    protect: bool
    spec: dict[str, Any]
    """The ArchivePlatform's spec as configured: everything but the Secret references, which the stack adds."""

    @property
    def repository(self) -> str:
        return self.spec["backups"]["repository"]

    @property
    def s3_repository(self) -> bool:
        return self.repository.startswith("s3:")

    @property
    def sftp_repository(self) -> bool:
        return self.repository.startswith("sftp:")

    @property
    def smtp(self) -> dict[str, Any]:
        """``notifications.smtp`` as configured (empty without it)."""
        return dict((self.spec.get("notifications") or {}).get("smtp") or {})

    def secret_keys(self) -> list[SecretKey]:
        """The secret keys this platform needs: storage and backup credentials, SSO, LGSP and the SMTP login only
        when used."""
        keys = [BACKUP_PASSWORD, STORAGE_ACCESS_KEY_ID, STORAGE_SECRET_ACCESS_KEY]
        if self.s3_repository:
            keys += [BACKUP_ACCESS_KEY_ID, BACKUP_SECRET_ACCESS_KEY]
        if self.sftp_repository:
            keys += [BACKUP_SFTP_IDENTITY, BACKUP_SFTP_KNOWN_HOSTS]
        if "sso" in self.spec:
            keys.append(SSO_CLIENT_SECRET)
        if "lgsp" in self.spec:
            keys.append(LGSP_CLIENT_SECRET)
        if "username" in self.smtp:
            keys.append(SMTP_PASSWORD)
        return keys


@dataclass(frozen=True)
class MonitoringSettings:
    prometheus_operator: bool
    labels: dict[str, str]
    """Added to the PrometheusRule and the monitors, so that the cluster's Prometheus selects them."""
    dashboard_namespace: str | None
    """Where Grafana's dashboard sidecar looks for ConfigMaps; unset: the platform's namespace."""


@dataclass(frozen=True)
class StackSettings:
    image: str
    operator: OperatorSettings
    platform: PlatformSettings
    monitoring: MonitoringSettings


def _required(value: dict[str, Any], key: str, where: str) -> Any:
    if key not in value:
        raise StackConfigError(f"{where}.{key} is required: add it to the stack's Pulumi.<stack>.yaml")
    return value[key]


def read() -> StackSettings:
    """The stack's settings from Pulumi's configuration."""
    config = pulumi.Config(PROJECT)
    operator = config.get_object("operator") or {}
    platform = dict(config.require_object("platform"))
    where = f"{PROJECT}:platform"
    for key in ("name", "namespace", "objectStorage", "backups"):
        _required(platform, key, where)
    _required(platform["backups"], "repository", f"{where}.backups")
    image = config.require("image")
    name, namespace = platform.pop("name"), platform.pop("namespace")
    protect = bool(platform.pop("protect", False))
    monitoring = pulumi.Config(MONITORING)
    return StackSettings(
        image=image,
        operator=OperatorSettings(operator.get("namespace", "kholuutru-system"), int(operator.get("replicas", 1))),
        platform=PlatformSettings(name, namespace, protect, {"image": image, **platform}),
        monitoring=MonitoringSettings(
            prometheus_operator=monitoring.get_bool("prometheusOperator") or False,
            labels=dict(monitoring.get_object("labels") or {}),
            dashboard_namespace=monitoring.get("dashboardNamespace"),
        ),
    )


def secrets(keys: list[SecretKey]) -> dict[str, pulumi.Output[str]]:
    """The secret Outputs of ``keys``; :class:`StackConfigError` naming every one that is not set."""
    config = pulumi.Config(PROJECT)
    values = {key.key: config.get_secret(key.key) for key in keys}
    missing = [key for key in keys if values[key.key] is None]
    if missing:
        commands = "\n".join(f"  {key.set_command()}" for key in missing)
        names = ", ".join(f"{PROJECT}:{key.key}" for key in missing)
        raise StackConfigError(f"missing secret configuration {names}; set each with\n{commands}")
    return values


def certificates(platform: PlatformSettings) -> dict[str, str]:
    """The PEM certificates ``platform`` uses, by configuration key: the signatures' trust roots, required with
    ``signatures`` (without them every signature is untrusted); the mail server's CA when it is set and the platform
    uses STARTTLS (unset: the image's trusted certificates). :class:`StackConfigError` when required ones are unset.
    """
    config = pulumi.Config(PROJECT)
    wanted = [SIGNATURE_TRUST_ROOTS] if "signatures" in platform.spec else []
    values = {key.key: config.get(key.key) for key in wanted}
    missing = [key for key in wanted if not values[key.key]]
    if missing:
        commands = "\n".join(f"  {key.set_command()}  # {key.meaning}" for key in missing)
        names = ", ".join(f"{PROJECT}:{key.key}" for key in missing)
        raise StackConfigError(f"missing certificate configuration {names}; set each with\n{commands}")
    ca = config.get(SMTP_CA.key)
    if ca and platform.smtp.get("startTLS") is True:
        values[SMTP_CA.key] = ca
    return values
