"""The backup and drill schedule of ``kholuutru up`` (KHOLUUTRU_BACKUP_SCHEDULE, KHOLUUTRU_DRILL_SCHEDULE).

A local installation has no CronJob, so the process serving the console also makes the daily backup and the weekly
drill, through ``operations.run_now`` — ``run_backup``/``run_drill``, the code of the CLI commands. Cron expressions
are read in Vietnam time: "01:30" means 01:30 for the people who run the archive, whatever the server's zone. A run
missed while the platform was down is not made up at start (the staleness alerts report it); several consoles on one
database fire together, and the advisory lock lets only one of them run. Under Kubernetes the operator's CronJobs do
this work and the console's schedules are empty.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from croniter import croniter

from kholuutru.archive.access import Actor
from kholuutru.archive.database import Database
from kholuutru.archive.settings import Settings
from kholuutru.archive.storage import Storage
from kholuutru.backups import operations

from .suspension import VIETNAM_TIME

log = logging.getLogger(__name__)

THREAD_NAME = "kholuutru-backup-schedule"
RECHECK_SECONDS = 60.0
"""Longest sleep between two looks at the clock, so a corrected system clock is followed within a minute."""
STOP_TIMEOUT = 10.0
"""How long shutdown waits for a scheduled run; a backup or drill killed mid-run is safe (the next one clears it)."""


def next_run(expression: str, after: dt.datetime) -> dt.datetime:
    """The first moment strictly after ``after`` that ``expression`` names in Vietnam time, in UTC."""
    return croniter(expression, after.astimezone(VIETNAM_TIME)).get_next(dt.datetime).astimezone(dt.UTC)


def schedules(settings: Settings) -> dict[str, str]:
    """Kind → cron expression of each scheduled kind (an empty setting schedules nothing)."""
    return {kind: expression for kind, expression in (("backup", settings.backup_schedule),
                                                      ("drill", settings.drill_schedule)) if expression}


class CronScheduler:
    """One thread that sleeps until the next due run of each kind, runs it, and ends when ``stop`` is called; a
    context manager that starts the thread on entry and stops it on exit. Other schedules of ``kholuutru up`` (the
    LGSP synchronisation) are instances of it with their own expressions and run function."""

    def __init__(self, expressions: dict[str, str], run: Callable[[str], None], thread_name: str) -> None:
        self.expressions, self.run = expressions, run
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._loop, name=thread_name, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(STOP_TIMEOUT)
        if self.thread.is_alive():
            log.warning("a scheduled %s run is still going on; it ends with the process", self.thread.name)

    def __enter__(self) -> CronScheduler:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _loop(self) -> None:
        due = {kind: next_run(expression, _now()) for kind, expression in self.expressions.items()}
        while due:
            kind = min(due, key=due.__getitem__)
            if self._sleep_until(due[kind]):
                return
            try:
                self.run(kind)
            except Exception:  # the schedule outlives one failed start (e.g. the database restarting)
                log.exception("scheduled %s could not start", kind)
            due[kind] = next_run(self.expressions[kind], _now())

    def _sleep_until(self, moment: dt.datetime) -> bool:
        """Wait for ``moment``; True when asked to stop first."""
        while (remaining := (moment - _now()).total_seconds()) > 0:
            if self.stopping.wait(min(remaining, RECHECK_SECONDS)):
                return True
        return self.stopping.is_set()


class Scheduler(CronScheduler):
    """The backup and drill schedule."""

    def __init__(self, settings: Settings, database: Database, storage: Storage) -> None:
        self.settings, self.database, self.storage = settings, database, storage
        super().__init__(schedules(settings), self._run, THREAD_NAME)

    def _run(self, kind: str) -> None:
        ran = operations.run_now(self.settings, self.database, self.storage, kind, Actor.system(f"schedule-{kind}"))
        if ran is None:
            log.info("scheduled %s skipped: another console is running one", kind)


@contextmanager
def running(settings: Settings, database: Database, storage: Storage) -> Iterator[Scheduler | None]:
    """The schedule running for the duration of the block (none when both settings are empty)."""
    if not schedules(settings):
        yield None
        return
    with Scheduler(settings, database, storage) as scheduler:
        yield scheduler


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
