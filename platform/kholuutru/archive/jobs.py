"""The PostgreSQL-backed job queue (ARCHITECTURE §3): no broker beyond the database the archive already has.

A worker claims the oldest queued job with ``SELECT … FOR UPDATE SKIP LOCKED`` in a short transaction, so several
workers never take the same job and none waits on another. The work itself runs outside that transaction; progress
is written in short transactions of its own, so the console sees it move. Handlers register per job kind. While the
platform is suspended no job is claimed (invariant 4): queued work waits for the resume.

A claimed job is leased, not owned for ever: its worker renews ``heartbeat_at`` every third of
``KHOLUUTRU_JOB_LEASE_SECONDS`` while the handler runs. A worker that dies (killed, out of memory, its machine gone)
stops renewing, and once the lease has run out the job is claimed again like a queued one — a crash no longer
leaves it "running" for ever. A job that has taken down :data:`MAX_ATTEMPTS` workers is failed instead of being
handed to a fourth.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from .access import Actor
from .database import Database
from .digitisation_models import Job
from .errors import ArchiveError, NotFound
from .settings import Settings
from .storage import Storage
from .suspension import current_state

WORKER = Actor.system("jobs")
Progress = Callable[[int, str], None]
Handler = Callable[[Database, Storage, Settings, Job, Progress], str]
_HANDLERS: dict[str, Handler] = {}
MAX_ATTEMPTS = 3


def register(kind: str) -> Callable[[Handler], Handler]:
    """Declare the function that runs jobs of ``kind``; it returns the job's final message."""

    def add(handler: Handler) -> Handler:
        _HANDLERS[kind] = handler
        return handler

    return add


def enqueue(session: Session, actor: Actor, *, kind: str, unit_id: int, payload: dict[str, Any]) -> Job:
    """Queue a job in the caller's transaction (so it exists only if the request that made it commits)."""
    job = Job(unit_id=unit_id, kind=kind, payload=payload, state="queued", progress=0, requested_by=actor.username)
    session.add(job)
    session.flush()
    return job


def get_job(session: Session, actor: Actor, job_id: int) -> Job:
    """A job the actor may see (row-level security hides other units' jobs)."""
    job = session.get(Job, job_id)
    if job is None or not actor.sees_unit(job.unit_id):
        raise NotFound(f"Không tìm thấy công việc số {job_id}.", f"Job {job_id} was not found.", field="job_id")
    return job


def _claim(database: Database, lease: dt.timedelta) -> int | None:
    """Lease the oldest job that is queued, or running with its lease run out; fail one tried too often."""
    with database.session(WORKER) as session:
        if current_state(session).suspended:
            return None
        while True:
            now = _now()
            abandoned = and_(Job.state == "running",
                             func.coalesce(Job.heartbeat_at, Job.started_at, Job.created_at) < now - lease)
            job = session.scalar(select(Job).where(or_(Job.state == "queued", abandoned)).order_by(Job.id).limit(1)
                                 .with_for_update(skip_locked=True))
            if job is None:
                return None
            if job.attempts >= MAX_ATTEMPTS:
                job.state, job.finished_at = "failed", now
                job.message = (f"Công việc đã làm dừng {job.attempts} tiến trình xử lý; không chạy lại. / "
                               f"The job took down {job.attempts} workers; it is not run again.")
                session.flush()
                continue
            job.state, job.started_at, job.heartbeat_at, job.progress = "running", now, now, 0
            job.attempts += 1
            return job.id


def _update(database: Database, job_id: int, **values: Any) -> None:
    with database.session(WORKER) as session:
        job = session.get(Job, job_id)
        for name, value in values.items():
            setattr(job, name, value)


def run_next(database: Database, storage: Storage, settings: Settings) -> Job | None:
    """Claim and run one queued job; return it finished (``succeeded`` or ``failed``), or None when none waits."""
    lease = dt.timedelta(seconds=settings.job_lease_seconds)
    job_id = _claim(database, lease)
    if job_id is None:
        return None
    with database.session(WORKER) as session:
        job = session.get(Job, job_id)
        session.expunge(job)

    def progress(percent: int, message: str) -> None:
        _update(database, job_id, progress=max(0, min(100, percent)), message=message, heartbeat_at=_now())

    handler = _HANDLERS.get(job.kind)
    try:
        if handler is None:
            raise ArchiveError(f"Không có bộ xử lý cho loại công việc {job.kind}.",
                               f"No handler for jobs of kind {job.kind}.", field="kind")
        with _heartbeat(database, job_id, lease / 3):
            message = handler(database, storage, settings, job, progress)
    except ArchiveError as error:
        _update(database, job_id, state="failed", finished_at=_now(),
                message=f"{error.message_vi} / {error.message_en}")
    except Exception as error:  # an unexpected failure ends this job, recorded, not the worker
        _update(database, job_id, state="failed", finished_at=_now(), message=f"{type(error).__name__}: {error}")
    else:
        _update(database, job_id, state="succeeded", progress=100, finished_at=_now(), message=message)
    with database.session(WORKER) as session:
        finished = session.get(Job, job_id)
        session.expunge(finished)
    return finished


@contextmanager
def _heartbeat(database: Database, job_id: int, every: dt.timedelta) -> Iterator[None]:
    """Renew the job's lease from a thread of its own while the handler runs (OCR of a long scan may not report
    progress for minutes)."""
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(every.total_seconds()):
            try:
                _update(database, job_id, heartbeat_at=_now())
            except SQLAlchemyError:  # the database restarting: the next beat tries again
                continue

    thread = threading.Thread(target=beat, name=f"kholuutru-job-{job_id}-lease", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
