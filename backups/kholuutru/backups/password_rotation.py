"""Rotating the off-site repository's password with restic's own keys (``restic key add`` / ``key remove``).

restic encrypts the repository's master key once per password (a *key*); adding a key for the new password and then
removing the key the old password opens leaves the data untouched and the old password useless — which is the point
after a password leaked or a person who knew it left. The order keeps the repository reachable at every moment: the
new key exists and is proven to open the repository before the old one is removed. Only the key of the configured
password is removed; keys of other passwords (a sealed escrow copy) stay and are counted.

The command holds the backups' working-folder lock, so no backup, restore or drill of this installation reads the
password file halfway through. It never rewrites the password file: where the password lives (a mounted Secret, a
file managed by configuration management) is the deployment's business, so the result names the next step.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kholuutru.archive import audit
from kholuutru.archive.access import Actor
from kholuutru.archive.database import Database
from kholuutru.archive.settings import Settings

from .errors import BadBackupSetting, ToolFailed
from .processes import last_lines
from .repository import open_repository
from .restic_runner import Restic
from .workspace import workspace

ACTOR = Actor.system("backup-rotate-password")


def _keys(restic: Restic) -> list[dict[str, Any]]:
    """The repository's keys; ``current`` marks the one restic's password opened."""
    return json.loads(restic.run("liệt kê khóa kho", "list the repository keys", "key", "list", "--json",
                                 "--no-lock").stdout or "[]")


def _current(keys: list[dict[str, Any]]) -> str:
    return next(key["id"] for key in keys if key["current"])


def _new_password(path: Path, old: Path) -> Path:
    """The new password file, readable, not empty and not the old password again."""
    if not path.is_file() or not path.read_text().strip():
        raise BadBackupSetting(f"Không đọc được mật khẩu mới từ {path}.",
                               f"Cannot read the new password from {path}.", field="new_password_file")
    if path.read_text().splitlines()[0] == old.read_text().splitlines()[0]:
        raise BadBackupSetting("Mật khẩu mới trùng mật khẩu đang dùng.",
                               "The new password is the password in use.", field="new_password_file")
    return path


def rotate_password(settings: Settings, database: Database, new_password_file: Path,
                    on_wait: Callable[[], None] | None = None) -> dict[str, Any]:
    """Add a key for the new password, prove it opens the repository, remove the old password's key; audited."""
    repository = open_repository(settings)
    new_file = _new_password(new_password_file, repository.password_file)
    with workspace(settings, "rotate-password", on_wait=on_wait):
        old = Restic(repository)
        old_key = _current(_keys(old))
        old.run("thêm khóa mới", "add the new key", "key", "add", "--new-password-file", str(new_file))
        new = Restic(dataclasses.replace(repository, password_file=new_file))
        new_key = _current(_keys(new))
        removed = new.run("xóa khóa cũ", "remove the old key", "key", "remove", old_key, check=False)
        if removed.returncode != 0:
            raise ToolFailed("restic", "xóa khóa cũ (cả hai mật khẩu đều còn dùng được)",
                             "remove the old key (both passwords still open the repository)",
                             last_lines(removed.stderr))
        remaining = _keys(new)
    result = {"ok": True, "repository": repository.shown, "removed_key": old_key, "added_key": new_key,
              "keys": len(remaining), "password_file": str(new_file),
              "next_step": f"KHOLUUTRU_BACKUP_PASSWORD_FILE={new_file} (or copy it over {repository.password_file}) "
                           "for every backup, drill and restore from now on"}
    with database.session(ACTOR) as session:
        audit.record(session, ACTOR, "backup.rotate_password", object_type="backup_repository",
                     details={key: result[key] for key in ("repository", "removed_key", "added_key", "keys")})
    return result
