"""An ArchivePlatform's spec, defaulted and checked, as typed values the renderers can trust.

Parsing is all-or-nothing: :func:`parse` either returns a :class:`PlatformSpec` or raises :class:`InvalidSpec` naming
every problem, before anything is created — so an invalid spec never leaves a half-built platform behind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

from croniter import croniter

from . import crd

STORAGE_REGION = "us-east-1"
"""Region name boto3 signs with; S3-compatible stores in a data centre ignore it, but it must be set."""


class InvalidSpec(ValueError):
    """The spec cannot be acted on; ``problems`` says why, one line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class ManagedDatabase:
    storage_size: str
    storage_class_name: str | None
    version: str
    delete_volume_on_delete: bool


@dataclass(frozen=True)
class Database:
    """Exactly one of ``managed`` and ``external_secret`` is set."""

    managed: ManagedDatabase | None
    external_secret: str | None


@dataclass(frozen=True)
class ObjectStorage:
    endpoint: str
    bucket: str
    credentials_secret: str

    @property
    def url(self) -> str:
        """``KHOLUUTRU_STORAGE_URL`` for this bucket (ARCHITECTURE §3), path-style as S3-compatible stores expect."""
        query = urlencode({"endpoint_url": self.endpoint, "region": STORAGE_REGION, "addressing_style": "path"})
        return f"s3://{self.bucket}?{query}"


@dataclass(frozen=True)
class Retention:
    keep_daily: int
    keep_weekly: int
    keep_monthly: int
    keep_yearly: int


@dataclass(frozen=True)
class Backups:
    schedule: str
    repository: str
    password_secret: str | None
    credentials_secret: str | None
    retention: Retention
    final_backup_on_delete: bool


@dataclass(frozen=True)
class Sso:
    """The console's OpenID Connect client. The optional fields are None when the spec leaves them out, so the
    platform's own defaults apply rather than a second copy of them here."""

    issuer_url: str
    client_id: str
    client_secret: str
    unit_claim: str | None = None
    roles_claim: str | None = None
    province_roles_from_claim: bool | None = None
    local_login: bool | None = None


@dataclass(frozen=True)
class Lgsp:
    """The LGSP integration (OAuth2 client credentials); optional fields as in :class:`Sso`."""

    base_url: str
    client_id: str
    client_secret: str
    sync_schedule: str
    token_url: str | None = None
    timeout_seconds: float | None = None
    retries: int | None = None
    backoff_seconds: float | None = None
    page_size: int | None = None
    dossier_retention_years: int | None = None


@dataclass(frozen=True)
class ConfigMapFile:
    """One key of a ConfigMap, mounted read-only as a file: certificates, which are public, never a Secret."""

    name: str
    key: str


@dataclass(frozen=True)
class Smtp:
    """The mail server of incident notifications; optional fields as in :class:`Sso`."""

    host: str
    port: int | None = None
    start_tls: bool | None = None
    ca: ConfigMapFile | None = None
    username: str | None = None
    password_secret: str | None = None
    sender: str | None = None
    timeout_seconds: float | None = None


@dataclass(frozen=True)
class Notifications:
    """Incident notifications by e-mail (regulation Đ10). Without ``smtp`` they stay queued in the platform."""

    smtp: Smtp | None = None
    incident_recipients: tuple[str, ...] = ()


@dataclass(frozen=True)
class Signatures:
    """Validation and time-stamping of digital signatures; optional fields as in :class:`Sso`."""

    trust_roots: ConfigMapFile | None = None
    revocation_mode: str | None = None
    tsa_url: str | None = None
    require_signatures: bool | None = None


@dataclass(frozen=True)
class Ingress:
    host: str
    class_name: str | None
    tls_secret_name: str | None


@dataclass(frozen=True)
class PlatformSpec:
    image: str
    replicas: int
    suspended: bool
    suspension_reason: str | None
    database: Database
    object_storage: ObjectStorage
    backups: Backups
    drill_schedule: str
    sso: Sso | None = None
    lgsp: Lgsp | None = None
    notifications: Notifications | None = None
    signatures: Signatures | None = None
    ingress: Ingress | None = None
    """``spec.resources.ingress``: kept apart from the compute resources it sits beside in the CRD."""
    resources: dict[str, dict[str, Any]] = field(default_factory=dict)
    """``spec.resources`` without ``ingress``: requests and limits of the console, the database and the Jobs."""


