"""The tamper-evident audit chain (invariant 2).

Every state change calls ``record`` inside its own transaction, so the change and its event commit or fail together.
Each event's hash is ``sha256(prev_hash ‖ canonical_json(event))``; appends are serialised by locking the single
``audit_head`` row, so the events form one unbroken line numbered 1, 2, 3 … A gap, a changed field or a reordered row
breaks the chain at the first event concerned, which ``verify`` names. The table itself refuses UPDATE and DELETE.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .access import Actor
from .models import AuditEvent, AuditHead

GENESIS_HASH = "0" * 64
_VERIFY_BATCH = 5000


def canonical_json(value: Any) -> str:
    """Deterministic JSON: sorted keys, no spaces, UTF-8 text kept as is, datetimes in UTC ISO 8601."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_json_default)


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"not JSON-serialisable: {type(value).__name__}")


def digest(state: Mapping[str, Any] | None) -> str | None:
    """SHA-256 of an object's state as canonical JSON; None when there is no state (before a create, after a delete)."""
    if state is None:
        return None
    return hashlib.sha256(canonical_json(dict(state)).encode()).hexdigest()


def _hashed_fields(event: AuditEvent) -> dict[str, Any]:
    """The fields an event's hash covers: everything but the hash itself."""
    return {
        "seq": event.seq,
        "occurred_at": event.occurred_at.astimezone(dt.UTC).isoformat(),
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "unit_id": event.unit_id,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "before_digest": event.before_digest,
        "after_digest": event.after_digest,
        "details": event.details,
        "prev_hash": event.prev_hash,
    }


def event_hash(event: AuditEvent) -> str:
    """``sha256(prev_hash ‖ canonical_json(event))`` as hex."""
    payload = event.prev_hash.encode() + canonical_json(_hashed_fields(event)).encode()
    return hashlib.sha256(payload).hexdigest()


def record(
    session: Session,
    actor: Actor,
    action: str,
    *,
    object_type: str,
    object_id: object | None = None,
    unit_id: int | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    details: Mapping[str, Any] | None = None,
    flush: bool = True,
) -> AuditEvent:
    """Append one event for a state change made in ``session``'s transaction, and return it.

    ``flush=False`` is for callers inside a flush hook, where the next flush of the commit writes the event.
    """
    head = session.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar_one()
    event = AuditEvent(
        seq=head.seq + 1,
        occurred_at=dt.datetime.now(dt.UTC),
        actor_id=actor.user_id,
        actor_name=actor.username,
        unit_id=unit_id,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        before_digest=digest(before),
        after_digest=digest(after),
        details=json.loads(canonical_json(dict(details or {}))),
        prev_hash=head.hash,
    )
    event.hash = event_hash(event)
    session.add(event)
    head.seq, head.hash = event.seq, event.hash
    if flush:
        session.flush()
    return event


@dataclass
class ChainReport:
    """The result of walking the chain; ``first_bad_seq`` names the first event that breaks it."""

    ok: bool
    events_checked: int
    head_hash: str
    head_seq: int
    first_bad_seq: int | None = None
    problem: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def verify(session: Session) -> ChainReport:
    """Walk every event in order, recomputing each hash and link, and compare the end with ``audit_head``.

    Run it with a province-wide actor: row-level security hides other units' events from everyone else.
    """
    expected_prev, expected_seq, checked = GENESIS_HASH, 1, 0
    last_seq = 0
    while True:
        batch = session.scalars(
            select(AuditEvent).where(AuditEvent.seq > last_seq).order_by(AuditEvent.seq).limit(_VERIFY_BATCH)
        ).all()
        if not batch:
            break
        for event in batch:
            problem = None
            if event.seq != expected_seq:
                problem = f"missing event(s) {expected_seq}..{event.seq - 1}"
                bad_seq = expected_seq
            elif event.prev_hash != expected_prev:
                problem, bad_seq = "link to the previous event is broken", event.seq
            elif event_hash(event) != event.hash:
                problem, bad_seq = "content does not match its hash (altered)", event.seq
            if problem:
                return ChainReport(False, checked, expected_prev, expected_seq - 1, bad_seq, problem)
            checked += 1
            expected_prev, expected_seq = event.hash, event.seq + 1
        last_seq = batch[-1].seq
        session.expunge_all()
    head = session.get(AuditHead, 1)
    if head is None or head.seq != expected_seq - 1 or head.hash != expected_prev:
        return ChainReport(
            False, checked, expected_prev, expected_seq - 1, expected_seq,
            "the chain ends before the recorded head (events removed at the end)",
        )
    return ChainReport(True, checked, expected_prev, expected_seq - 1)
