"""Secrets the operator generates: database credentials, the console's session key, the backup password.

Each is created once and never rewritten (a new backup password would lock the platform out of its own off-site
repository; new database passwords would not match the data on the volume). The generator is a parameter so the
rendering stays a pure function of its inputs.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable
from typing import Any

from ..naming import Owner
from ..spec import PlatformSpec

OWNER_ROLE = "kholuutru_owner"
APP_ROLE = "kholuutru_app"
DATABASE_NAME = "kholuutru"
"""The roles and database the archive expects (kholuutru.archive.database); the init script creates them."""

Generator = Callable[[], str]


def new_password() -> str:
    """48 URL-safe characters: usable inside a database URL without escaping."""
    return secrets.token_urlsafe(36)


def _secret(owner: Owner, name: str, component: str, values: dict[str, str]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": owner.metadata(name, component),
        "type": "Opaque",
        "data": {key: base64.b64encode(value.encode()).decode() for key, value in values.items()},
    }


def database_credentials(owner: Owner, generate: Generator) -> dict[str, Any]:
    """Superuser, schema-owner and application passwords, and the URLs the platform connects with."""
    owner_password, app_password = generate(), generate()
    base = f"{owner.database_host}:5432/{DATABASE_NAME}"
    return _secret(owner, owner.database_secret, "database", {
        "superuser-password": generate(),
        "owner-password": owner_password,
        "app-password": app_password,
        "owner-url": f"postgresql://{OWNER_ROLE}:{owner_password}@{base}",
        "database-url": f"postgresql://{APP_ROLE}:{app_password}@{base}",
    })


def console_key(owner: Owner, generate: Generator) -> dict[str, Any]:
    """The key that signs console sessions: one for all replicas, so a session survives a change of pod."""
    return _secret(owner, owner.console_secret, "console", {"secret-key": generate()})


def backup_password(owner: Owner, generate: Generator) -> dict[str, Any]:
    return _secret(owner, owner.backup_password_secret, "backup", {"password": generate()})


def generated_secrets(owner: Owner, spec: PlatformSpec, generate: Generator = new_password) -> list[dict[str, Any]]:
    """The Secrets this spec needs the operator to generate (created only where missing)."""
    wanted = [console_key(owner, generate)]
    if spec.database.managed is not None:
        wanted.append(database_credentials(owner, generate))
    if spec.backups.password_secret is None:
        wanted.append(backup_password(owner, generate))
    return wanted


def kept_after_deletion(owner: Owner, spec: PlatformSpec) -> list[str]:
    """Generated Secrets that must outlive the platform: the backup password always (the off-site repository is
    never deleted), the database credentials while the volume they unlock is kept."""
    kept = []
    if spec.backups.password_secret is None:
        kept.append(owner.backup_password_secret)
    managed = spec.database.managed
    if managed is not None and not managed.delete_volume_on_delete:
        kept.append(owner.database_secret)
    return kept
