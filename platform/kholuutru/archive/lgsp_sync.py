"""One synchronisation run of an LGSP feed: pages fetched from the stored cursor, each committed with the cursor after
it, so a run that stops (LGSP down after every retry, the platform suspended, the process killed) loses nothing and
the next run resumes at the first page not yet committed.

Each record is applied in a savepoint: a record that fails validation, or that the services refuse, is rolled back
alone and kept in the review queue with its reasons; the rest of the page goes in. Only one run of a feed at a time
(a PostgreSQL advisory lock held by the run's own connection, so a killed process releases it). The run's counts
(fetched, created, updated, unchanged, rejected) and cursors are recorded in ``sync_runs`` as the run goes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import audit, lgsp_records
from .access import Actor, require
from .database import Database
from .errors import ArchiveError, Conflict, InvalidInput, NotFound
from .lgsp_client import LgspClient, LgspConfig, LgspUnavailable
from .lgsp_feeds import APPLIERS, UNIT_FIELDS, Outcome
from .lgsp_records import Reason, Rejected
from .models import Unit
from .settings import Settings
from .suspension import ensure_writable
from .sync_models import FEEDS, SyncCursor, SyncReview, SyncRun

SYNC_ACTOR = Actor.system("sync")
COUNTS = ("fetched", "created", "updated", "unchanged", "rejected", "pages")


@dataclass
class SyncSummary:
    """What a run did: the CLI's JSON object and the console's row."""

    feed: str
    run_id: int
    state: str = "running"
    fetched: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    pages: int = 0
    cursor_before: str | None = None
    cursor_after: str | None = None
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.state == "succeeded", **asdict(self)}


Progress = Callable[[SyncSummary], None]


def check_feed(feed: str) -> str:
    if feed not in FEEDS:
        raise InvalidInput(f"Không có nguồn đồng bộ {feed}.", f"There is no feed {feed}; use {', '.join(FEEDS)}.",
                           field="feed")
    return feed


def run(database: Database, settings: Settings, feed: str, *, actor: Actor = SYNC_ACTOR, full: bool = False,
        client: LgspClient | None = None, progress: Progress | None = None,
        requested_by: str | None = None) -> SyncSummary:
    """Synchronise ``feed`` from its stored cursor (``full``: from the beginning) until LGSP has no more pages.

    ``requested_by`` names who asked for the run (a console user) when that is not the acting ``actor``.

    Refused before anything is fetched when the platform is suspended, LGSP is not configured or another run of
    the feed is going on. A run that cannot finish is recorded as failed with its error and returned (not raised).
    """
    check_feed(feed)
    require(actor, "lgsp.sync")
    with _feed_lock(database, feed):
        with database.session(actor) as session:
            ensure_writable(session)  # first: while suspended every write path gives the same refusal
            client = client or LgspClient(LgspConfig.from_settings(settings))
            # The lock is ours: a run of this feed still marked running was cut short (its process killed).
            session.execute(update(SyncRun).where(SyncRun.feed == feed, SyncRun.state == "running").values(
                state="failed", finished_at=_now(), error="Bị ngắt giữa chừng / interrupted"))
            cursor_row = session.get(SyncCursor, feed)
            cursor = None if full or cursor_row is None else cursor_row.cursor
            row = SyncRun(feed=feed, state="running", requested_by=requested_by or actor.username, cursor_before=cursor,
                          cursor_after=cursor, **dict.fromkeys(COUNTS, 0))
            session.add(row)
            session.flush()
            summary = SyncSummary(feed, row.id, cursor_before=cursor, cursor_after=cursor)
        try:
            while True:
                page = client.page(feed, cursor, settings.lgsp_page_size)
                if page.has_more and page.next_cursor == cursor:
                    raise LgspUnavailable("LGSP trả về con trỏ không tiến lên.",
                                          f"LGSP answered more pages but the same cursor {cursor}.")
                # Counted on a copy: if the page's transaction fails, the summary keeps only committed pages.
                tentative = replace(summary, pages=summary.pages + 1)
                with database.session(actor) as session:
                    ensure_writable(session)
                    for payload in page.items:
                        tentative.fetched += 1
                        outcome = _take(session, actor, settings, feed, payload)
                        setattr(tentative, outcome, getattr(tentative, outcome) + 1)
                    if page.next_cursor is not None:
                        tentative.cursor_after = page.next_cursor
                        _store_cursor(session, feed, page.next_cursor)
                    _record(session, tentative)
                summary = tentative
                cursor = summary.cursor_after
                if progress:
                    progress(summary)
                if not page.has_more or page.next_cursor is None:
                    break
            summary.state = "succeeded"
        except ArchiveError as error:
            summary.state, summary.error = "failed", error.message(settings.default_language)
        except BaseException as error:
            summary.state, summary.error = "failed", f"{type(error).__name__}: {error}"
            _finish(database, actor, summary)
            raise
        _finish(database, actor, summary)
    return summary


def retry_review(database: Database, settings: Settings, actor: Actor, review_id: int) -> SyncReview:
    """Apply a held record again (e.g. after the missing unit or fonds was created): resolved when it goes in,
    otherwise kept with its new reasons. The record is applied as the synchronisation, like every LGSP record."""
    with database.session(actor) as session:
        entry = _open_review(session, actor, review_id)
        ensure_writable(session)
        _take(session, SYNC_ACTOR, settings, entry.feed, entry.payload)
        return entry


def dismiss_review(session: Session, actor: Actor, review_id: int) -> SyncReview:
    """Close a held record without applying it (it stays closed while LGSP keeps sending the same record)."""
    entry = _open_review(session, actor, review_id)
    ensure_writable(session)
    _resolve(session, actor, entry, "dismissed")
    return entry


def list_reviews(session: Session, actor: Actor, *, open_only: bool = True, limit: int = 200) -> list[SyncReview]:
    """Held records the actor may handle: every unit's for province-wide roles, their own unit's for a unit admin."""
    query = select(SyncReview)
    if not actor.sees_all_units:
        query = query.where(SyncReview.unit_id == (actor.unit_id if actor.unit_id is not None else -1))
    if open_only:
        query = query.where(SyncReview.resolved_at.is_(None))
    return list(session.scalars(query.order_by(SyncReview.last_seen.desc()).limit(limit)))


def recent_runs(session: Session, limit: int = 20) -> list[SyncRun]:
    """The newest runs of every feed, newest first."""
    return list(session.scalars(select(SyncRun).order_by(SyncRun.id.desc()).limit(limit)))


@dataclass(frozen=True)
class FeedHealth:
    """How a feed has been doing, for monitoring (the console's Prometheus gauges)."""

    last_success: dt.datetime | None
    """End of the newest successful run (None: never succeeded)."""
    last_run_succeeded: bool | None
    """Whether the newest finished run succeeded (None: no run has finished)."""
    failures_since_success: int
    """Runs that failed since the newest success: one failure may be LGSP's passing outage, several are not."""
    open_reviews: int
    """Records held in the review queue, not yet retried or dismissed."""


def feed_health(session: Session) -> dict[str, FeedHealth]:
    """Each feed's health, read from ``sync_runs`` and ``sync_reviews`` (whichever process ran the runs)."""
    reviews = dict(session.execute(select(SyncReview.feed, func.count()).where(SyncReview.resolved_at.is_(None))
                                   .group_by(SyncReview.feed)).all())
    health = {}
    for feed in FEEDS:
        finished = select(SyncRun).where(SyncRun.feed == feed, SyncRun.finished_at.is_not(None))
        newest = session.scalar(finished.order_by(SyncRun.finished_at.desc()).limit(1))
        success = session.scalar(finished.where(SyncRun.state == "succeeded")
                                 .order_by(SyncRun.finished_at.desc()).limit(1))
        failures = select(func.count()).select_from(SyncRun).where(SyncRun.feed == feed, SyncRun.state == "failed")
        if success is not None:
            failures = failures.where(SyncRun.finished_at > success.finished_at)
        health[feed] = FeedHealth(
            last_success=success.finished_at if success else None,
            last_run_succeeded=None if newest is None else newest.state == "succeeded",
            failures_since_success=session.scalar(failures) or 0,
            open_reviews=reviews.get(feed, 0),
        )
    return health


def cursors(session: Session) -> dict[str, SyncCursor | None]:
    """Each feed's stored cursor (None: never synchronised)."""
    stored = {row.feed: row for row in session.scalars(select(SyncCursor))}
    return {feed: stored.get(feed) for feed in FEEDS}


def _take(session: Session, actor: Actor, settings: Settings, feed: str, payload: Any) -> Outcome | str:
    """Apply one record in a savepoint; a refusal rolls back that record alone and holds it for review."""
    key = _record_key(feed, payload)
    try:
        with session.begin_nested():
            outcome = APPLIERS[feed](session, actor, settings, payload)
    except Rejected as rejected:
        _hold(session, actor, feed, key, payload, rejected.reasons)
        return "rejected"
    except IntegrityError as error:
        message = str(error.orig).splitlines()[0]
        _hold(session, actor, feed, key, payload, [Reason(None, f"Xung đột dữ liệu: {message}",
                                                          f"Conflicting data: {message}")])
        return "rejected"
    entry = session.scalar(select(SyncReview).where(SyncReview.feed == feed, SyncReview.record_key == key,
                                                    SyncReview.resolved_at.is_(None)))
    if entry is not None:
        _resolve(session, actor, entry, "applied")
    return outcome


def _hold(session: Session, actor: Actor, feed: str, key: str, payload: Any, reasons: list[Reason]) -> None:
    """Put a rejected record in the review queue, or note that it came again. A dismissed record stays dismissed
    until LGSP sends it changed."""
    fingerprint = lgsp_records.digest(payload)
    entry = session.scalar(select(SyncReview).where(SyncReview.feed == feed, SyncReview.record_key == key))
    reason_rows = [reason.as_dict() for reason in reasons]
    now = _now()
    if entry is not None and entry.payload_digest == fingerprint and (
            entry.resolution == "dismissed" or (entry.resolved_at is None and entry.reasons == reason_rows)):
        entry.last_seen = now
        return
    action = "sync.review.create" if entry is None else "sync.review.reopen"
    unit_id = _unit_of(session, feed, payload)
    if entry is None:
        entry = SyncReview(feed=feed, record_key=key, first_seen=now)
        session.add(entry)
    entry.external_id, entry.unit_id = lgsp_records.external_id(feed, payload), unit_id
    entry.payload, entry.payload_digest, entry.reasons, entry.last_seen = payload, fingerprint, reason_rows, now
    entry.resolved_at = entry.resolved_by = entry.resolution = None
    session.flush()
    audit.record(session, actor, action, object_type="sync_review", object_id=entry.id, unit_id=entry.unit_id,
                 after={"feed": feed, "record_key": key, "payload_digest": fingerprint, "reasons": reason_rows})


def _resolve(session: Session, actor: Actor, entry: SyncReview, resolution: str) -> None:
    entry.resolved_at, entry.resolved_by, entry.resolution = _now(), actor.username, resolution
    session.flush()
    audit.record(session, actor, f"sync.review.{'dismiss' if resolution == 'dismissed' else 'apply'}",
                 object_type="sync_review", object_id=entry.id, unit_id=entry.unit_id,
                 details={"feed": entry.feed, "record_key": entry.record_key})


def _open_review(session: Session, actor: Actor, review_id: int) -> SyncReview:
    entry = session.get(SyncReview, review_id)
    if entry is None or not (actor.sees_all_units or (entry.unit_id is not None and actor.sees_unit(entry.unit_id))):
        raise NotFound(f"Không tìm thấy bản ghi chờ xem xét số {review_id}.",
                       f"Review entry {review_id} was not found.", field="id")
    require(actor, "lgsp.review", entry.unit_id)
    if entry.resolved_at is not None:
        raise Conflict("Bản ghi này đã được xử lý.", "This record was already handled.", field="id")
    return entry


def _record_key(feed: str, payload: Any) -> str:
    return lgsp_records.external_id(feed, payload) or f"sha256:{lgsp_records.digest(payload)}"


def _unit_of(session: Session, feed: str, payload: Any) -> int | None:
    """The unit a held record belongs to, when it names a known one: its unit admin then sees it."""
    code = payload.get(UNIT_FIELDS[feed]) if feed in UNIT_FIELDS and isinstance(payload, dict) else None
    return session.scalar(select(Unit.id).where(Unit.code == code)) if isinstance(code, str) else None


def _store_cursor(session: Session, feed: str, cursor: str) -> None:
    row = session.get(SyncCursor, feed)
    if row is None:
        session.add(SyncCursor(feed=feed, cursor=cursor, updated_at=_now()))
    else:
        row.cursor, row.updated_at = cursor, _now()


def _finish(database: Database, actor: Actor, summary: SyncSummary) -> None:
    """Record how the run ended; bookkeeping, so written even while the platform is suspended."""
    with database.session(actor) as session:
        _record(session, summary)


def _record(session: Session, summary: SyncSummary) -> None:
    row = session.get(SyncRun, summary.run_id)
    assert row is not None
    for key in (*COUNTS, "state", "cursor_after", "error"):
        setattr(row, key, getattr(summary, key))
    if summary.state != "running":
        row.finished_at = _now()


@contextmanager
def _feed_lock(database: Database, feed: str) -> Iterator[None]:
    """Hold the feed's advisory lock on a connection of its own for the whole run."""
    connection = database.engine.connect()
    key = {"k": f"lgsp-sync:{feed}"}
    try:
        held = connection.execute(text("SELECT pg_try_advisory_lock(hashtext(:k))"), key).scalar_one()
        connection.commit()
        if not held:
            raise Conflict(f"Đang có một lượt đồng bộ {feed} khác chạy.", f"Another {feed} synchronisation is running.",
                           field="feed")
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(hashtext(:k))"), key)
            connection.commit()
    finally:
        connection.close()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
