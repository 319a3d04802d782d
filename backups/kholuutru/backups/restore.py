"""``kholuutru restore``: a snapshot into a new database and a new document storage, every byte checked.

The live database and storage are refused, unless ``--force`` is given *and* the platform is suspended (nobody is
writing, DOMAIN.md § suspension); a forced restore replaces what is there and leaves the platform suspended, since
the restored platform state is the backup's. A new target must be empty. The database is restored with no owner and
no grants (whoever connects owns it); ``kholuutru db upgrade`` against it then grants the application role its
rights, exactly as for a new installation. Each object is re-hashed against the manifest before it is stored.
The database is restored while restic restores the documents, and the documents are stored several at once: a
restore after a disaster is the recovery time the province waits for.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from kholuutru.archive import suspension
from kholuutru.archive.access import Actor
from kholuutru.archive.database import DATABASE_NAME, Database
from kholuutru.archive.embedded_postgres import EmbeddedPostgres
from kholuutru.archive.errors import InvalidInput
from kholuutru.archive.settings import Settings
from kholuutru.archive.storage import ObjectConflict, Storage, open_storage
from kholuutru.archive.storage.base import sha256_of

from .errors import BackupFailed
from .manifest import DUMP, OBJECTS, Manifest, ObjectEntry
from .postgres_tools import sqlalchemy_url
from .processes import COPIES
from .progress import SILENT, Progress
from .repository import open_repository
from .restic_runner import Restic
from .restoring import read_manifest, restore_database
from .verify import Check, failed, passed
from .workspace import workspace

ACTOR = Actor.system("restore")


def restore_snapshot(settings: Settings, snapshot: str, database_url: str, storage_url: str, *, force: bool = False,
                     progress: Progress = SILENT, on_wait: Callable[[], None] | None = None) -> dict[str, Any]:
    """Restore ``snapshot`` (an id or ``latest``) into the database and storage given; report each check."""
    live_database, live_storage = is_live_database(database_url, settings), is_live_storage(storage_url, settings)
    if live_database or live_storage:
        _allow_live(settings, force, "database_url" if live_database else "storage_url")
    target_settings = settings.model_copy(update={"storage_url": storage_url})
    storage = open_storage(target_settings)
    if not live_database:
        _refuse_non_empty_database(database_url)
    if not live_storage and next(iter(storage.iter_keys("")), None) is not None:
        raise InvalidInput(f"Kho tài liệu đích {storage_url} không rỗng.",
                           f"The target storage {storage_url} is not empty; restore into a new one.",
                           field="storage_url")
    restic = Restic(open_repository(settings))
    with workspace(settings, "restore", on_wait=on_wait) as folder, ThreadPoolExecutor(1) as beside:
        restic.clear_stale_locks()
        snapshot_id = restic.resolve(snapshot).id
        manifest = read_manifest(restic, snapshot_id)
        options = ["--no-owner", "--no-privileges", *(["--clean", "--if-exists"] if live_database else [])]
        # The dump streams from the snapshot into pg_restore while restic restores the documents: the two read
        # different files of the snapshot (restic's locks for reading are shared) and wait on different servers.
        restoring_database = beside.submit(restore_database, lambda: restic.dump(snapshot_id, DUMP), manifest,
                                           database_url, options)
        with progress.step("Khôi phục cơ sở dữ liệu và tài liệu / restoring the database and documents",
                           1) as advance:
            result = restic.restore(snapshot_id, folder, OBJECTS)
            checks = [restoring_database.result()]
            advance(1)
        if result.returncode != 0:
            checks.append(failed("restore_objects", "restic restore: " + result.stderr.strip()[-2000:]))
        with progress.step("Lưu và kiểm tra tài liệu / storing and verifying documents",
                           len(manifest.objects)) as advance:
            checks.append(_store_objects(manifest, folder / OBJECTS, storage, live_storage, advance))
    if live_database and not checks[0].failed:
        _suspend_restored(database_url, snapshot_id)
    ok = not any(check.failed for check in checks)
    return {"ok": ok, "snapshot_id": snapshot_id, "objects": len(manifest.objects),
            "bytes": int(manifest.database["size"]) + manifest.object_bytes,
            "audit_head": manifest.audit_head, "schema_revision": manifest.schema_revision,
            "checks": [check.as_dict() for check in checks],
            "next_step": "KHOLUUTRU_DATABASE_OWNER_URL=<this database, as its owner> KHOLUUTRU_DATABASE_URL=<the "
                         "application role> kholuutru db upgrade — grants the application role its rights"}


def _store_objects(manifest: Manifest, restored: Path, storage: Storage, replace: bool,
                   advance: Callable[[int], None]) -> Check:
    """Put each restored object into the target storage once its SHA-256 and size match the manifest, several at
    once (each mostly waits on the disk or the bucket, and a province's archive is millions of objects)."""

    def store(entry: ObjectEntry) -> str | None:
        """The object checked and stored; or what is wrong with it."""
        path = restored / entry.key
        try:
            with open(path, "rb") as stream:
                actual = sha256_of(stream)
        except FileNotFoundError:
            return "missing"
        if actual != (entry.sha256, entry.size):
            return "altered"
        try:
            storage.put(entry.key, path)
        except ObjectConflict:
            if not replace:
                raise
            storage.delete(entry.key)
            storage.put(entry.key, path)
        return None

    problems = []
    with ThreadPoolExecutor(COPIES) as pool:
        for entry, problem in zip(manifest.objects, pool.map(store, manifest.objects), strict=True):
            if problem:
                problems.append({"key": entry.key, "problem": problem})
            advance(1)
    if problems:
        return failed("objects", f"{len(problems)} objects not restored (missing or altered in the backup): "
                      + ", ".join(problem["key"] for problem in problems[:20]), problems)
    return passed("objects", f"{len(manifest.objects)} objects stored, every SHA-256 matches the manifest")


def _allow_live(settings: Settings, force: bool, field: str) -> None:
    """A restore over the live platform needs ``--force`` and a suspended platform."""
    if not force:
        raise InvalidInput(
            "Không khôi phục đè lên cơ sở dữ liệu hoặc kho tài liệu đang dùng; hãy khôi phục vào nơi mới, hoặc tạm "
            "dừng hệ thống và dùng --force.",
            "Refusing to restore over the live database or document storage: restore into new ones, or suspend the "
            "platform and give --force.",
            field=field,
        )
    live = Database.open(settings)
    try:
        with live.session(ACTOR) as session:
            suspended = suspension.current_state(session).suspended
    finally:
        live.close()
    if not suspended:
        raise BackupFailed(
            "Phải tạm dừng hệ thống (kholuutru suspend) trước khi khôi phục đè lên dữ liệu đang dùng.",
            "Suspend the platform (kholuutru suspend) before restoring over the live data.",
            field="force",
        )


def _suspend_restored(database_url: str, snapshot_id: str) -> None:
    """The restored platform state is the backup's: suspend again, so nobody writes before the operators resume."""
    url = sqlalchemy_url(database_url)
    restored = Database(app_url=url, owner_url=url)
    try:
        with restored.session(ACTOR) as session:
            suspension.suspend(session, ACTOR, f"restored from backup snapshot {snapshot_id[:8]}; check, then resume")
    finally:
        restored.close()


def _refuse_non_empty_database(url: str) -> None:
    engine = create_engine(sqlalchemy_url(url), poolclass=NullPool)
    try:
        with engine.connect() as connection:
            tables = connection.execute(text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")).scalar()
    except SQLAlchemyError as error:
        raise InvalidInput(f"Không kết nối được cơ sở dữ liệu đích: {error.orig or error}",
                           f"Cannot connect to the target database: {error.orig or error}",
                           field="database_url") from error
    finally:
        engine.dispose()
    if tables:
        raise InvalidInput("Cơ sở dữ liệu đích đã có bảng; hãy khôi phục vào một cơ sở dữ liệu mới.",
                           "The target database already has tables; restore into a new, empty database.",
                           field="database_url")


def _server_identity(url: str) -> tuple[str, int, str]:
    parsed = make_url(url)
    host = parsed.query.get("host") or parsed.host or "/var/run/postgresql"
    host = host if isinstance(host, str) else host[0]
    if host.startswith("/"):
        host = str(Path(host).resolve())
    elif host in ("localhost", "127.0.0.1", "::1"):
        host = "loopback"
    return host, parsed.port or 5432, parsed.database or ""


def is_live_database(url: str, settings: Settings) -> bool:
    """Whether ``url`` names the database the platform runs on (same server and database name)."""
    if settings.database_url is not None:
        live = [settings.database_url.get_secret_value()]
        if settings.database_owner_url is not None:
            live.append(settings.database_owner_url.get_secret_value())
    else:
        server = EmbeddedPostgres.for_data_dir(settings.data_dir, settings.embedded_db_user)
        live = [server.url(database=DATABASE_NAME)]
    return _server_identity(url) in {_server_identity(other) for other in live}


def is_live_storage(url: str, settings: Settings) -> bool:
    """Whether ``url`` names the document storage the platform runs on (same folder, or same endpoint and bucket)."""
    return _storage_identity(url) == _storage_identity(settings.documents_url)


def _storage_identity(url: str) -> tuple[str, ...]:
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return ("file", str(Path(unquote(parsed.path)).resolve()))
    endpoint = parse_qs(parsed.query).get("endpoint_url", [""])[-1]
    return (parsed.scheme, urlparse(endpoint).netloc, parsed.hostname or "")
