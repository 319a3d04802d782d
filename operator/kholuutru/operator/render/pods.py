"""What every kholuutru pod shares: the restricted security context, the platform's environment and volumes.

The console and every Job run the same image with the same settings (ARCHITECTURE §3: all ``KHOLUUTRU_*``), so a
backup, a drill or a suspension made by a Job sees the platform exactly as the console does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..naming import Owner
from ..spec import PlatformSpec

APP_UID = 10001
"""The image's non-root user (Containerfile)."""
DATA_DIR = "/var/lib/kholuutru"
SECRETS_DIR = "/var/run/secrets/kholuutru"
CONFIG_DIR = "/etc/kholuutru"
TERMINATION_LOG = "/dev/termination-log"

DEFAULT_RESOURCES: dict[str, dict[str, dict[str, str]]] = {
    "console": {"requests": {"cpu": "250m", "memory": "512Mi"}, "limits": {"memory": "1Gi"}},
    "database": {"requests": {"cpu": "250m", "memory": "512Mi"}, "limits": {"memory": "2Gi"}},
    "jobs": {"requests": {"cpu": "100m", "memory": "512Mi"}, "limits": {"memory": "2Gi"}},
}

RESULT_SCRIPT = f'kholuutru "$@" > {TERMINATION_LOG}; status=$?; cat {TERMINATION_LOG}; exit $status'
"""Runs one ``kholuutru … --json`` command so its single JSON object (ARCHITECTURE §4) also becomes the container's
termination message: the operator reads a Job's result from its pod's status, without log access."""


