"""Backups and drills run by a long-lived process — the console's drill button, ``kholuutru up``'s schedule.

They run ``run_backup`` and ``run_drill``, the code path of ``kholuutru backup run`` and ``kholuutru drill run``, and
add two things a command line does not need:

* one run of a kind at a time across every console sharing the database: a PostgreSQL advisory lock (session-level,
  on a connection the run keeps until it ends) — the working folder's ``flock`` only covers one machine. A run that
  finds the lock taken does not wait: someone else is doing the same work;
* a ``BackupOperation`` row from the start, updated with each step and its progress, so any console can show it.

Neither is blocked by a suspension (invariant 4: backups and drills keep running while the platform is suspended).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, select, text, update
from sqlalchemy.orm import Session

from kholuutru.archive import audit
from kholuutru.archive.access import Actor
from kholuutru.archive.backup_models import BackupOperation
from kholuutru.archive.database import Database
from kholuutru.archive.errors import ArchiveError, Conflict
from kholuutru.archive.settings import Settings
from kholuutru.archive.storage import Storage

from .drill import run_drill
from .errors import FixityFailure
from .run import run_backup

log = logging.getLogger(__name__)

RUNNER = Actor.system("backup-operations")
LOCK_CLASS = 0x6B6C7462
"""First key of the advisory locks ("klbb"); the second is the kind's number in ``LOCK_KEYS``."""
LOCK_KEYS = {"backup": 1, "drill": 2}
WAITING = "Đang chờ một thao tác sao lưu khác kết thúc / waiting for another backup operation"
UPDATE_EVERY = 1.0
"""Seconds between two progress writes within one step: enough for a page polling every few seconds."""


class AlreadyRunning(Conflict):
    """A run of the same kind holds the lock, in this process or another console."""

    def __init__(self, kind: str) -> None:
        vi = {"backup": "Một lượt sao lưu", "drill": "Một cuộc diễn tập phục hồi"}[kind]
        super().__init__(f"{vi} đang chạy; hãy chờ kết thúc.", f"A {kind} is already running; wait for it to end.")


def start_in_background(settings: Settings, database: Database, storage: Storage, kind: str, actor: Actor,
                        on_end: Callable[[], None] | None = None) -> int:
    """Take the lock, record the operation and run it in a thread of its own; return the operation's id at once.

    Raises ``AlreadyRunning`` when the lock is taken. ``on_end`` is called in the thread when the run has ended.
    """
    connection = _lock(database, kind)
    if connection is None:
        raise AlreadyRunning(kind)
    try:
        operation_id = _begin(database, kind, actor)
    except BaseException:
        _unlock(connection, kind)
        raise

    def work() -> None:
        try:
            _execute(settings, database, storage, kind, operation_id, connection)
        finally:
            if on_end is not None:
                on_end()

    threading.Thread(target=work, name=f"kholuutru-{kind}-{operation_id}", daemon=True).start()
    return operation_id


def run_now(settings: Settings, database: Database, storage: Storage, kind: str, actor: Actor) -> int | None:
    """Run in this thread (the schedule); ``None`` when another run of ``kind`` holds the lock."""
    connection = _lock(database, kind)
    if connection is None:
        return None
    try:
        operation_id = _begin(database, kind, actor)
    except BaseException:
        _unlock(connection, kind)
        raise
    _execute(settings, database, storage, kind, operation_id, connection)
    return operation_id


def latest(session: Session, kind: str) -> dict[str, Any] | None:
    """The newest operation of ``kind`` as the page shows it; a ``running`` row whose lock nobody holds is dead."""
    operation = session.scalar(select(BackupOperation).where(BackupOperation.kind == kind)
                               .order_by(BackupOperation.id.desc()).limit(1))
    if operation is None:
        return None
    state = operation.state
    if state == "running" and not _lock_held(session, kind):
        state = "interrupted"
    return {"id": operation.id, "kind": kind, "state": state, "step": operation.step, "progress": operation.progress,
            "requested_by": operation.requested_by, "started_at": operation.started_at.isoformat(),
            "finished_at": operation.finished_at.isoformat() if operation.finished_at else None,
            "message": operation.message, "result": operation.result}


