"""``kholuutru drill run``: restore the latest backup into scratch and prove it is the archive as it was.

The scratch copy is a database in a throwaway PostgreSQL cluster (the embedded server's binaries, in the working
folder, started and stopped by the drill; made by initdb once per version of the binaries and kept empty between
drills) and a folder of documents. Checks: the dump read back matches the manifest and restores;
every object's SHA-256 (as restic finishes each one where the kernel tells, see ``early_hashing``; after the
restore otherwise); the row count of every table; the audit chain walked on the restored database, and its head
equal to the manifest's; the schema revision; and every signature the archive had recorded as intact (valid or
untrusted) is validated again on the restored bytes and must come out the same — a backup without signed documents
says "not applicable", never "passed". The drill, each check and the RTO are recorded; the copy is removed (the
restored database dropped, the restored documents deleted).
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Row, create_engine, make_url, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from kholuutru.archive import audit
from kholuutru.archive.access import Actor
from kholuutru.archive.database import DATABASE_NAME, OWNER_ROLE, Database, provision
from kholuutru.archive.embedded_postgres import EmbeddedDatabaseError, EmbeddedPostgres, scratch_cluster_name
from kholuutru.archive.errors import ArchiveError, NotFound
from kholuutru.archive.settings import Settings
from kholuutru.archive.storage import LocalStorage

from . import records
from .early_hashing import Digests, hashed_as_restored
from .errors import BackupFailed
from .manifest import DUMP, MANIFEST, OBJECTS, TAG, Manifest, ObjectEntry
from .processes import last_lines, lowest_priority
from .progress import SILENT, Progress
from .repository import open_repository
from .restic_runner import Restic
from .restoring import check_objects, restore_database
from .verify import Check, failed, passed
from .workspace import workspace

ACTOR = Actor.system("drill")
RESTORED = "restored"
# How restic 0.14's restore names the snapshot it restores: "restoring <Snapshot 1a2b3c4d of [...] ...> to ...".
RESTORING = re.compile(r"restoring <Snapshot ([0-9a-f]{8,64}) of ")
DATABASE_CHECKS = ("row_counts", "audit_chain", "audit_head", "schema_revision", "signatures")
INTACT = ("valid", "untrusted")
# The latest recorded verdict of every signature of every stored file, read on the restored database.
RECORDED_SIGNATURES = text("""
    SELECT DISTINCT ON (v.document_file_id, v.field_name) v.document_file_id, v.field_name, v.status, f.object_key
    FROM signature_validations v JOIN document_files f ON f.id = v.document_file_id
    WHERE v.field_name IS NOT NULL
    ORDER BY v.document_file_id, v.field_name, v.checked_at DESC, v.id DESC
