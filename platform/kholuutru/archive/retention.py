"""Retention (regulation Đ14.2, TT 10/2022): the schedule, each dossier's expiry, the review list and legal holds.

Retention counts from the year the work ended (DOMAIN.md): the year of the dossier's end date, or the year it was
formed when it has no end date. A dossier kept N years is kept through 31 December of ``end year + N`` and falls due
for review (appraisal for destruction) on 1 January of the next year; so a 2015 dossier kept 10 years is reviewed from
1 January 2026. Permanent dossiers (*Vĩnh viễn*) never expire; a legal hold keeps an expired dossier out of every
destruction batch until it is lifted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, cast, extract, func, select
from sqlalchemy.orm import Session

from . import audit
from .access import Actor, require
from .dossier_models import Dossier
from .dossiers import get_dossier
from .errors import Conflict, InvalidInput
from .retention_models import OPEN_BATCH_STATES, DestructionBatch, DestructionItem, RetentionGroup
from .suspension import ensure_writable
from .validation import Label
from .validation import integer as integer_field
from .validation import text as text_field

GROUP_CODE = Label("code", "Mã nhóm", "Group code")
GROUP_NAME = Label("group_name", "Nhóm tài liệu", "Records group")
GROUP_TITLE = Label("title", "Tên nhóm hồ sơ, tài liệu", "Records description")
GROUP_YEARS = Label("years", "Thời hạn lưu trữ (năm)", "Retention (years)")
HOLD_REASON = Label("reason", "Lý do", "Reason")


def retention_start_year(dossier: Dossier) -> int:
    """The year the work ended: the end date's year, else the year the dossier was formed."""
    return dossier.end_date.year if dossier.end_date else dossier.year


def expiry_date(dossier: Dossier) -> dt.date | None:
    """The last day the dossier must be kept; None when it is kept permanently or has no period yet."""
    if dossier.retention_permanent or not dossier.retention_years:
        return None
    return dt.date(retention_start_year(dossier) + dossier.retention_years, 12, 31)


def is_expired(dossier: Dossier, today: dt.date) -> bool:
    """Whether the retention period is over on ``today``."""
    expiry = expiry_date(dossier)
    return expiry is not None and today > expiry


def period_label(dossier: Dossier) -> tuple[str, str]:
    """The retention period as people read it (Vietnamese, English)."""
    if dossier.retention_permanent:
        return "Vĩnh viễn", "Permanent"
    if dossier.retention_years:
        return f"{dossier.retention_years} năm", f"{dossier.retention_years} years"
    return "Chưa xác định", "Not set"


@dataclass(frozen=True)
class DueDossier:
    """An archived dossier whose retention is over, with what the review needs to know."""

    dossier: Dossier
    expiry: dt.date
    in_batch_id: int | None

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.dossier.id, "code": self.dossier.code, "title": self.dossier.title,
                "retention_years": self.dossier.retention_years, "expiry": self.expiry.isoformat(),
                "legal_hold": self.dossier.legal_hold, "in_batch_id": self.in_batch_id}


def due_for_review(session: Session, actor: Actor, unit_id: int, today: dt.date | None = None) -> list[DueDossier]:
    """The unit's archived dossiers whose retention is over (held ones included, flagged), oldest expiry first."""
    require(actor, "retention.review", unit_id)
    today = today or dt.date.today()
    # Expired on ``today`` ⟺ start year + N < today's year (kept through 31 December of start year + N).
    start_year = func.coalesce(cast(extract("year", Dossier.end_date), Integer), Dossier.year)
    dossiers = session.scalars(
        select(Dossier).where(Dossier.unit_id == unit_id, Dossier.state == "archived",
                              Dossier.retention_permanent.is_(False), Dossier.retention_years.is_not(None),
                              start_year + Dossier.retention_years < today.year)
    ).all()
    open_batches = open_batch_of(session, [dossier.id for dossier in dossiers])
    due = [DueDossier(dossier, expiry, open_batches.get(dossier.id)) for dossier in dossiers
           if (expiry := expiry_date(dossier)) is not None]
    return sorted(due, key=lambda item: (item.expiry, item.dossier.code))