def pod_security_context(uid: int) -> dict[str, Any]:
    return {
        "runAsNonRoot": True,
        "runAsUser": uid,
        "runAsGroup": uid,
        "fsGroup": uid,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def container_security_context() -> dict[str, Any]:
    return {
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def resources(spec: PlatformSpec, part: str) -> dict[str, Any]:
    """The defaults for ``part`` (console, database, jobs) overlaid with the spec's requests and limits."""
    given = spec.resources.get(part) or {}
    return {
        key: {**DEFAULT_RESOURCES[part].get(key, {}), **(given.get(key) or {})}
        for key in ("requests", "limits")
        if DEFAULT_RESOURCES[part].get(key) or given.get(key)
    }


def secret_env(name: str, secret: str, key: str, optional: bool = False) -> dict[str, Any]:
    ref: dict[str, Any] = {"name": secret, "key": key}
    if optional:
        ref["optional"] = True
    return {"name": name, "valueFrom": {"secretKeyRef": ref}}


def database_secret(owner: Owner, spec: PlatformSpec) -> str:
    """The Secret with ``database-url`` and ``owner-url``: generated for a managed database, given otherwise."""
    return spec.database.external_secret or owner.database_secret


def backup_password_secret(owner: Owner, spec: PlatformSpec) -> str:
    return spec.backups.password_secret or owner.backup_password_secret


@dataclass(frozen=True)
class MountedFiles:
    """Keys of a Secret the platform reads as files: mounted read-only, readable by the pod's group only, with each
    file's path given to the setting that names it (the platform never sees these secrets in its environment).
    Certificates are public: they come the same way from a ConfigMap (``config_map``), readable by all, so a
    province keeps its trust roots where anyone may inspect them."""

    volume: str
    source: str
    """Name of the Secret (or ConfigMap)."""
    files: tuple[tuple[str, str, str], ...]
    """(setting, key, file name) of each file."""
    config_map: bool = False

    @property
    def directory(self) -> str:
        return f"{CONFIG_DIR if self.config_map else SECRETS_DIR}/{self.volume}"

    def env(self) -> list[dict[str, Any]]:
        return [{"name": setting, "value": f"{self.directory}/{path}"} for setting, _key, path in self.files]

    def volume_source(self) -> dict[str, Any]:
        items = [{"key": key, "path": path} for _setting, key, path in self.files]
        if self.config_map:
            return {"name": self.volume, "configMap": {"name": self.source, "items": items, "defaultMode": 0o444}}
        return {"name": self.volume, "secret": {"secretName": self.source, "items": items, "defaultMode": 0o440}}

    def mount(self) -> dict[str, Any]:
        return {"name": self.volume, "mountPath": self.directory, "readOnly": True}


def mounted_files(owner: Owner, spec: PlatformSpec) -> list[MountedFiles]:
    """The files the platform reads: from Secrets the backup password always, the SFTP key and known_hosts of an
    ``sftp:`` repository, the LGSP client secret and the SMTP password (the platform takes these from no variable);
    from ConfigMaps the SMTP server's CA certificates and the signatures' trust roots."""
    files = [MountedFiles("backup", backup_password_secret(owner, spec),
                          (("KHOLUUTRU_BACKUP_PASSWORD_FILE", "password", "password"),))]
    if spec.backups.credentials_secret and spec.backups.repository.startswith("sftp:"):
        files.append(MountedFiles("backup-sftp", spec.backups.credentials_secret, (
            ("KHOLUUTRU_BACKUP_SFTP_IDENTITY_FILE", "identity", "identity"),
            ("KHOLUUTRU_BACKUP_SFTP_KNOWN_HOSTS_FILE", "known-hosts", "known_hosts"),
        )))
    if spec.lgsp:
        files.append(MountedFiles("lgsp", spec.lgsp.client_secret,
                                  (("KHOLUUTRU_LGSP_CLIENT_SECRET_FILE", "client-secret", "client-secret"),)))
    smtp = spec.notifications and spec.notifications.smtp
    if smtp and smtp.password_secret:
        files.append(MountedFiles("smtp", smtp.password_secret,
                                  (("KHOLUUTRU_SMTP_PASSWORD_FILE", "password", "password"),)))
    if smtp and smtp.ca:
        files.append(MountedFiles("smtp-ca", smtp.ca.name, (("KHOLUUTRU_SMTP_CA_FILE", smtp.ca.key, "ca.pem"),),
                                  config_map=True))
    if spec.signatures and spec.signatures.trust_roots:
        roots = spec.signatures.trust_roots
        files.append(MountedFiles("signature-trust-roots", roots.name, (
            ("KHOLUUTRU_SIGNATURE_TRUST_ROOTS_FILE", roots.key, "trust-roots.pem"),), config_map=True))
    return files


def optional_env(values: dict[str, str | int | float | bool | None]) -> list[dict[str, Any]]:
    """Settings the spec may leave out: only those it gives are set, so the platform's defaults hold otherwise."""
    def shown(value: str | int | float | bool) -> str:
        return str(value).lower() if isinstance(value, bool) else str(value)

    return [{"name": name, "value": shown(value)} for name, value in values.items() if value is not None]


def platform_env(owner: Owner, spec: PlatformSpec) -> list[dict[str, Any]]:
    """Every ``KHOLUUTRU_*`` setting of the platform; secrets come from Secrets, never from the manifest."""
    database = database_secret(owner, spec)
    storage = spec.object_storage
    backups = spec.backups
    retention = backups.retention
    env = [
        {"name": "KHOLUUTRU_DATA_DIR", "value": DATA_DIR},
        secret_env("KHOLUUTRU_DATABASE_URL", database, "database-url"),
        secret_env("KHOLUUTRU_DATABASE_OWNER_URL", database, "owner-url", optional=spec.database.managed is None),
        {"name": "KHOLUUTRU_STORAGE_URL", "value": storage.url},
        secret_env("KHOLUUTRU_STORAGE_ACCESS_KEY_ID", storage.credentials_secret, "access-key-id"),
        secret_env("KHOLUUTRU_STORAGE_SECRET_ACCESS_KEY", storage.credentials_secret, "secret-access-key"),
        secret_env("KHOLUUTRU_SECRET_KEY", owner.console_secret, "secret-key"),
        {"name": "KHOLUUTRU_BACKUP_REPOSITORY", "value": backups.repository},
        {"name": "KHOLUUTRU_BACKUP_KEEP_DAILY", "value": str(retention.keep_daily)},
        {"name": "KHOLUUTRU_BACKUP_KEEP_WEEKLY", "value": str(retention.keep_weekly)},
        {"name": "KHOLUUTRU_BACKUP_KEEP_MONTHLY", "value": str(retention.keep_monthly)},
        {"name": "KHOLUUTRU_BACKUP_KEEP_YEARLY", "value": str(retention.keep_yearly)},
    ]
    for files in mounted_files(owner, spec):
        env += files.env()
    if backups.credentials_secret and backups.repository.startswith("s3:"):
        env += [
            secret_env("KHOLUUTRU_BACKUP_S3_ACCESS_KEY_ID", backups.credentials_secret, "access-key-id"),
            secret_env("KHOLUUTRU_BACKUP_S3_SECRET_ACCESS_KEY", backups.credentials_secret, "secret-access-key"),
        ]
    if spec.sso:
        env += [
            {"name": "KHOLUUTRU_OIDC_ISSUER", "value": spec.sso.issuer_url},
            {"name": "KHOLUUTRU_OIDC_CLIENT_ID", "value": spec.sso.client_id},
            secret_env("KHOLUUTRU_OIDC_CLIENT_SECRET", spec.sso.client_secret, "client-secret"),
            *optional_env({
                "KHOLUUTRU_OIDC_UNIT_CLAIM": spec.sso.unit_claim,
                "KHOLUUTRU_OIDC_ROLES_CLAIM": spec.sso.roles_claim,
                "KHOLUUTRU_OIDC_PROVINCE_ROLES_FROM_CLAIM": spec.sso.province_roles_from_claim,
                "KHOLUUTRU_OIDC_LOCAL_LOGIN": spec.sso.local_login,
            }),
        ]
    if spec.lgsp:
        env += [
            {"name": "KHOLUUTRU_LGSP_BASE_URL", "value": spec.lgsp.base_url},
            {"name": "KHOLUUTRU_LGSP_CLIENT_ID", "value": spec.lgsp.client_id},
            *optional_env({
                "KHOLUUTRU_LGSP_TOKEN_URL": spec.lgsp.token_url,
                "KHOLUUTRU_LGSP_TIMEOUT_SECONDS": spec.lgsp.timeout_seconds,
                "KHOLUUTRU_LGSP_RETRIES": spec.lgsp.retries,
                "KHOLUUTRU_LGSP_BACKOFF_SECONDS": spec.lgsp.backoff_seconds,
                "KHOLUUTRU_LGSP_PAGE_SIZE": spec.lgsp.page_size,
                "KHOLUUTRU_LGSP_DOSSIER_RETENTION_YEARS": spec.lgsp.dossier_retention_years,
            }),
        ]
    return env + notification_env(spec) + signature_env(spec)


def notification_env(spec: PlatformSpec) -> list[dict[str, Any]]:
    """The mail server and recipients of incident notifications (the password and CA come as files)."""
    notifications = spec.notifications
    if notifications is None:
        return []
    env = []
    if notifications.smtp:
        smtp = notifications.smtp
        env += [
            {"name": "KHOLUUTRU_SMTP_HOST", "value": smtp.host},
            *optional_env({
                "KHOLUUTRU_SMTP_PORT": smtp.port,
                "KHOLUUTRU_SMTP_STARTTLS": smtp.start_tls,
                "KHOLUUTRU_SMTP_USERNAME": smtp.username,
                "KHOLUUTRU_SMTP_FROM": smtp.sender,
                "KHOLUUTRU_SMTP_TIMEOUT_SECONDS": smtp.timeout_seconds,
            }),
        ]
    if notifications.incident_recipients:
        env.append({"name": "KHOLUUTRU_INCIDENT_RECIPIENTS", "value": ",".join(notifications.incident_recipients)})
    return env


def signature_env(spec: PlatformSpec) -> list[dict[str, Any]]:
    """How signatures are validated and stamped (the trust roots come as a file)."""
    signatures = spec.signatures
    if signatures is None:
        return []
    return optional_env({
        "KHOLUUTRU_SIGNATURE_REVOCATION_MODE": signatures.revocation_mode,
        "KHOLUUTRU_TSA_URL": signatures.tsa_url,
        "KHOLUUTRU_REQUIRE_SIGNATURES": signatures.require_signatures,
    })


def platform_volumes(owner: Owner, spec: PlatformSpec) -> list[dict[str, Any]]:
    """Writable scratch space (the root filesystem is read-only) and the Secrets and ConfigMaps the platform reads
    as files."""
    return [
        {"name": "tmp", "emptyDir": {}},
        {"name": "data", "emptyDir": {}},
        *(files.volume_source() for files in mounted_files(owner, spec)),
    ]


def platform_mounts(owner: Owner, spec: PlatformSpec) -> list[dict[str, Any]]:
    return [
        {"name": "tmp", "mountPath": "/tmp"},
        {"name": "data", "mountPath": DATA_DIR},
        *(files.mount() for files in mounted_files(owner, spec)),
    ]


def kholuutru_container(owner: Owner, spec: PlatformSpec, name: str, part: str, **fields: Any) -> dict[str, Any]:
    """A container of the kholuutru image with the platform's settings; ``fields`` add command, ports, probes."""
    return {
        "name": name,
        "image": spec.image,
        "imagePullPolicy": "IfNotPresent",
        "env": platform_env(owner, spec),
        "volumeMounts": platform_mounts(owner, spec),
        "resources": resources(spec, part),
        "securityContext": container_security_context(),
        **fields,
    }


def kholuutru_pod(owner: Owner, spec: PlatformSpec, containers: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    """A pod spec of kholuutru containers: non-root, no service-account token (the platform never calls the API)."""
    return {
        "automountServiceAccountToken": False,
        "securityContext": pod_security_context(APP_UID),
        "containers": containers,
        "volumes": platform_volumes(owner, spec),
        **fields,
    }


def command_job_spec(owner: Owner, spec: PlatformSpec, component: str, args: list[str],
                     backoff_limit: int = 1) -> dict[str, Any]:
    """A Job spec running one ``kholuutru`` command whose JSON result becomes the termination message."""
    container = kholuutru_container(
        owner, spec, component, "jobs",
        command=["/bin/sh", "-c", RESULT_SCRIPT, "kholuutru"],
        args=args,
        terminationMessagePath=TERMINATION_LOG,
        terminationMessagePolicy="File",
    )
    return {
        "backoffLimit": backoff_limit,
        "template": {
            "metadata": {"labels": owner.labels(component)},
            "spec": kholuutru_pod(owner, spec, [container], restartPolicy="Never"),
        },
    }
