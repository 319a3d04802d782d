"""A job whose worker died is taken over once its lease runs out; a live worker keeps its lease; a job that keeps
killing its workers is failed. Real PostgreSQL, the real queue; the "dead worker" is a claim nobody renews."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from sqlalchemy import update

from kholuutru.archive import jobs, units
from kholuutru.archive.access import Actor
from kholuutru.archive.digitisation_models import Job

ADMIN = Actor.system("test")
KIND = "test.lease"
seen: list[int] = []


@jobs.register(KIND)
def _record(database, storage, settings, job, progress) -> str:
    """Runs the job's payload: ``wait_for_heartbeat`` holds it until its lease is renewed while it runs."""
    seen.append(job.id)
    if job.payload.get("wait_for_heartbeat"):
        deadline = time.monotonic() + 30
        while _job(database, job.id).heartbeat_at == job.heartbeat_at:
            assert time.monotonic() < deadline, "the lease was never renewed"
            time.sleep(0.05)
    return f"done {job.id}"


def _job(database, job_id: int) -> Job:
    with database.session(ADMIN) as session:
        job = session.get(Job, job_id)
        session.expunge(job)
        return job


@pytest.fixture(scope="module")
def unit_id(database) -> int:
    with database.session(ADMIN) as session:
        return units.create_unit(session, ADMIN, code="000.00.00.H48", name="UBND tỉnh thử", level="province").id


@pytest.fixture
def queued(database, unit_id):
    def make(**payload) -> int:
        with database.session(ADMIN) as session:
            return jobs.enqueue(session, ADMIN, kind=KIND, unit_id=unit_id, payload=payload).id
    return make


def _worker_died(database, job_id: int, seconds_ago: float) -> None:
    """What a worker killed mid-job leaves: the job running, its last heartbeat ``seconds_ago``."""
    assert jobs._claim(database, dt.timedelta(seconds=60)) == job_id
    with database.session(ADMIN) as session:
        session.execute(update(Job).where(Job.id == job_id).values(
            heartbeat_at=jobs._now() - dt.timedelta(seconds=seconds_ago)))


def test_a_job_whose_worker_died_is_taken_over_after_its_lease(database, storage, settings, queued):
    job_id = queued()
    _worker_died(database, job_id, seconds_ago=30)
    leased = settings.model_copy(update={"job_lease_seconds": 60.0})
    assert jobs.run_next(database, storage, leased) is None, "a lease still running is left to its worker"
    assert _job(database, job_id).state == "running"

    expired = settings.model_copy(update={"job_lease_seconds": 20.0})
    finished = jobs.run_next(database, storage, expired)
    assert finished.id == job_id and finished.state == "succeeded" and finished.attempts == 2
    assert finished.message == f"done {job_id}"


def test_a_running_worker_renews_its_lease(database, storage, settings, queued):
    job_id = queued(wait_for_heartbeat=True)
    short = settings.model_copy(update={"job_lease_seconds": 0.3})
    done: list[Job | None] = []
    worker = threading.Thread(target=lambda: done.append(jobs.run_next(database, storage, short)))
    worker.start()
    worker.join(60)
    assert done and done[0].id == job_id and done[0].state == "succeeded" and done[0].attempts == 1


def test_a_job_that_keeps_killing_its_workers_fails(database, storage, settings, queued):
    job_id = queued()
    for _ in range(jobs.MAX_ATTEMPTS):
        _worker_died(database, job_id, seconds_ago=3600)
    seen.clear()
    assert jobs.run_next(database, storage, settings) is None
    failed = _job(database, job_id)
    assert failed.state == "failed" and failed.attempts == jobs.MAX_ATTEMPTS and "3 workers" in failed.message
    assert seen == []