def _lock(database: Database, kind: str) -> Connection | None:
    """A connection holding the kind's advisory lock, or ``None`` when someone else holds it."""
    connection = database.engine.connect()
    try:
        held = connection.execute(text("SELECT pg_try_advisory_lock(:c, :k)"),
                                  {"c": LOCK_CLASS, "k": LOCK_KEYS[kind]}).scalar_one()
        connection.commit()
    except BaseException:
        connection.close()
        raise
    if not held:
        connection.close()
        return None
    return connection


def _unlock(connection: Connection, kind: str) -> None:
    """Release the lock before the connection goes back to the pool (a session lock would outlive ``close``)."""
    try:
        connection.execute(text("SELECT pg_advisory_unlock(:c, :k)"), {"c": LOCK_CLASS, "k": LOCK_KEYS[kind]})
        connection.commit()
    except Exception:
        connection.invalidate()  # a discarded connection takes its locks with it
    finally:
        connection.close()


def _lock_held(session: Session, kind: str) -> bool:
    return bool(session.execute(text(
        "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = :c "
        "AND objid = :k AND objsubid = 2 AND database = (SELECT oid FROM pg_database "
        "WHERE datname = current_database()))"), {"c": LOCK_CLASS, "k": LOCK_KEYS[kind]}).scalar())


def _begin(database: Database, kind: str, actor: Actor) -> int:
    """Record the start (audited, by whom); a row left ``running`` by a killed process is marked interrupted."""
    now = dt.datetime.now(dt.UTC)
    with database.session(actor) as session:
        session.execute(update(BackupOperation)
                        .where(BackupOperation.kind == kind, BackupOperation.state == "running")
                        .values(state="interrupted", finished_at=now))
        operation = BackupOperation(kind=kind, state="running", progress=0, requested_by=actor.username,
                                    started_at=now)
        session.add(operation)
        session.flush()
        audit.record(session, actor, f"{kind}.start", object_type="backup_operation", object_id=operation.id,
                     after={"kind": kind})
        return operation.id


def _execute(settings: Settings, database: Database, storage: Storage, kind: str, operation_id: int,
             connection: Connection) -> None:
    """Run and record the end, then release the lock (so a page never sees a finished run as dead)."""
    progress = OperationProgress(database, operation_id)
    try:
        result, message = _run(settings, database, storage, kind, progress)
        ok = result is not None and result["ok"]
        progress.finish(state="succeeded" if ok else "failed", message=message, result=result)
    finally:
        _unlock(connection, kind)


def _run(settings: Settings, database: Database, storage: Storage, kind: str,
         progress: OperationProgress) -> tuple[dict[str, Any] | None, str | None]:
    """(the CLI's JSON result, a failure message); any failure ends this run, never the process that runs it."""
    try:
        if kind == "backup":
            return run_backup(settings, database, storage, progress, progress.waiting).as_dict(), None
        return run_drill(settings, database, progress, progress.waiting), None
    except ArchiveError as error:
        problems = {"problems": error.problems} if isinstance(error, FixityFailure) else {}
        return {"ok": False, **error.as_dict("vi"), **problems}, f"{error.message_vi} / {error.message_en}"
    except Exception as error:
        log.exception("the %s run failed", kind)
        return None, f"{type(error).__name__}: {error}"


class OperationProgress:
    """The ``Progress`` of ``run_backup``/``run_drill`` written to the operation's row, at most once a second."""

    def __init__(self, database: Database, operation_id: int) -> None:
        self.database, self.operation_id = database, operation_id
        self.written = 0.0

    @contextmanager
    def step(self, label: str, length: int) -> Iterator[Callable[[int], None]]:
        done = 0
        self._write(step=label, progress=0)

        def advance(units: int) -> None:
            nonlocal done
            done += units
            if time.monotonic() - self.written >= UPDATE_EVERY:
                self._write(progress=min(100, done * 100 // max(length, 1)))

        yield advance
        self._write(progress=100)

    def waiting(self) -> None:
        self._write(step=WAITING, progress=0)

    def finish(self, **values: Any) -> None:
        self._write(finished_at=dt.datetime.now(dt.UTC), **values)

    def _write(self, **values: Any) -> None:
        self.written = time.monotonic()
        with self.database.session(RUNNER) as session:
            session.execute(update(BackupOperation).where(BackupOperation.id == self.operation_id).values(**values))
