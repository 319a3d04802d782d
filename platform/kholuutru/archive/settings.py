"""All settings of kholuutru, read in one place (ARCHITECTURE §3).

Every setting has the prefix ``KHOLUUTRU_`` so that a deployment can be described by its environment alone, and
``kholuutru config show`` can list each one with its default and whether it is a secret. Nothing else in the code
reads ``os.environ`` for configuration.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from croniter import croniter
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Runtime configuration. Paths are made absolute so a later ``chdir`` cannot move the data."""

    model_config = SettingsConfigDict(env_prefix="KHOLUUTRU_", extra="ignore")

    data_dir: Path = Field(
        default=Path(".kholuutru"),
        description="Folder for the embedded database, local documents and the generated secret key.",
    )
    database_url: SecretStr | None = Field(
        default=None,
        description="PostgreSQL URL the application connects with (a role that does not own the tables). "
        "Unset: embedded PostgreSQL under the data dir.",
    )
    database_owner_url: SecretStr | None = Field(
        default=None,
        description="PostgreSQL URL of the role that owns the schema and runs migrations. "
        "Unset: same as the database URL.",
    )
    storage_url: str | None = Field(
        default=None,
        description="Where documents are stored: file:///path, or s3://bucket?endpoint_url=https://host:port&region=R "
        "(S3-compatible; optional addressing_style=path|virtual). Unset: the documents folder under the data dir.",
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="Key that signs console sessions. Unset: generated once and kept in the data dir.",
    )
    host: str = Field(default="127.0.0.1", description="Address the console listens on.")
    port: int = Field(default=8080, ge=1, le=65535, description="Port the console listens on.")
    default_language: str = Field(default="vi", description="Console language when the user has chosen none.")
    embedded_db_user: str = Field(
        default="kholuutru-pg",
        description="System user that runs the embedded PostgreSQL when kholuutru is started as root "
        "(PostgreSQL refuses to run as root).",
    )
    storage_access_key_id: SecretStr | None = Field(
        default=None,
        description="Access key id for s3:// document storage. Unset: boto3's usual chain (environment, "
        "shared credentials file, instance or pod role).",
    )
    storage_secret_access_key: SecretStr | None = Field(
        default=None,
        description="Secret access key for s3:// document storage; set together with the access key id.",
    )
    max_upload_bytes: int = Field(
        default=200 * 1024 * 1024,
        ge=1,
        description="Largest document file accepted, in bytes (default 200 MiB); reading stops as soon as an upload "
        "goes over it.",
    )
    backup_repository: str | None = Field(
        default=None,
        description="restic repository for off-site backups: a folder, s3:https://host[:port]/bucket[/prefix] or "
        "sftp:user@host:/path (sftp://user@host:port//path for another port). Refused when it lies on the document "
        "storage. Unset: the backups folder under the data dir.",
    )
    backup_password_file: Path | None = Field(
        default=None,
        description="File holding the restic repository password; given to restic as RESTIC_PASSWORD_FILE, never on "
        "a command line. Required with KHOLUUTRU_BACKUP_REPOSITORY; unset with the default repository: generated "
        "once in the data dir.",
    )
    backup_keep_daily: int = Field(default=7, ge=0, description="Backups kept by `backup forget`: last N days.")
    backup_keep_weekly: int = Field(default=5, ge=0, description="Backups kept by `backup forget`: last N weeks.")
    backup_keep_monthly: int = Field(default=12, ge=0, description="Backups kept by `backup forget`: last N months.")
    backup_keep_yearly: int = Field(default=10, ge=0, description="Backups kept by `backup forget`: last N years.")
    backup_s3_access_key_id: SecretStr | None = Field(
        default=None,
        description="Access key id for an s3: backup repository (separate from the document storage's). Unset: "
        "restic's usual AWS_* environment or instance role.",
    )
    backup_s3_secret_access_key: SecretStr | None = Field(
        default=None,
        description="Secret access key for an s3: backup repository; set together with its access key id.",
    )
    backup_sftp_identity_file: Path | None = Field(
        default=None,
        description="Private key file for an sftp: backup repository (ssh -i). Unset: ssh's own keys and agent.",
    )
    backup_sftp_known_hosts_file: Path | None = Field(
        default=None,
        description="known_hosts file with the SFTP server's host key; the host key is always checked. Unset: "
        "ssh's default known_hosts.",
    )
    backup_staging_dir: Path | None = Field(
        default=None,
        description="Working folder of backups, restores and drills (database dump, documents, scratch PostgreSQL). "
        "On the file system of a local documents folder, documents are hard-linked instead of copied. Unset: "
        "backup-staging under the data dir.",
    )
    job_lease_seconds: float = Field(
        default=300.0,
        gt=0,
        description="A running background job (OCR) whose worker has not reported for this long is taken over by "
        "another worker: its worker died. Workers report every third of it. A job that has taken down three workers "
        "fails.",
    )
    backup_full_fixity_days: int = Field(
        default=7,
        ge=0,
        description="A backup re-hashes every document object when the last run that did is this many days old or "
        "older (default weekly); the runs between re-hash only new or changed objects and a rotating 1 % sample, and "
        "trust the others by size and modification time. 0: every run re-hashes every object.",
    )
    backup_schedule: str = Field(
        default="30 1 * * *",
        description="When `kholuutru up` runs `backup run`: a cron expression in Vietnam time (default daily at "
        "01:30). Empty: no scheduled backups (e.g. a CronJob makes them). Consoles sharing the database never run "
        "the same backup at once.",
    )
    drill_schedule: str = Field(
        default="0 3 * * 0",
        description="When `kholuutru up` runs `drill run`: a cron expression in Vietnam time (default Sundays at "
        "03:00). Empty: no scheduled drills.",
    )

    signature_trust_roots_file: Path | None = Field(
        default=None,
        description="PEM or DER file of the root certificates signatures are validated against (e.g. the national "
        "root CA of Ban Cơ yếu Chính phủ and of licensed public CAs). Unset: no signature is trusted (status "
        "'untrusted').",
    )
    tsa_url: str | None = Field(
        default=None,
        description="RFC 3161 time-stamping authority that stamps every signature the platform makes. Unset: "
        "signatures carry only the signer's own clock.",
    )
    pkcs11_module: Path = Field(
        default=Path("/usr/lib/softhsm/libsofthsm2.so"),
        description="PKCS#11 module (.so) of the signing tokens or HSM that hold keys.",
    )
    signature_font_file: Path = Field(
        default=Path("/usr/share/fonts/truetype/freefont/FreeSans.ttf"),
        description="TrueType font with Vietnamese letters for the visible signature stamp, 1000 units per em "
        "(Debian fonts-freefont-ttf); pyHanko spaces the letters of other fonts wrongly.",
    )
    require_signatures: bool = Field(
        default=False,
        description="⚠ Configurable default (DOMAIN.md): when true, a dossier is submitted only if every document's "
        "current file carries a valid personal and a valid organisation signature (regulation Đ15.5).",
    )

    scan_min_dpi: int = Field(
        default=200,
        ge=1,
        description="Minimum resolution of a scan, in dpi (DOMAIN.md § digitisation); pages below it are flagged.",
    )
    ocr_languages: str = Field(
        default="vie",
        description="Tesseract language models for OCR, joined with '+' (e.g. vie+eng); Debian tesseract-ocr-vie.",
    )

    result_code_pattern: str = Field(
        default="KQ.{level1}.{number:06d}",
        description="⚠ Configurable default (DOMAIN.md § codes): the digitisation result code, with {level1} (the "
        "unit's level-1 code, e.g. H47) and {number} (a sequence per prefix).",
    )

    @field_validator("data_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().absolute()

    @field_validator("backup_password_file", "backup_sftp_identity_file", "backup_sftp_known_hosts_file",
                     "backup_staging_dir")
    @classmethod
    def _absolute_if_set(cls, value: Path | None) -> Path | None:
        return None if value is None else value.expanduser().absolute()

    @field_validator("backup_schedule", "drill_schedule")
    @classmethod
    def _cron_or_empty(cls, value: str) -> str:
        value = value.strip()
        if value and not croniter.is_valid(value):
            raise ValueError(f"not a cron expression (minute hour day month weekday): {value!r}")
        return value

    @field_validator("default_language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        if value not in ("vi", "en"):
            raise ValueError("default_language must be 'vi' or 'en'")
        return value

    @property
    def documents_url(self) -> str:
        """The storage URL in effect: the setting, or the local documents folder."""
        return self.storage_url or (self.data_dir / "documents").as_uri()

    def session_secret(self) -> str:
        """The console's signing key; generated once per data dir so sessions survive restarts."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        key_file = self.data_dir / "secret_key"
        if not key_file.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            key_file.touch(mode=0o600)
            key_file.write_text(secrets.token_urlsafe(48))
        return key_file.read_text().strip()

    def described(self) -> list[dict[str, Any]]:
        """Every setting with its environment name, value in effect (secrets masked) and description."""
        rows = []
        for name, field in type(self).model_fields.items():
            value = getattr(self, name)
            secret = isinstance(value, SecretStr) or field.annotation in (SecretStr, SecretStr | None)
            if isinstance(value, SecretStr):
                shown: Any = _mask(value.get_secret_value())
            elif isinstance(value, Path):
                shown = str(value)
            else:
                shown = value
            rows.append(
                {
                    "name": f"KHOLUUTRU_{name.upper()}",
                    "value": shown,
                    "default": None if field.default is None else str(field.default),
                    "secret": secret,
                    "description": field.description,
                }
            )
        return rows


def _mask(secret: str) -> str:
    """Hide a secret, including the password inside a URL, but keep enough to recognise which one it is."""
    if "://" in secret and "@" in secret:
        scheme, rest = secret.split("://", 1)
        credentials, host = rest.rsplit("@", 1)
        user = credentials.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}"
    return "***"


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment, with explicit values (e.g. ``--data-dir``) taking precedence."""
    return Settings(**{key: value for key, value in overrides.items() if value is not None})