def parse(raw: dict[str, Any]) -> PlatformSpec:
    """Default ``raw`` with the CRD's defaults, check it against the schema and the rules the schema cannot say,
    and return the typed spec."""
    spec = crd.with_defaults(raw or {})
    problems = crd.schema_errors(spec) + _rule_problems(spec)
    if problems:
        raise InvalidSpec(problems)
    return _typed(spec)


def _section(spec: dict[str, Any], name: str) -> dict[str, Any]:
    """A part of a spec that may break the schema: the rules below look at whatever is there."""
    value = spec.get(name)
    return value if isinstance(value, dict) else {}


def _rule_problems(spec: dict[str, Any]) -> list[str]:
    """The rules the schema cannot express: one database, real cron schedules, off-site really off-site and
    reachable, an SMTP login that is used."""
    problems = []
    database = _section(spec, "database")
    if ("managed" in database) == ("externalSecretRef" in database):
        problems.append("spec.database: set exactly one of database.managed and database.externalSecretRef")
    schedules = {
        "spec.backups.schedule": _section(spec, "backups").get("schedule"),
        "spec.drills.schedule": _section(spec, "drills").get("schedule"),
        "spec.lgsp.syncSchedule": _section(spec, "lgsp").get("syncSchedule"),
    }
    for path, schedule in schedules.items():
        if isinstance(schedule, str) and not croniter.is_valid(schedule):
            problems.append(f"{path}: {schedule!r} is not a valid cron schedule")
    backups = _section(spec, "backups")
    repository = backups.get("repository")
    if isinstance(repository, str) and repository.startswith("sftp:") and "credentialsSecretRef" not in backups:
        problems.append("spec.backups.credentialsSecretRef: an sftp: repository needs a Secret with keys `identity` "
                        "and `known-hosts` (a pod has no ssh key or known_hosts of its own)")
    storage = _section(spec, "objectStorage")
    if isinstance(repository, str) and isinstance(storage.get("endpoint"), str) and _same_place(repository, storage):
        problems.append(
            "spec.backups.repository: the off-site repository must not live on the primary object storage "
            "(same endpoint and bucket as spec.objectStorage)"
        )
    problems += _smtp_problems(_section(_section(spec, "notifications"), "smtp"))
    return problems


def _smtp_problems(smtp: dict[str, Any]) -> list[str]:
    """The CRD's rules on ``spec.notifications.smtp`` (CEL, so checked here too): a password without a login name
    would never be used, and a CA file only checks a STARTTLS certificate."""
    problems = []
    if "passwordSecretRef" in smtp and "username" not in smtp:
        problems.append("spec.notifications.smtp.passwordSecretRef: a password is used only with a login name; "
                        "set spec.notifications.smtp.username")
    if "caConfigMapRef" in smtp and smtp.get("startTLS") is not True:
        problems.append("spec.notifications.smtp.caConfigMapRef: the CA certificates check the server's STARTTLS "
                        "certificate; set spec.notifications.smtp.startTLS to true")
    return problems


def _same_place(repository: str, storage: dict[str, Any]) -> bool:
    """Whether a restic ``s3:`` repository points into the documents' own bucket (ARCHITECTURE invariant 5)."""
    if not repository.startswith("s3:"):
        return False
    location = repository.removeprefix("s3:")
    target = urlsplit(location if "://" in location else f"https://{location}")
    primary = urlsplit(storage["endpoint"])
    bucket = target.path.strip("/").split("/")[0]
    return target.hostname == primary.hostname and target.port == primary.port and bucket == storage.get("bucket")


def _secret_name(reference: dict[str, Any] | None) -> str | None:
    return reference["name"] if reference else None


