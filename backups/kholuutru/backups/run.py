"""``kholuutru backup run``: one restic snapshot holding the database dump, every document object and the manifest.

Order matters. The manifest's facts and the dump come from one exported database snapshot, so they agree exactly.
Objects are then staged and re-hashed against the database; any object missing or altered refuses the whole backup
with its key named (an earlier snapshot still holds the good copy). Only then is the manifest written and restic run
once over the three, with the previous snapshot as parent: unchanged objects are not read again and only new data is
uploaded. The run — success or refusal — is recorded in the database.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from kholuutru.archive.access import Actor, apply_rls_context
from kholuutru.archive.database import Database
from kholuutru.archive.settings import Settings
from kholuutru.archive.storage import Storage

from . import postgres_tools, records
from .errors import FixityFailure
from .manifest import DUMP, MANIFEST, MANIFEST_TAG, OBJECTS, TAG, Manifest, read_database
from .progress import SILENT, Percent, Progress
from .repository import open_repository
from .restic_runner import RepositoryMissing, Restic
from .staging import stage_objects
from .workspace import workspace

ACTOR = Actor.system("backup")


@dataclass
class BackupResult:
    """What a successful run reports (CLI JSON) and records."""

    snapshot_id: str
    short_id: str
    parent: str | None
    bytes: int
    bytes_processed: int
    seconds: float
    objects: int
    object_bytes: int
    database_bytes: int
    audit_head: dict[str, Any]
    schema_revision: str | None
    repository: str

    def as_dict(self) -> dict[str, Any]:
        return {"ok": True, **asdict(self)}


def run_backup(settings: Settings, database: Database, storage: Storage, progress: Progress = SILENT,
               on_wait: Callable[[], None] | None = None) -> BackupResult:
    """Make one backup and record it; a refusal or failure is recorded too, then raised."""
    repository = open_repository(settings)
    restic = Restic(repository)
    started, clock = dt.datetime.now(dt.UTC), time.monotonic()
    try:
        with workspace(settings, "backup", on_wait=on_wait) as folder:
            with progress.step("Mở kho sao lưu / opening the repository", 1) as advance:
                try:
                    earlier = restic.snapshots()
                except RepositoryMissing:
                    restic.initialise()
                    earlier = []
                restic.clear_stale_locks()
                parent = earlier[-1].id if earlier else None
                advance(1)
            with progress.step("Xuất cơ sở dữ liệu / dumping the database", 1) as advance:
                manifest, conflicting = _dump_database(database, folder / DUMP)
                advance(1)
            (folder / OBJECTS).mkdir()
            with progress.step("Kiểm tra tài liệu / verifying documents", len(manifest.objects)) as advance:
                problems = conflicting + stage_objects(storage, manifest.objects, folder / OBJECTS, advance)
            if problems:
                raise FixityFailure(problems)
            _write_private(folder / MANIFEST, manifest.to_json())
            with progress.step("Sao lưu bằng restic / backing up with restic", 1000) as advance:
                summary = restic.backup(folder, [MANIFEST, DUMP, OBJECTS], (TAG, MANIFEST_TAG), parent,
                                        Percent(advance))
            snapshot = restic.resolve(summary["snapshot_id"])
    except Exception as error:
        _record_failure(database, repository.shown, started, time.monotonic() - clock, error)
        raise
    result = BackupResult(
        snapshot_id=snapshot.id,
        short_id=snapshot.short_id,
        parent=parent,
        bytes=int(summary.get("data_added", 0)),
        bytes_processed=int(summary.get("total_bytes_processed", 0)),
        seconds=round(time.monotonic() - clock, 3),
        objects=len(manifest.objects),
        object_bytes=manifest.object_bytes,
        database_bytes=int(manifest.database["size"]),
        audit_head=manifest.audit_head,
        schema_revision=manifest.schema_revision,
        repository=repository.shown,
    )
    records.record_backup(
        database, ACTOR, started_at=started, finished_at=dt.datetime.now(dt.UTC), verdict="succeeded",
        repository=result.repository, snapshot_id=result.snapshot_id, bytes_added=result.bytes,
        bytes_processed=result.bytes_processed, objects=result.objects, seconds=result.seconds,
        audit_head_seq=result.audit_head.get("seq"), details={"parent": parent, "database_bytes": result.database_bytes,
                                                                "object_bytes": result.object_bytes},
    )
    return result


def _dump_database(database: Database, target: Path) -> tuple[Manifest, list[dict[str, Any]]]:
    """Read the manifest's facts and dump the database, both from one exported snapshot."""
    engine = database.owner_engine()
    try:
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection, \
                connection.begin():
            connection.execute(text("SET TRANSACTION READ ONLY"))
            apply_rls_context(connection, ACTOR)
            snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            manifest, conflicting = read_database(connection)
            major = postgres_tools.server_major(connection)
            sha256, size, dump_major = postgres_tools.dump(database.owner_url, snapshot, target, major)
    finally:
        engine.dispose()
    manifest.database = {"file": DUMP, "format": "pg_dump custom", "sha256": sha256, "size": size,
                         "pg_dump_major": dump_major}
    return manifest, conflicting


def _write_private(path: Path, content: str) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(content)


def _record_failure(database: Database, repository: str, started: dt.datetime, seconds: float,
                    error: Exception) -> None:
    """Record a failed run. If the database itself is what failed, the original error is what matters: it is
    raised by the caller, and the missing record shows up as a stale backup."""
    message = getattr(error, "message_en", None) or str(error) or type(error).__name__
    details = {"problems": error.problems[:100]} if isinstance(error, FixityFailure) else {}
    try:
        records.record_backup(database, ACTOR, started_at=started, finished_at=dt.datetime.now(dt.UTC),
                              verdict="failed", repository=repository, seconds=round(seconds, 3),
                              message=message[:4000], details=details)
    except SQLAlchemyError:
        pass