def open_batch_of(session: Session, dossier_ids: list[int]) -> dict[int, int]:
    """For each dossier in a batch still under way (proposed, appraised, approved), that batch's id."""
    if not dossier_ids:
        return {}
    rows = session.execute(
        select(DestructionItem.dossier_id, DestructionItem.batch_id).join(DestructionBatch)
        .where(DestructionItem.dossier_id.in_(dossier_ids), DestructionBatch.state.in_(OPEN_BATCH_STATES))
    ).all()
    return {row.dossier_id: row.batch_id for row in rows}


# --- the retention schedule (province-wide reference data) -----------------------------------------------------

def list_groups(session: Session) -> list[RetentionGroup]:
    """The whole schedule, in code order (readable by everyone: staff choose a period from it)."""
    return sorted(session.scalars(select(RetentionGroup)).all(), key=lambda group: _code_key(group.code))


def save_group(session: Session, actor: Actor, values: dict[str, Any]) -> RetentionGroup:
    """Add a group to the schedule or change the one with the same code (system administrator only)."""
    require(actor, "retention_schedule.manage")
    ensure_writable(session)
    code = text_field(GROUP_CODE, values.get("code"), max_length=20, required=True)
    group_name = text_field(GROUP_NAME, values.get("group_name"), max_length=200, required=True)
    title = text_field(GROUP_TITLE, values.get("title"), max_length=500, required=True)
    permanent = values.get("permanent") in (True, "true", "on", "1", 1)
    years = None if permanent else integer_field(GROUP_YEARS, values.get("years"), minimum=1, maximum=100,
                                                 required=True)
    group = session.scalar(select(RetentionGroup).where(RetentionGroup.code == code))
    before = None if group is None else _group_state(group)
    if group is None:
        group = RetentionGroup(code=code, legal_basis="TT 10/2022/TT-BNV")
        session.add(group)
    group.group_name, group.title, group.permanent, group.years = group_name, title, permanent, years
    session.flush()
    audit.record(session, actor, "retention_group.save", object_type="retention_group", object_id=group.code,
                 before=before, after=_group_state(group))
    return group


def _group_state(group: RetentionGroup) -> dict[str, Any]:
    return {"code": group.code, "group_name": group.group_name, "title": group.title,
            "permanent": group.permanent, "years": group.years}


def _code_key(code: str) -> tuple[int | str, ...]:
    return tuple(int(part) if part.isdigit() else part for part in code.split("."))


# --- legal holds ---------------------------------------------------------------------------------------------

def set_legal_hold(session: Session, actor: Actor, dossier_id: int, reason: str) -> Dossier:
    """Place a legal hold: the dossier cannot enter, or be destroyed from, any destruction batch."""
    return _change_hold(session, actor, dossier_id, reason, hold=True)


def lift_legal_hold(session: Session, actor: Actor, dossier_id: int, reason: str) -> Dossier:
    """Lift a legal hold, with the reason it is no longer needed."""
    return _change_hold(session, actor, dossier_id, reason, hold=False)


def _change_hold(session: Session, actor: Actor, dossier_id: int, reason: str, *, hold: bool) -> Dossier:
    cleaned = text_field(HOLD_REASON, reason, max_length=2000, required=True)
    dossier = get_dossier(session, actor, dossier_id)
    require(actor, "dossier.legal_hold", dossier.unit_id)
    ensure_writable(session)
    if dossier.state == "destroyed":
        raise Conflict(f"Hồ sơ {dossier.code} đã bị tiêu hủy.", f"Dossier {dossier.code} has been destroyed.",
                       field="state")
    if dossier.legal_hold == hold:
        raise InvalidInput(
            "Hồ sơ đang bị giữ." if hold else "Hồ sơ không bị giữ.",
            "The dossier is already on hold." if hold else "The dossier is not on hold.", field="legal_hold",
        )
    before = {"legal_hold": dossier.legal_hold, "legal_hold_reason": dossier.legal_hold_reason}
    dossier.legal_hold = hold
    dossier.legal_hold_reason = cleaned if hold else None
    dossier.legal_hold_by = actor.username if hold else None
    dossier.legal_hold_since = dt.datetime.now(dt.UTC) if hold else None
    audit.record(session, actor, "dossier.legal_hold" if hold else "dossier.legal_hold_lift", object_type="dossier",
                 object_id=dossier.id, unit_id=dossier.unit_id, before=before,
                 after={"legal_hold": hold, "legal_hold_reason": dossier.legal_hold_reason},
                 details={"reason": cleaned})
    return dossier
