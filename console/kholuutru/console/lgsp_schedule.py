"""The LGSP synchronisation schedule of ``kholuutru up`` (KHOLUUTRU_LGSP_SYNC_SCHEDULE, empty by default).

At each due time the three feeds are synchronised one after the other — the procedure catalogue, then staff, then
procedure dossiers — each from its stored cursor, exactly as ``kholuutru sync <feed>`` does; a feed that is refused
(the platform suspended, another run of it going on, LGSP failing after every retry) is logged and the next one
still runs. Under Kubernetes an operator CronJob runs ``kholuutru sync`` instead and this schedule stays empty. The
thread is the backups' ``CronScheduler``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from kholuutru.archive import lgsp_sync
from kholuutru.archive.database import Database
from kholuutru.archive.errors import ArchiveError
from kholuutru.archive.settings import Settings

from .backup_schedule import CronScheduler

log = logging.getLogger(__name__)

THREAD_NAME = "kholuutru-lgsp-schedule"
FEED_ORDER = ("procedures", "users", "dossiers")
"""Staff before dossiers, the catalogue first: what a later feed refers to is already there."""


def synchronise_all(settings: Settings, database: Database) -> list[lgsp_sync.SyncSummary]:
    """One run of every feed; the summaries of those that ran."""
    summaries = []
    for feed in FEED_ORDER:
        try:
            summary = lgsp_sync.run(database, settings, feed, actor=lgsp_sync.SYNC_ACTOR,
                                    requested_by="system:schedule-lgsp")
        except ArchiveError as refused:
            log.warning("scheduled LGSP %s synchronisation refused: %s", feed, refused.message_en)
            continue
        summaries.append(summary)
        log.info("scheduled LGSP %s synchronisation %s: %s", feed, summary.state, summary.as_dict())
    return summaries


@contextmanager
def running(settings: Settings, database: Database) -> Iterator[CronScheduler | None]:
    """The schedule running for the duration of the block (none when the setting is empty)."""
    if not settings.lgsp_sync_schedule:
        yield None
        return
    with CronScheduler({"lgsp": settings.lgsp_sync_schedule}, lambda _kind: synchronise_all(settings, database),
                       THREAD_NAME) as scheduler:
        yield scheduler
