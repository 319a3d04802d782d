"""All settings of kholuutru, read in one place (ARCHITECTURE §3).

Every setting has the prefix ``KHOLUUTRU_`` so that a deployment can be described by its environment alone, and
``kholuutru config show`` can list each one with its default and whether it is a secret. Nothing else in the code
reads ``os.environ`` for configuration.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any, Literal

from croniter import croniter
from pydantic import Field, SecretStr, field_validator, model_validator
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
        "root CA of Ban Cơ yếu Chính phủ and of licensed public CAs). A data dir seeded with --demo also trusts its "
        "demo CA (demo-pki/demo-root.pem). Unset: no signature is trusted (status 'untrusted').",
    )
    signature_revocation_mode: Literal["soft-fail", "hard-fail"] = Field(
        default="soft-fail",
        description="Revocation checks of signer certificates that name an OCSP responder or a CRL (fetched when a "
        "signature is validated): soft-fail — a responder that cannot be reached does not count against the "
        "signature; hard-fail — it makes the signature 'untrusted'. A revoked certificate is 'revoked' either way.",
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
        default=True,
        description="⚠ Configurable default (DOMAIN.md): a dossier is submitted only if every document's current file "
        "carries a valid personal and then a valid organisation signature (regulation Đ15.5). False: submission "
        "without signatures (e.g. while importing legacy dossiers).",
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

    oidc_issuer: str | None = Field(
        default=None,
        description="Issuer URL of the provincial single sign-on (OpenID Connect); the console reads its discovery "
        "document at {issuer}/.well-known/openid-configuration and logs people in with the authorisation code flow "
        "and PKCE. Unset: local accounts only.",
    )
    oidc_client_id: str | None = Field(
        default=None, description="Client id of the console at the SSO provider; required with the issuer."
    )
    oidc_client_secret: SecretStr | None = Field(
        default=None, description="Client secret of the console at the SSO provider."
    )
    oidc_client_secret_file: Path | None = Field(
        default=None,
        description="File holding the client secret instead (read at start-up, never logged); wins over "
        "KHOLUUTRU_OIDC_CLIENT_SECRET.",
    )
    oidc_unit_claim: str = Field(
        default="unit_code",
        description="Claim carrying the electronic identifier code of the person's unit (e.g. 000.00.01.H47). "
        "Empty: units are assigned in the console only.",
    )
    oidc_roles_claim: str = Field(
        default="roles",
        description="Claim listing the person's role codes (e.g. records_staff); codes the archive does not know are "
        "ignored. Empty: roles are assigned in the console only.",
    )
    oidc_province_roles_from_claim: bool = Field(
        default=False,
        description="⚠ Configurable default: when true, the roles claim may also grant the province-wide roles "
        "(system_admin, operator, inspector); when false only unit roles are taken from it.",
    )
    oidc_local_login: bool = Field(
        default=True,
        description="With SSO: whether the break-glass password login stays open, for system administrators only. "
        "Without SSO every account logs in with its password.",
    )

    @model_validator(mode="after")
    def _sso_complete(self) -> Settings:
        if self.oidc_issuer and not self.oidc_client_id:
            raise ValueError("KHOLUUTRU_OIDC_CLIENT_ID is required with KHOLUUTRU_OIDC_ISSUER")
        return self

    lgsp_base_url: str | None = Field(
        default=None,
        description="Base URL of the provincial integration platform's REST API (LGSP); the feeds are <base>/users, "
        "<base>/procedures and <base>/dossiers, paged by cursor. Unset: LGSP synchronisation is disabled.",
    )
    lgsp_token_url: str | None = Field(
        default=None,
        description="OAuth2 token endpoint of LGSP (client credentials grant). Unset: <base URL>/oauth2/token.",
    )
    lgsp_client_id: str | None = Field(default=None, description="OAuth2 client id of the archive at LGSP.")
    lgsp_client_secret_file: Path | None = Field(
        default=None,
        description="File whose first line is the OAuth2 client secret at LGSP (never in the environment itself).",
    )
    lgsp_timeout_seconds: float = Field(
        default=30.0, gt=0, description="How long one LGSP request may take before it counts as a timeout.",
    )
    lgsp_retries: int = Field(
        default=4, ge=0, le=10,
        description="Retries of one LGSP request after a timeout, a connection error or a 5xx answer, with "
        "exponential backoff and jitter; then the run stops and the next one resumes from the stored cursor.",
    )
    lgsp_backoff_seconds: float = Field(
        default=1.0, ge=0, description="First backoff delay of LGSP retries (doubled at each retry, plus jitter).",
    )
    lgsp_page_size: int = Field(default=100, ge=1, le=1000, description="Records asked for per LGSP page.")
    lgsp_dossier_retention_years: int = Field(
        default=10, ge=1, le=100,
        description="⚠ Configurable default: retention given to procedure dossiers synced from LGSP (drafts; staff "
        "check it, like every field, before submitting).",
    )
    lgsp_sync_schedule: str = Field(
        default="",
        description="When `kholuutru up` synchronises users, procedures and dossiers from LGSP: a cron expression in "
        "Vietnam time. Empty (default): no scheduled synchronisation.",
    )
    trusted_proxies: int = Field(
        default=0, ge=0, le=5,
        description="How many reverse proxies (nginx, the Kubernetes ingress) stand in front of the console: their "
        "X-Forwarded-For/-Proto/-Host/-Port headers are then believed, so links, redirects and the single sign-on "
        "return address carry the public https address. 0 (default): the headers are ignored, as a client could "
        "forge them.",
    )
    smtp_host: str | None = Field(
        default=None,
        description="Mail server incident notifications are sent through. Unset: no e-mail; notifications stay "
        "queued (shown as pending on the incident's page).",
    )
    smtp_port: int = Field(default=25, ge=1, le=65535, description="Port of the mail server.")
    smtp_starttls: bool = Field(default=False, description="Upgrade the SMTP connection with STARTTLS before "
                                "logging in and sending.")
    smtp_ca_file: Path | None = Field(
        default=None,
        description="PEM file of the certificates the mail server's STARTTLS certificate is checked against. Unset: "
        "the system's trusted certificates.",
    )
    smtp_username: str | None = Field(default=None, description="SMTP login name. Unset: send without logging in.")
    smtp_password_file: Path | None = Field(
        default=None,
        description="File whose first line is the SMTP password (never in the environment or on a command line).",
    )
    smtp_from: str = Field(default="kholuutru@localhost", description="Sender address of incident notifications.")
    smtp_timeout_seconds: float = Field(default=10.0, gt=0, description="How long to wait for the mail server.")
    incident_recipients: str = Field(
        default="",
        description="Comma-separated addresses told of every incident change (the operating unit's mailbox); the "
        "incident's assignee is added.",
    )

    @field_validator("data_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().absolute()

    @field_validator("backup_password_file", "backup_sftp_identity_file", "backup_sftp_known_hosts_file",
                     "backup_staging_dir", "oidc_client_secret_file", "lgsp_client_secret_file",
                     "smtp_password_file", "smtp_ca_file")
    @classmethod
    def _absolute_if_set(cls, value: Path | None) -> Path | None:
        return None if value is None else value.expanduser().absolute()

    @field_validator("backup_schedule", "drill_schedule", "lgsp_sync_schedule")
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

    @property
    def sso_enabled(self) -> bool:
        """Whether people log in through the provincial SSO (an issuer is configured)."""
        return bool(self.oidc_issuer)

    def sso_client_secret(self) -> str | None:
        """The SSO client secret: the file's content when a file is given, else the setting."""
        if self.oidc_client_secret_file is not None:
            return self.oidc_client_secret_file.read_text().strip()
        return None if self.oidc_client_secret is None else self.oidc_client_secret.get_secret_value()

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
