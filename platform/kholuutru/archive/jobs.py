"""The PostgreSQL-backed job queue (ARCHITECTURE §3): no broker beyond the database the archive already has.

A worker claims the oldest queued job with ``SELECT … FOR UPDATE SKIP LOCKED`` in a short transaction, so several
workers never take the same job and none waits on another. The work itself runs outside that transaction; progress
is written in short transactions of its own, so the console sees it move. Handlers register per job kind. While the
platform is suspended no job is claimed (invariant 4): queued work waits for the resume.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
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


def _claim(database: Database) -> int | None:
    with database.session(WORKER) as session:
        if current_state(session).suspended:
            return None
        job = session.scalar(select(Job).where(Job.state == "queued").order_by(Job.id).limit(1)
                             .with_for_update(skip_locked=True))
        if job is None:
            return None
        job.state, job.started_at, job.progress = "running", _now(), 0
        return job.id


def _update(database: Database, job_id: int, **values: Any) -> None:
    with database.session(WORKER) as session:
        job = session.get(Job, job_id)
        for name, value in values.items():
            setattr(job, name, value)


def run_next(database: Database, storage: Storage, settings: Settings) -> Job | None:
    """Claim and run one queued job; return it finished (``succeeded`` or ``failed``), or None when none waits."""
    job_id = _claim(database)
    if job_id is None:
        return None
    with database.session(WORKER) as session:
        job = session.get(Job, job_id)
        session.expunge(job)

    def progress(percent: int, message: str) -> None:
        _update(database, job_id, progress=max(0, min(100, percent)), message=message)

    handler = _HANDLERS.get(job.kind)
    try:
        if handler is None:
            raise ArchiveError(f"Không có bộ xử lý cho loại công việc {job.kind}.",
                               f"No handler for jobs of kind {job.kind}.", field="kind")
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


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
