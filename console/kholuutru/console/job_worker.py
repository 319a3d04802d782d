"""The job worker inside ``kholuutru up``: queued jobs (OCR) progress without a separate ``kholuutru jobs work``.

One daemon thread runs ``jobs.run_next`` until the queue is empty, then waits a moment and looks again. A failure
reaching the loop (the database restarting, say) is logged and retried later, never ending the thread; a job that
fails is recorded as failed by the queue itself. On shutdown the thread is told to stop and joined, so a job in
progress finishes (and commits) before the database closes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from kholuutru.archive import (
    digitisation,  # noqa: F401  (registers the digitisation job handler with the queue)
    jobs,
)
from kholuutru.archive.database import Database
from kholuutru.archive.settings import Settings
from kholuutru.archive.storage import Storage

log = logging.getLogger(__name__)

IDLE_SECONDS = 1.0
"""How long the worker waits between looks at an empty queue: short, so the console's progress bar starts soon."""


def work(database: Database, storage: Storage, settings: Settings, stop: threading.Event) -> None:
    """Run queued jobs until ``stop`` is set."""
    while not stop.is_set():
        try:
            ran = jobs.run_next(database, storage, settings) is not None
        except Exception:  # the loop must outlive a database restart; the next look tries again
            log.exception("the job worker could not claim or record a job")
            ran = False
        if not ran:
            stop.wait(IDLE_SECONDS)


@contextmanager
def running(database: Database, storage: Storage, settings: Settings) -> Iterator[threading.Thread]:
    """The worker thread for the duration of the ``with`` block; stopped and joined when it ends."""
    stop = threading.Event()
    thread = threading.Thread(target=work, args=(database, storage, settings, stop), name="kholuutru-jobs",
                              daemon=True)
    thread.start()
    try:
        yield thread
    finally:
        stop.set()
        thread.join()
