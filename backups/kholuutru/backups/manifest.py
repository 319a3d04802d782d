"""The manifest every backup snapshot carries: what the archive held at the instant of the database dump.

It is read in the very transaction whose snapshot ``pg_dump`` exports and dumps (``pg_export_snapshot``), so the row
counts, the audit-chain head and the list of document objects describe exactly the rows in the dump. Restores and
drills check against it; so can anyone with plain ``restic`` and ``sha256sum`` (it is ordinary JSON).

A snapshot is laid out as ``/manifest.json``, ``/database.dump`` (pg_dump custom format) and
``/objects/<object key>`` (the document storage's own keys, e.g. ``objects/sha256/ab/cd/<sha256>``).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from importlib.metadata import version
from typing import Any

from sqlalchemy import Connection, text

MANIFEST = "manifest.json"
DUMP = "database.dump"
OBJECTS = "objects"
TAG = "kholuutru"
MANIFEST_TAG = "manifest-v1"
FORMAT = "kholuutru-backup-manifest"


@dataclass(frozen=True)
class ObjectEntry:
    """One stored document object: its key, SHA-256 and size as ``document_files`` records them."""

    key: str
    sha256: str
    size: int

    @property
    def path(self) -> str:
        """Where the object is in the snapshot."""
        return f"{OBJECTS}/{self.key}"


@dataclass
class Manifest:
    """What one backup holds, and the facts a restore must reproduce."""

    created_at: str
    platform_version: str
    schema_revision: str | None
    server_version: str
    row_counts: dict[str, int]
    audit_head: dict[str, Any]
    objects: list[ObjectEntry]
    database: dict[str, Any] = field(default_factory=dict)
    format: str = FORMAT
    version: int = 1

    @property
    def object_bytes(self) -> int:
        return sum(entry.size for entry in self.objects)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=1, sort_keys=True)

    @classmethod
    def from_json(cls, data: str | bytes) -> Manifest:
        raw = json.loads(data)
        if raw.get("format") != FORMAT or raw.get("version") != 1:
            raise ValueError(f"not a {FORMAT} version 1: {raw.get('format')!r} {raw.get('version')!r}")
        raw["objects"] = [ObjectEntry(**entry) for entry in raw["objects"]]
        return cls(**raw)


def read_database(connection: Connection) -> tuple[Manifest, list[dict[str, Any]]]:
    """The manifest's database facts, read on ``connection`` (inside the exported snapshot's transaction).

    Also returns the rows of ``document_files`` whose key is recorded with more than one SHA-256 or size — impossible
    for content addresses unless the database itself was tampered with; the backup refuses those like altered objects.
    """
    tables = connection.execute(
        text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    ).scalars().all()
    counts = {name: connection.execute(text(f'SELECT count(*) FROM public."{name}"')).scalar_one() for name in tables}
    head = connection.execute(text("SELECT seq, hash FROM audit_head WHERE id = 1")).one_or_none()
    revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    server = connection.execute(text("SHOW server_version")).scalar_one()
    rows = connection.execute(text(
        "SELECT object_key, sha256, size, count(*) OVER (PARTITION BY object_key) AS variants FROM ("
        " SELECT DISTINCT object_key, sha256, size FROM document_files) AS distinct_files ORDER BY object_key"
    )).all()
    objects = [ObjectEntry(row.object_key, row.sha256, row.size) for row in rows if row.variants == 1]
    conflicting = [{"key": row.object_key, "problem": "recorded with different SHA-256 or size in document_files"}
                   for row in rows if row.variants > 1]
    manifest = Manifest(
        created_at=dt.datetime.now(dt.UTC).isoformat(),
        platform_version=version("kholuutru"),
        schema_revision=revision,
        server_version=server,
        row_counts=counts,
        audit_head={"seq": head.seq, "hash": head.hash} if head else {"seq": 0, "hash": None},
        objects=objects,
    )
    return manifest, conflicting
