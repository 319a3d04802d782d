"""Which restic repository backups go to, how restic reaches it, and the refusal of one on primary storage.

Everything restic needs travels in its environment (``RESTIC_REPOSITORY``, ``RESTIC_PASSWORD_FILE``, the S3 keys):
the password never appears on a command line or in a log, and neither do credentials inside a repository URL. An
``sftp:`` repository gets an explicit ssh command (key, known_hosts, strict host key checking, never a prompt).

Invariant 5: a repository on the document storage would be lost with it, so a local folder inside (or containing) the
documents folder, or an S3 repository in the documents' bucket on the same endpoint, is refused by every command.
"""

from __future__ import annotations

import os
import re
import secrets
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from kholuutru.archive.settings import Settings

from .errors import BadBackupSetting

_SCP_LIKE = re.compile(r"(?:(?P<user>[^@/]+)@)?(?P<host>[^:/]+):(?P<path>.+)")
_CREDENTIALS = re.compile(r"(//[^/:@\s]+):[^@/\s]+@")


@dataclass(frozen=True)
class Repository:
    """A restic repository as restic is told about it: location, password file, extra environment and options."""

    location: str
    password_file: Path
    environment: dict[str, str] = field(default_factory=dict, repr=False)
    options: tuple[str, ...] = ()

    @property
    def local_folder(self) -> Path | None:
        """The folder of a local repository (a plain path or ``local:``), None for a remote one."""
        if self.location.startswith("local:"):
            return Path(self.location.removeprefix("local:"))
        backend = self.location.split(":", 1)[0] if ":" in self.location else ""
        return None if backend and "/" not in backend else Path(self.location)

    @property
    def shown(self) -> str:
        """The location with any password inside it masked, for output and the database."""
        return mask_credentials(self.location)


def mask_credentials(text: str) -> str:
    """Hide ``user:password@`` in URLs (``rest:https://user:pw@host/`` repositories carry one)."""
    return _CREDENTIALS.sub(r"\1:***@", text)


def open_repository(settings: Settings) -> Repository:
    """The repository of the settings, its password file checked and its independence from primary storage proven."""
    location = settings.backup_repository or str(settings.data_dir / "backups")
    password_file = _password_file(settings)
    refuse_primary_storage(location, settings)
    environment: dict[str, str] = {}
    options: tuple[str, ...] = ()
    if location.startswith("s3:"):
        environment = _s3_credentials(settings)
    elif location.startswith("sftp:"):
        options = ("-o", f"sftp.command={_ssh_command(location, settings)}")
    return Repository(location, password_file, environment, options)


def _password_file(settings: Settings) -> Path:
    """The configured password file; for the embedded default repository one is generated once in the data dir."""
    if settings.backup_password_file is None:
        if settings.backup_repository is not None:
            raise BadBackupSetting(
                "Phải đặt KHOLUUTRU_BACKUP_PASSWORD_FILE cùng với KHOLUUTRU_BACKUP_REPOSITORY: mật khẩu kho sao lưu "
                "không được nằm cạnh dữ liệu mà nó bảo vệ.",
                "Set KHOLUUTRU_BACKUP_PASSWORD_FILE together with KHOLUUTRU_BACKUP_REPOSITORY: the repository "
                "password must not live only beside the data it protects.",
                field="backup_password_file",
            )
        generated = settings.data_dir / "backup-password"
        if not generated.exists():
            settings.data_dir.mkdir(parents=True, exist_ok=True)
            generated.touch(mode=0o600)
            generated.write_text(secrets.token_urlsafe(32) + "\n")
        return generated
    path = settings.backup_password_file
    if not path.is_file() or not os.access(path, os.R_OK) or not path.read_text().strip():
        raise BadBackupSetting(
            f"Không đọc được mật khẩu kho sao lưu từ {path} (KHOLUUTRU_BACKUP_PASSWORD_FILE).",
            f"Cannot read the backup repository password from {path} (KHOLUUTRU_BACKUP_PASSWORD_FILE).",
            field="backup_password_file",
        )
    return path


def _s3_credentials(settings: Settings) -> dict[str, str]:
    key_id, secret = settings.backup_s3_access_key_id, settings.backup_s3_secret_access_key
    if (key_id is None) != (secret is None):
        raise BadBackupSetting(
            "Phải đặt cả KHOLUUTRU_BACKUP_S3_ACCESS_KEY_ID lẫn KHOLUUTRU_BACKUP_S3_SECRET_ACCESS_KEY, hoặc không đặt.",
            "Set both KHOLUUTRU_BACKUP_S3_ACCESS_KEY_ID and KHOLUUTRU_BACKUP_S3_SECRET_ACCESS_KEY, or neither.",
            field="backup_s3_secret_access_key",
        )
    if key_id is None or secret is None:
        return {}
    return {"AWS_ACCESS_KEY_ID": key_id.get_secret_value(), "AWS_SECRET_ACCESS_KEY": secret.get_secret_value()}