""")


def run_drill(settings: Settings, database: Database, progress: Progress = SILENT,
              on_wait: Callable[[], None] | None = None) -> dict[str, Any]:
    """Restore the latest snapshot into scratch, check everything, record the drill; the result names each check."""
    repository = open_repository(settings)
    restic = Restic(repository)
    started, clock = dt.datetime.now(dt.UTC), time.monotonic()
    snapshot_id: str | None = None
    checks: list[Check] = []
    restored_bytes = 0
    try:
        with workspace(settings, "drill", mode=0o711, on_wait=on_wait, keep=(scratch_cluster_name(),),
                       clear_leftover=lambda path: _stop_leftover(path, settings.embedded_db_user)) as folder:
            server = EmbeddedPostgres.cached_scratch(folder, settings.embedded_db_user)
            try:
                # restic restores while the scratch server starts and gets an empty database: neither needs the
                # other until pg_restore. The signature validator loads meanwhile, when the archive has signatures.
                # Objects restic has finished are hashed meanwhile, on CPU restic leaves idle (``early_hashing``).
                with ThreadPoolExecutor(2) as beside, hashed_as_restored(folder / RESTORED / OBJECTS) as taken:
                    fetched = beside.submit(_fetch_latest, restic, folder / RESTORED)
                    if _holds_signatures(database):
                        beside.submit(_load_signature_validator)
                    with progress.step("Khôi phục bản sao lưu, khởi động PostgreSQL tạm / restoring the snapshot, "
                                       "starting a scratch PostgreSQL", 1) as advance:
                        try:
                            urls = _empty_scratch_database(server)
                        finally:
                            wait([fetched])
                        advance(1)
                snapshot_id, restored = fetched.result()
                manifest, restore_failure = _read_restored(snapshot_id, restored, folder / RESTORED)
                restored_bytes = int(manifest.database["size"]) + manifest.object_bytes
                checks = [restore_failure] if restore_failure else []
                checks += _check_restored(settings, server, urls, manifest, folder / RESTORED, taken, progress)
            finally:
                _clear_scratch(server)
    except ArchiveError as error:
        checks.append(failed("drill", error.message_en))
    rto = round(time.monotonic() - clock, 3)
    verdict = "failed" if any(check.failed for check in checks) else "passed"
    message = "; ".join(f"{check.check}: {check.detail}" for check in checks if check.failed)[:4000] or None
    records.record_drill(database, ACTOR, started_at=started, finished_at=dt.datetime.now(dt.UTC), verdict=verdict,
                         repository=repository.shown, snapshot_id=snapshot_id,
                         checks=[check.as_dict() for check in checks], bytes_restored=restored_bytes,
                         rto_seconds=rto, message=message)
    return {"ok": verdict == "passed", "verdict": verdict, "snapshot_id": snapshot_id, "rto_seconds": rto,
            "bytes_restored": restored_bytes, "repository": repository.shown,
            "checks": [check.as_dict() for check in checks]}


@dataclass(frozen=True)
class _ScratchUrls:
    """The scratch database as its owner (the application's view, for the audit chain) and as the superuser."""

    owner: str
    superuser: str


def _empty_scratch_database(server: EmbeddedPostgres) -> _ScratchUrls:
    """Start the cached scratch cluster (made by initdb the first time, or again when it no longer starts) and give
    it an empty archive database and the platform's roles.

    A database left by a drill that was killed is dropped first, so every drill restores into a new, empty one. The
    server is told it holds nothing worth an fsync: the drill checks what is restored, not the scratch disk's
    durability, so pg_restore's commit and the shutdown checkpoint no longer wait on the disk.
    """
    try:
        server.start()
    except EmbeddedDatabaseError:
        shutil.rmtree(server.root, ignore_errors=True)  # damaged (a drill killed mid-initdb): made anew
        server.start()
    engine = create_engine(server.url(), poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE_NAME}" WITH (FORCE)'))
            if connection.execute(text("SHOW fsync")).scalar() != "off":  # a new cluster; a kept one remembers
                for setting in ("fsync", "synchronous_commit", "full_page_writes"):
                    connection.execute(text(f"ALTER SYSTEM SET {setting} = off"))
                connection.execute(text("SELECT pg_reload_conf()"))
    finally:
        engine.dispose()
    owner_url, _app_url = provision(server.url(), DATABASE_NAME)
    superuser_url = make_url(server.url()).set(database=DATABASE_NAME).render_as_string(hide_password=False)
    return _ScratchUrls(owner_url, superuser_url)


def _clear_scratch(server: EmbeddedPostgres) -> None:
    """Drop the restored database and stop the scratch server, keeping the empty cluster for the next drill.

    Should the database not drop, the whole cluster goes (stopped without a checkpoint first): no restored data
    stays behind either way.
    """
    if not server.started_here:
        return
    engine = create_engine(server.url(), poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE_NAME}" WITH (FORCE)'))
    except SQLAlchemyError:
        server.stop("immediate")
        shutil.rmtree(server.root, ignore_errors=True)
        return
    finally:
        engine.dispose()
    server.stop()


def _holds_signatures(database: Database) -> bool:
    """Whether the live archive has recorded signature verdicts: then the backup most likely holds some too."""
    with database.session(ACTOR) as session:
        return bool(session.execute(text(
            "SELECT EXISTS (SELECT 1 FROM signature_validations WHERE field_name IS NOT NULL)")).scalar())


def _load_signature_validator() -> None:
    """Import the signature validator (pyHanko: about half a second of CPU) while restic restores, instead of after,
    on the CPU restic leaves idle (this thread of the drill's own pool is lowered, and ends with the pool).

    Only a warm-up: the signature check imports it itself, and a backup without signed documents never calls it.
    """
    lowest_priority()
    import kholuutru.archive.signature_validation  # noqa: F401


def _fetch_latest(restic: Restic, target: Path) -> tuple[str, subprocess.CompletedProcess]:
    """The newest snapshot restored whole into ``target`` in one restic call (one key derivation, one pass over the
    packs; restic finds the newest itself): its id and restic's result. Stale locks are cleared first."""
    restic.clear_stale_locks()
    restored = restic.restore("latest", target, tags=(TAG,))
    found = RESTORING.search(restored.stdout)
    if found is None:
        raise NotFound(
            f"Không có bản sao lưu nào trong kho {restic.repository.shown} để khôi phục: "
            + last_lines(restored.stderr, 3),
            f"No backup snapshot to restore in {restic.repository.shown}: " + last_lines(restored.stderr, 3),
            field="snapshot",
        )
    return restic.full_id(found.group(1)), restored


def _read_restored(snapshot_id: str, restored: subprocess.CompletedProcess, target: Path) -> tuple[Manifest,
                                                                                                  Check | None]:
    """The restored snapshot's manifest, and a failed check when restic reported errors (what it could not restore
    then fails its own check)."""
    try:
        manifest = Manifest.from_json((target / MANIFEST).read_bytes())
    except (OSError, ValueError, TypeError, KeyError) as error:
        raise BackupFailed(
            f"Không đọc được bản kê (manifest) của bản sao lưu {snapshot_id[:8]}: {error}",
            f"The manifest of snapshot {snapshot_id[:8]} cannot be read: {error}",
            field="snapshot",
        ) from error
    if restored.returncode != 0:
        return manifest, failed("restore_objects", "restic restore: " + restored.stderr.strip()[-2000:])
    return manifest, None


def _check_restored(settings: Settings, server: EmbeddedPostgres, urls: _ScratchUrls, manifest: Manifest,
                    restored: Path, taken: Digests, progress: Progress) -> list[Check]:
    """Every object re-hashed (but those whose digest ``taken`` while restic restored already matches) while the
    database is restored and checked beside it; the restored database is dropped and the scratch server stopped
    before this returns.

    The two halves share nothing but the list of signed objects, so they overlap: the objects are hashed on the
    hashing threads (CPU) while pg_restore, the database checks and the server's shutdown and removal (mostly
    waiting on PostgreSQL and the file system) run on this one. Each object's scratch copy is deleted as soon as it
    is hashed, except the signed ones the signature check reads: removing two gigabytes at the end took seconds of
    its own. Which objects are signed is known only once the database is back, so copies hashed before then wait
    in :class:`_DropCopies` until it is.
    """
    storage = LocalStorage(restored / OBJECTS)
    drops = _DropCopies(restored / OBJECTS)
    with ThreadPoolExecutor(1) as beside, \
            progress.step("Kiểm tra tài liệu, khôi phục cơ sở dữ liệu / verifying documents, restoring the database",
                          len(manifest.objects)) as advance:
        hashing = beside.submit(check_objects, storage, manifest, advance, drops, taken)
        try:
            checks = _database_side(settings, server, urls, manifest, storage, drops)
        finally:
            drops.release(None)  # a failure above leaves every copy to the workspace's clean-up
            objects = hashing.result()
    return [checks[0], objects, *checks[1:]]


def _database_side(settings: Settings, server: EmbeddedPostgres, urls: _ScratchUrls, manifest: Manifest,
                   storage: LocalStorage, drops: _DropCopies) -> list[Check]:
    """pg_restore, the checks on the restored database and of the signatures, then the restored database dropped
    and the scratch server stopped; the database check first."""
    try:
        restored_database = restore_database(lambda: open(storage.root.parent / DUMP, "rb"), manifest,
                                             urls.superuser, ["--no-owner", f"--role={OWNER_ROLE}"])
        recorded = [] if restored_database.failed else _recorded_signatures(urls.superuser)
        drops.release(None if isinstance(recorded, Check) else {row.object_key for row in recorded})
        if restored_database.failed:
            return [restored_database] + [Check(name, "not_run", "the database could not be restored")
                                          for name in DATABASE_CHECKS]
        checks = [restored_database, *_database_checks(urls.owner, urls.superuser, manifest)]
        return checks + [recorded if isinstance(recorded, Check) else _signature_check(recorded, storage, settings)]
    finally:
        _clear_scratch(server)


class _DropCopies:
    """Deletes each hashed object's scratch copy, except those to keep — which are known only later: until then,
    the hashed ones wait."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._lock = threading.Lock()
        self._waiting: list[str] | None = []
        self._keep: set[str] | None = None

    def __call__(self, entry: ObjectEntry) -> None:
        with self._lock:
            if self._waiting is not None:
                self._waiting.append(entry.key)
                return
        self._drop([entry.key])

    def release(self, keep: set[str] | None) -> None:
        """Objects of ``keep`` stay, the rest go from now on; ``None`` keeps all (the signed ones are unknown).
        Only the first call counts."""
        with self._lock:
            if self._waiting is None:
                return
            waiting, self._waiting, self._keep = self._waiting, None, keep
        self._drop(waiting)

    def _drop(self, keys: list[str]) -> None:
        if self._keep is None:
            return
        for key in keys:
            if key not in self._keep:
                (self.folder / key).unlink(missing_ok=True)
                self._remove_empty_parents(self.folder / key)

    def _remove_empty_parents(self, path: Path) -> None:
        """The object's folders, once empty, go too: removing a thousand of them at the end took seconds."""
        for parent in path.relative_to(self.folder).parents[:-1]:
            try:
                (self.folder / parent).rmdir()
            except OSError:
                return  # not empty yet (another object's folder), or already gone


def _database_checks(owner_url: str, superuser_url: str, manifest: Manifest) -> list[Check]:
    """Row counts (as the superuser, so nothing is hidden), the audit chain and head, the schema revision."""
    engine = create_engine(superuser_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            actual = {name: connection.execute(text(f'SELECT count(*) FROM public."{name}"')).scalar_one()
                      for name in manifest.row_counts
                      if connection.execute(text("SELECT to_regclass(:t)"), {"t": f'public."{name}"'}).scalar()}
            revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError as error:
        return [failed(name, f"the restored database cannot be read: {error}") for name in DATABASE_CHECKS]
    finally:
        engine.dispose()
    differing = [{"table": name, "expected": count, "actual": actual.get(name)}
                 for name, count in manifest.row_counts.items() if actual.get(name) != count]
    checks = [
        failed("row_counts", "row counts differ: " + ", ".join(
            f"{d['table']} {d['actual']} ≠ {d['expected']}" for d in differing), differing) if differing
        else passed("row_counts", f"{len(actual)} tables, {sum(actual.values())} rows as in the manifest"),
    ]
    restored = Database(app_url=owner_url, owner_url=owner_url)
    try:
        with restored.session(ACTOR) as session:
            chain = audit.verify(session)
    finally:
        restored.close()
    checks.append(passed("audit_chain", f"{chain.events_checked} events, every hash and link intact") if chain.ok
                  else failed("audit_chain", f"broken at event {chain.first_bad_seq}: {chain.problem}"))
    head = {"seq": chain.head_seq, "hash": chain.head_hash}
    checks.append(passed("audit_head", f"head {head['seq']} {head['hash']} equals the manifest's")
                  if head == manifest.audit_head else
                  failed("audit_head", f"head {head['seq']} {head['hash']} ≠ manifest's "
                                       f"{manifest.audit_head.get('seq')} {manifest.audit_head.get('hash')}"))
    checks.append(passed("schema_revision", f"revision {revision}") if revision == manifest.schema_revision
                  else failed("schema_revision", f"revision {revision} ≠ manifest's {manifest.schema_revision}"))
    return checks


def _recorded_signatures(superuser_url: str) -> list[Row] | Check:
    """The latest verdict of every signature recorded as intact, read on the restored database (or the failed check
    when it cannot be read)."""
    engine = create_engine(superuser_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return [row for row in connection.execute(RECORDED_SIGNATURES) if row.status in INTACT]
    except SQLAlchemyError as error:
        return failed("signatures", f"the restored signature records cannot be read: {error}")
    finally:
        engine.dispose()


def _signature_check(recorded: list[Row], storage: LocalStorage, settings: Settings) -> Check:
    """Signatures recorded as intact must validate the same on the restored bytes (years later, after a restore)."""
    if not recorded:
        return Check("signatures", "not_applicable", "the backup holds no signed document to validate")
    # Imported here: the validator pulls in pyHanko, which only a backup holding signatures needs to load.
    from kholuutru.archive.signature_validation import validate_pdf

    by_file: dict[str, dict[str, str]] = {}
    for row in recorded:
        by_file.setdefault(row.object_key, {})[row.field_name] = row.status
    differing = []
    for key, expected in by_file.items():
        with storage.open(key) as stream:
            now = {check.field_name: check.status for check in validate_pdf(stream.read(), settings)}
        differing += [{"object": key, "signature": name, "expected": status, "actual": now.get(name)}
                      for name, status in expected.items() if now.get(name) != status]
    if differing:
        return failed("signatures", "signatures changed after restore: " + ", ".join(
            f"{d['signature']} in {d['object']} {d['actual']} ≠ {d['expected']}" for d in differing), differing)
    return passed("signatures", f"{len(recorded)} signatures in {len(by_file)} files validate as recorded")


def _stop_leftover(folder: Path, system_user: str) -> None:
    """Stop the scratch server of a drill that was killed before it could clean up (the restored database it may
    still hold is dropped when the next drill starts it)."""
    leftover = EmbeddedPostgres.cached_scratch(folder, system_user)
    if (leftover.pgdata / "postmaster.pid").exists():
        leftover.started_here = True
        leftover.stop()