def _sso(section: dict[str, Any] | None) -> Sso | None:
    if section is None:
        return None
    return Sso(
        issuer_url=section["issuerUrl"], client_id=section["clientId"],
        client_secret=section["clientSecretRef"]["name"], unit_claim=section.get("unitClaim"),
        roles_claim=section.get("rolesClaim"), province_roles_from_claim=section.get("provinceRolesFromClaim"),
        local_login=section.get("localLogin"),
    )


def _lgsp(section: dict[str, Any] | None) -> Lgsp | None:
    if section is None:
        return None
    return Lgsp(
        base_url=section["url"], client_id=section["clientId"], client_secret=section["clientSecretRef"]["name"],
        sync_schedule=section["syncSchedule"], token_url=section.get("tokenUrl"),
        timeout_seconds=section.get("timeoutSeconds"), retries=section.get("retries"),
        backoff_seconds=section.get("backoffSeconds"), page_size=section.get("pageSize"),
        dossier_retention_years=section.get("dossierRetentionYears"),
    )


def _config_map_file(reference: dict[str, Any] | None) -> ConfigMapFile | None:
    return ConfigMapFile(reference["name"], reference["key"]) if reference else None


def _smtp(section: dict[str, Any] | None) -> Smtp | None:
    if section is None:
        return None
    return Smtp(
        host=section["host"], port=section.get("port"), start_tls=section.get("startTLS"),
        ca=_config_map_file(section.get("caConfigMapRef")), username=section.get("username"),
        password_secret=_secret_name(section.get("passwordSecretRef")), sender=section.get("from"),
        timeout_seconds=section.get("timeoutSeconds"),
    )


def _notifications(section: dict[str, Any] | None) -> Notifications | None:
    if section is None:
        return None
    return Notifications(smtp=_smtp(section.get("smtp")),
                         incident_recipients=tuple(section.get("incidentRecipients") or ()))


def _signatures(section: dict[str, Any] | None) -> Signatures | None:
    if section is None:
        return None
    return Signatures(
        trust_roots=_config_map_file(section.get("trustRootsConfigMapRef")),
        revocation_mode=section.get("revocationMode"), tsa_url=section.get("tsaUrl"),
        require_signatures=section.get("requireSignatures"),
    )


def _typed(spec: dict[str, Any]) -> PlatformSpec:
    database = spec["database"]
    managed = database.get("managed")
    backups = spec["backups"]
    retention = backups["retention"]
    resources = dict(spec["resources"])
    ingress = resources.pop("ingress", None)
    return PlatformSpec(
        image=spec["image"],
        replicas=spec["replicas"],
        suspended=spec["suspended"],
        suspension_reason=spec.get("suspensionReason") or None,
        database=Database(
            managed=ManagedDatabase(
                storage_size=managed["storageSize"],
                storage_class_name=managed.get("storageClassName"),
                version=managed["version"],
                delete_volume_on_delete=managed["deleteVolumeOnDelete"],
            ) if managed is not None else None,
            external_secret=_secret_name(database.get("externalSecretRef")),
        ),
        object_storage=ObjectStorage(
            endpoint=spec["objectStorage"]["endpoint"].rstrip("/"),
            bucket=spec["objectStorage"]["bucket"],
            credentials_secret=spec["objectStorage"]["credentialsSecretRef"]["name"],
        ),
        backups=Backups(
            schedule=backups["schedule"],
            repository=backups["repository"],
            password_secret=_secret_name(backups.get("passwordSecretRef")),
            credentials_secret=_secret_name(backups.get("credentialsSecretRef")),
            retention=Retention(
                keep_daily=retention["keepDaily"], keep_weekly=retention["keepWeekly"],
                keep_monthly=retention["keepMonthly"], keep_yearly=retention["keepYearly"],
            ),
            final_backup_on_delete=backups["finalBackupOnDelete"],
        ),
        drill_schedule=spec["drills"]["schedule"],
        sso=_sso(spec.get("sso")),
        lgsp=_lgsp(spec.get("lgsp")),
        notifications=_notifications(spec.get("notifications")),
        signatures=_signatures(spec.get("signatures")),
        ingress=Ingress(ingress["host"], ingress.get("className"), ingress.get("tlsSecretName")) if ingress else None,
        resources=resources,
    )