def _sftp_parts(location: str) -> tuple[str | None, str, int | None, str]:
    """(user, host, port, path) of ``sftp:user@host:/path`` or ``sftp://user@host:port//path``."""
    rest = location[len("sftp:"):]
    if rest.startswith("//"):
        parsed = urlparse("sftp:" + rest)
        if parsed.hostname:
            return parsed.username, parsed.hostname, parsed.port, parsed.path
    else:
        match = _SCP_LIKE.fullmatch(rest)
        if match:
            return match["user"], match["host"], None, match["path"]
    raise BadBackupSetting(
        f"Địa chỉ kho SFTP không hợp lệ: {location}; dùng sftp:user@host:/đường-dẫn.",
        f"Invalid SFTP repository: {location}; use sftp:user@host:/path or sftp://user@host:port//path.",
        field="backup_repository",
    )


def _ssh_command(location: str, settings: Settings) -> str:
    """The ssh command restic runs for an sftp: repository: batch mode, host key always checked."""
    user, host, port, _path = _sftp_parts(location)
    command = ["ssh", f"{user}@{host}" if user else host]
    if port:
        command += ["-p", str(port)]
    for name, path in (("backup_sftp_identity_file", settings.backup_sftp_identity_file),
                       ("backup_sftp_known_hosts_file", settings.backup_sftp_known_hosts_file)):
        if path is not None and not path.is_file():
            raise BadBackupSetting(
                f"Không tìm thấy tệp {path} (KHOLUUTRU_{name.upper()}).",
                f"File {path} not found (KHOLUUTRU_{name.upper()}).",
                field=name,
            )
    if settings.backup_sftp_identity_file is not None:
        command += ["-i", str(settings.backup_sftp_identity_file), "-o", "IdentitiesOnly=yes"]
    if settings.backup_sftp_known_hosts_file is not None:
        command += ["-o", f"UserKnownHostsFile={settings.backup_sftp_known_hosts_file}"]
    command += ["-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-s", "sftp"]
    return shlex.join(command)


def refuse_primary_storage(location: str, settings: Settings) -> None:
    """Invariant 5: refuse a repository that lives on the document storage (or holds it)."""
    documents = urlparse(settings.documents_url)
    if documents.scheme == "file" and _is_local(location):
        repository = Path(location.removeprefix("local:")).expanduser().resolve()
        root = Path(unquote(documents.path)).resolve()
        if repository.is_relative_to(root) or root.is_relative_to(repository):
            raise _on_primary(location, settings.documents_url)
    elif documents.scheme == "s3" and location.startswith("s3:"):
        endpoint, bucket = _restic_s3(location)
        options = {name: values[-1] for name, values in parse_qs(documents.query).items()}
        if bucket == documents.hostname and endpoint == _endpoint(options.get("endpoint_url")):
            raise _on_primary(location, settings.documents_url)


def _is_local(location: str) -> bool:
    return location.startswith("local:") or not re.match(r"[a-z0-9]+:", location)


def _restic_s3(location: str) -> tuple[str, str]:
    """(endpoint host:port, bucket) of ``s3:https://host:port/bucket/prefix`` or ``s3:host/bucket/prefix``."""
    rest = location[len("s3:"):]
    url = urlparse(rest if "://" in rest else "https://" + rest)
    return _endpoint(f"{url.scheme}://{url.netloc}"), url.path.strip("/").split("/")[0]


def _endpoint(url: str | None) -> str:
    """host:port of an S3 endpoint URL; unset means AWS itself."""
    if not url:
        return "s3.amazonaws.com:443"
    parsed = urlparse(url)
    return f"{parsed.hostname}:{parsed.port or (80 if parsed.scheme == 'http' else 443)}"


def _on_primary(location: str, documents_url: str) -> BadBackupSetting:
    return BadBackupSetting(
        f"Kho sao lưu KHOLUUTRU_BACKUP_REPOSITORY ({mask_credentials(location)}) nằm trên kho tài liệu chính "
        f"KHOLUUTRU_STORAGE_URL ({documents_url}); bản sao lưu phải độc lập với hệ thống đang chạy.",
        f"The backup repository KHOLUUTRU_BACKUP_REPOSITORY ({mask_credentials(location)}) lies on the primary "
        f"document storage KHOLUUTRU_STORAGE_URL ({documents_url}); backups must be independent of it (invariant 5).",
        field="backup_repository",
    )
