"""``kholuutru backup run``: one restic snapshot holding the database dump, every document object and the manifest.

Order matters. The manifest's facts and the dump come from one exported database snapshot, so they agree exactly.
Objects are then staged while pg_dump is still writing (the staged objects stay for the next run, see ``staging``)
and checked against the database (re-hashed, or trusted as the fixity plan allows: an object of an S3 bucket is
downloaded again only when it is new, changed or due for re-hashing); any object missing or altered refuses the
whole backup with its key named (an earlier snapshot still holds the good copy). Then the manifest is written and
restic run once over the three, with the previous snapshot as parent: unchanged objects are not read again and only
new data is uploaded. The run — success or refusal — is recorded in the database.

Time goes where the work is. Every restic call first derives the repository key (about half a second of CPU), so
the calls that prepare the run (the previous snapshot, stale locks) are avoided where the repository's folder
answers, and run beside the dump otherwise; and the objects still to
re-hash are hashed while restic reads them, on the same cached pages and at the lowest priority, so they take the CPU
restic leaves idle rather than slow it down. A hash that disagrees stops restic before it
writes its snapshot (or forgets the snapshot, should restic have been quicker), so nothing altered is ever kept as a
good backup.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
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
from .errors import FixityFailure, ToolFailed
from .fixity import FixityPlan, FixityRecord, Stat
from .manifest import DUMP, MANIFEST, MANIFEST_TAG, OBJECTS, TAG, Manifest, ObjectEntry, read_database
from .progress import SILENT, Percent, Progress
from .repository import open_repository
from .restic_runner import RepositoryMissing, Restic, Stopper
from .staging import Staged, hash_staged, stage_objects
from .workspace import workspace

ACTOR = Actor.system("backup")
# A complete snapshot in a local repository's ``snapshots`` folder: its id (a file still being written is named
# "<id>-tmp-<n>" by restic 0.14, and one a killed restic left behind keeps that name).
SNAPSHOT_FILE = re.compile(r"[0-9a-f]{64}")


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
    objects_hashed: int
    full_fixity_pass: bool
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
        with workspace(settings, "backup", on_wait=on_wait, keep=(OBJECTS,)) as folder, ThreadPoolExecutor(1) as beside:
            previous = beside.submit(_previous_snapshot, restic, database)
            (folder / OBJECTS).mkdir(exist_ok=True)
            plan = FixityPlan.for_run(FixityRecord.load(folder.parent), settings.backup_full_fixity_days, started)

            def stage(objects: list[ObjectEntry]) -> Staged:
                with progress.step("Kiểm tra tài liệu / checking documents", len(objects)) as advance:
                    return stage_objects(storage, objects, folder / OBJECTS, plan, advance)

            manifest, conflicting, staged = _dump_database(database, folder / DUMP, stage, progress)
            if conflicting or staged.problems:
                raise FixityFailure(conflicting + staged.problems)
            _write_private(folder / MANIFEST, manifest.to_json())
            parent = previous.result()
            summary, hashed = _back_up_while_hashing(restic, folder, parent, staged, progress)
            plan.next_record(staged.verified | hashed, started).save(folder.parent)
            snapshot_id = restic.full_id(str(summary["snapshot_id"]))
    except Exception as error:
        _record_failure(database, repository.shown, started, time.monotonic() - clock, error)
        raise
    result = BackupResult(
        snapshot_id=snapshot_id,
        short_id=snapshot_id[:8],
        parent=parent,
        bytes=int(summary.get("data_added", 0)),
        bytes_processed=int(summary.get("total_bytes_processed", 0)),
        seconds=round(time.monotonic() - clock, 3),
        objects=len(manifest.objects),
        objects_hashed=staged.copied + len(staged.pending),
        full_fixity_pass=plan.full_pass,
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
        audit_head_seq=result.audit_head.get("seq"),
        details={"parent": parent, "database_bytes": result.database_bytes, "object_bytes": result.object_bytes,
                 "objects_hashed": result.objects_hashed, "full_fixity_pass": result.full_fixity_pass},
    )
    return result


def _previous_snapshot(restic: Restic, database: Database) -> str | None:
    """The parent of this snapshot, once stale locks are cleared; a missing repository is created (a first backup).

    The parent only tells restic which files it may skip (same name, size and mtime), so any earlier complete
    snapshot serves. The one this archive last recorded is taken when a local repository still holds it (its
    ``snapshots/<id>`` file, restic's documented layout, is written only once the snapshot is complete): that spares
    a ``restic snapshots`` — a key derivation and a read of every snapshot — on the way of every run, when no lock
    is there to clear. A local repository whose folder holds no snapshot at all (a first backup) has no parent
    either way. Otherwise restic is asked for the newest.

    Locks are looked at second: a restic killed with the run before this one may take a moment to die, and a lock
    whose process still lives is not stale.
    """
    folder = restic.repository.local_folder
    if folder is not None and folder.joinpath("config").is_file():
        held = {path.name for path in folder.joinpath("snapshots").glob("*") if SNAPSHOT_FILE.fullmatch(path.name)}
        recorded = None
        if held:
            with database.session(ACTOR) as session:
                recorded = records.last_snapshot(session, restic.repository.shown)
        locked = any(folder.joinpath("locks").glob("*"))
        if not locked and (recorded in held or not held):
            return recorded  # None for an initialised repository without any snapshot: a first backup
    try:
        earlier = restic.snapshots()
    except RepositoryMissing:
        restic.initialise()
        return None
    restic.clear_stale_locks()
    return earlier[-1].id if earlier else None


def _back_up_while_hashing(restic: Restic, folder: Path, parent: str | None, staged: Staged,
                           progress: Progress) -> tuple[dict[str, Any], dict[str, Stat]]:
    """restic's snapshot of the staged folder, made while the objects still to check are re-hashed beside it.

    Returns restic's summary and the stat of every object hashed and found good; raises ``FixityFailure`` naming
    each altered one, once restic is stopped or its snapshot forgotten.
    """
    stopper = Stopper()
    with progress.step("Sao lưu bằng restic / backing up with restic", 1000) as advance, \
            ThreadPoolExecutor(1) as beside:
        backing_up = beside.submit(restic.backup, folder, [MANIFEST, DUMP, OBJECTS], (TAG, MANIFEST_TAG), parent,
                                   Percent(advance), stopper)
        try:
            problems, hashed = hash_staged(staged.pending, lambda _count: None)
        except BaseException:
            stopper.stop()
            raise
        if problems:
            stopper.stop()
        try:
            summary = backing_up.result()
        except ToolFailed:
            if not problems:
                raise
            summary = {}
    if problems:
        if summary.get("snapshot_id"):
            restic.forget_snapshot(str(summary["snapshot_id"]))
        raise FixityFailure(problems)
    return summary, hashed


def _dump_database(database: Database, target: Path, stage: Callable[[list[ObjectEntry]], Staged],
                   progress: Progress) -> tuple[Manifest, list[dict[str, Any]], Staged]:
    """Read the manifest's facts and dump the database, both from one exported snapshot; stage the objects the
    manifest lists while pg_dump writes (the file system and the database server work side by side).

    The exporting transaction stays open until pg_dump is done: pg_dump adopts the snapshot only once it has
    started, and a snapshot whose transaction has ended can no longer be adopted.
    """
    engine = database.owner_engine()
    try:
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection, \
                connection.begin(), ThreadPoolExecutor(1) as beside:
            connection.execute(text("SET TRANSACTION READ ONLY"))
            apply_rls_context(connection, ACTOR)
            snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            major = postgres_tools.server_major(connection)
            dumping = beside.submit(postgres_tools.dump, database.owner_url, snapshot, target, major)
            with progress.step("Xuất cơ sở dữ liệu / dumping the database", 1) as advance:
                manifest, conflicting = read_database(connection)
                advance(1)
            staged = stage(manifest.objects)
            sha256, size, dump_major = dumping.result()
    finally:
        engine.dispose()
    manifest.database = {"file": DUMP, "format": "pg_dump custom", "sha256": sha256, "size": size,
                         "pg_dump_major": dump_major}
    return manifest, conflicting, staged


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
