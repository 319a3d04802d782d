"""Reports for leaders and inspectors: counts and volumes, the per-unit indicators and the six-monthly report.

Regulation Đ18.6 asks each unit's indicators for the provincial digital-transformation ranking (DOMAIN.md
§ indicators); Đ13.6 and Đ18.3 a usage report every six months. Everything is scoped like every other read: a unit
head or unit admin sees their own unit, province-wide roles (inspector, system admin, on-call operator) see every
unit, anyone else gets a refusal — and row-level security underneath returns no other unit's rows anyway.

Indicators follow a period's *cohort*: the dossiers formed (``created_at``) in the period, and how far each has got
by now — submitted, archived, its documents signed personally and by the organisation, procedure dossiers digitised
and their results extracted — so one half-year's figures do not change meaning when the next half-year starts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Integer, case, cast, func, literal, select, text
from sqlalchemy.orm import Session

from .access import Actor, require
from .dossier_models import Dossier
from .models import Unit
from .validation import Label, choice, integer
from .workflow import STATE_NAMES

GROUPS = {
    "unit": ("Đơn vị", "Unit"),
    "year": ("Năm hình thành", "Year formed"),
    "state": ("Trạng thái", "State"),
    "retention": ("Thời hạn bảo quản", "Retention"),
    "procedure": ("Thủ tục hành chính", "Procedure"),
}
VIETNAM = dt.timezone(dt.timedelta(hours=7))


@dataclass(frozen=True)
class Period:
    """A reporting period in Vietnam time: ``start`` inclusive, ``end`` exclusive."""

    start: dt.date
    end: dt.date
    label_vi: str
    label_en: str

    @classmethod
    def half_year(cls, year: Any, half: Any) -> Period:
        """The first (January–June) or second (July–December) half of ``year``."""
        year_value = integer(Label("year", "Năm", "Year"), year, minimum=2000, maximum=2100, required=True) or 0
        half_value = integer(Label("half", "Kỳ (6 tháng)", "Half-year"), half, minimum=1, maximum=2, required=True)
        start = dt.date(year_value, 1 if half_value == 1 else 7, 1)
        end = dt.date(year_value, 7, 1) if half_value == 1 else dt.date(year_value + 1, 1, 1)
        return cls(start, end, f"6 tháng {'đầu' if half_value == 1 else 'cuối'} năm {year_value}",
                   f"{'First' if half_value == 1 else 'Second'} half of {year_value}")

    @property
    def file_stem(self) -> str:
        """The report's file name without extension, e.g. ``bao-cao-6-thang-2026-1``."""
        return f"bao-cao-6-thang-{self.start:%Y}-{1 if self.start.month == 1 else 2}"

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        return (dt.datetime.combine(self.start, dt.time(), VIETNAM), dt.datetime.combine(self.end, dt.time(), VIETNAM))


@dataclass
class CountRow:
    """One line of a count report: the group's key and label, dossiers, their documents and pages."""

    key: str
    label: str
    dossiers: int
    documents: int
    pages: int


@dataclass
class Indicators:
    """One unit's indicators for a period (DOMAIN.md § indicators), shares as fractions 0…1 (None: nothing to count)."""

    unit_id: int | None
    unit_code: str
    unit_name: str
    created: int = 0
    submitted: int = 0
    archived: int = 0
    documents: int = 0
    personally_signed: int = 0
    organisation_signed: int = 0
    procedure_dossiers: int = 0
    digitised: int = 0
    extracted: int = 0
    approval_hours: float | None = None
    approvals: int = 0

    @property
    def shares(self) -> dict[str, float | None]:
        return {
            "archived": _share(self.archived, self.created),
            "personal_signature": _share(self.personally_signed, self.documents),
            "organisation_signature": _share(self.organisation_signed, self.documents),
            "digitised": _share(self.digitised, self.procedure_dossiers),
            "extracted": _share(self.extracted, self.procedure_dossiers),
        }

    def as_dict(self) -> dict[str, Any]:
        values = {name: getattr(self, name) for name in (
            "unit_id", "unit_code", "unit_name", "created", "submitted", "archived", "documents", "personally_signed",
            "organisation_signed", "procedure_dossiers", "digitised", "extracted", "approval_hours")}
        return {**values, "shares": self.shares}


@dataclass
class UsageReport:
    """The six-monthly report: the period, one row per unit the viewer may see, and the total row."""

    period: Period
    rows: list[Indicators]
    total: Indicators
    generated_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(VIETNAM))


def ensure_may_report(actor: Actor) -> None:
    """Reports are for unit heads and unit admins (their unit) and for province-wide roles (every unit)."""
    require(actor, "reports.view", actor.unit_id)


def counts(session: Session, actor: Actor, group_by: str, *, year_from: int | None = None,
           year_to: int | None = None) -> list[CountRow]:
    """Dossiers, documents and pages per group (unit, year, state, retention or procedure) in the viewer's scope."""
    ensure_may_report(actor)
    group_by = choice(Label("group_by", "Nhóm theo", "Group by"), group_by, GROUPS, required=True) or "unit"
    key = {
        "unit": cast(Dossier.unit_id, Integer),
        "year": cast(Dossier.year, Integer),
        "state": Dossier.state,
        "retention": case((Dossier.retention_permanent, literal("permanent")),
                          else_=func.concat(Dossier.retention_years, "")),
        "procedure": func.coalesce(Dossier.procedure_code, ""),
    }[group_by].label("key")
    statement = select(key, func.count().label("dossiers"), func.coalesce(func.sum(Dossier.document_count), 0),
                       func.coalesce(func.sum(Dossier.page_count), 0)).where(*_scope(actor)).group_by(key)
    if year_from:
        statement = statement.where(Dossier.year >= year_from)
    if year_to:
        statement = statement.where(Dossier.year <= year_to)
    rows = session.execute(statement).all()
    names = _unit_names(session, [row[0] for row in rows]) if group_by == "unit" else {}
    made = [CountRow(str(row[0]), _label(group_by, row[0], names), row[1], int(row[2]), int(row[3])) for row in rows]
    return sorted(made, key=lambda row: (names.get(int(row.key), ("",))[0],) if group_by == "unit" else (row.key,))


def indicators(session: Session, actor: Actor, period: Period) -> list[Indicators]:
    """Each visible unit's indicators for the dossiers formed in ``period``, in unit-code order."""
    ensure_may_report(actor)
    start, end = period.bounds()
    scope = {"all": actor.sees_all_units, "unit": actor.unit_id or -1, "start": start, "end": end}
    made: dict[int, Indicators] = {}
    for row in session.execute(_DOSSIER_INDICATORS, scope):
        made[row.unit_id] = Indicators(
            row.unit_id, "", "", created=row.created, submitted=row.submitted, archived=row.archived,
            procedure_dossiers=row.procedure_dossiers, digitised=row.digitised, extracted=row.extracted,
            approvals=row.approvals,
            approval_hours=None if row.approval_seconds is None else round(row.approval_seconds / 3600, 1))
    for row in session.execute(_DOCUMENT_INDICATORS, scope):
        entry = made[row.unit_id]
        entry.documents, entry.personally_signed, entry.organisation_signed = row.documents, row.personal, row.org
    names = _unit_names(session, list(made))
    for unit_id, entry in made.items():
        entry.unit_code, entry.unit_name = names[unit_id]
    return sorted(made.values(), key=lambda entry: entry.unit_code)


def usage_report(session: Session, actor: Actor, period: Period) -> UsageReport:
    """The six-monthly usage report (Đ13.6, Đ18.3): every visible unit's indicators and their total."""
    rows = indicators(session, actor, period)
    total = Indicators(None, "", "Tổng cộng / Total")
    for row in rows:
        for name in ("created", "submitted", "archived", "documents", "personally_signed", "organisation_signed",
                     "procedure_dossiers", "digitised", "extracted", "approvals"):
            setattr(total, name, getattr(total, name) + getattr(row, name))
    timed = [(row.approval_hours, row.approvals) for row in rows if row.approval_hours is not None]
    if timed:
        total.approval_hours = round(sum(hours * n for hours, n in timed) / sum(n for _, n in timed), 1)
    return UsageReport(period, rows, total)


def _scope(actor: Actor) -> list[Any]:
    return [] if actor.sees_all_units else [Dossier.unit_id == (actor.unit_id or -1)]


def _unit_names(session: Session, unit_ids: list[int]) -> dict[int, tuple[str, str]]:
    return {row.id: (row.code, row.name) for row in session.execute(
        select(Unit.id, Unit.code, Unit.name).where(Unit.id.in_(unit_ids)))}


def _label(group_by: str, key: Any, names: dict[int, tuple[str, str]]) -> str:
    if group_by == "unit":
        code, name = names.get(key, ("", str(key)))
        return f"{code} {name}".strip()
    if group_by == "state":
        return STATE_NAMES[key][0] if key in STATE_NAMES else str(key)
    if group_by == "retention":
        return "Vĩnh viễn" if key == "permanent" else f"{key} năm"
    return str(key) or "—"


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


_COHORT = """
  SELECT id, unit_id, procedure_code, submitted_at, approved_at, archived_at FROM dossiers
   WHERE created_at >= :start AND created_at < :end AND (CAST(:all AS boolean) OR unit_id = :unit)
"""
_DOSSIER_INDICATORS = text(f"""
WITH cohort AS ({_COHORT})
SELECT unit_id, count(*) AS created, count(submitted_at) AS submitted, count(archived_at) AS archived,
       count(approved_at) AS approvals,
       avg(extract(epoch FROM approved_at - submitted_at)) FILTER (WHERE approved_at IS NOT NULL) AS approval_seconds,
       count(*) FILTER (WHERE procedure_code IS NOT NULL) AS procedure_dossiers,
       count(*) FILTER (WHERE procedure_code IS NOT NULL AND EXISTS (
         SELECT 1 FROM documents x JOIN digitisations g ON g.document_id = x.id
          WHERE x.dossier_id = cohort.id AND g.state = 'succeeded')) AS digitised,
       count(*) FILTER (WHERE procedure_code IS NOT NULL AND EXISTS (
         SELECT 1 FROM documents x JOIN extractions e ON e.document_id = x.id
          WHERE x.dossier_id = cohort.id AND e.state = 'confirmed')) AS extracted
  FROM cohort GROUP BY unit_id
""")
_DOCUMENT_INDICATORS = text(f"""
WITH cohort AS ({_COHORT}),
signed AS (
  SELECT f.document_id, bool_or(s.kind = 'personal') AS personal, bool_or(s.kind = 'organisation') AS org
    FROM document_files f JOIN signature_validations s ON s.document_file_id = f.id
   WHERE s.status = 'valid' AND f.document_id IN (SELECT x.id FROM documents x JOIN cohort ON x.dossier_id = cohort.id)
   GROUP BY f.document_id)
SELECT x.unit_id, count(*) AS documents, count(*) FILTER (WHERE signed.personal) AS personal,
       count(*) FILTER (WHERE signed.org) AS org
  FROM documents x JOIN cohort ON x.dossier_id = cohort.id LEFT JOIN signed ON signed.document_id = x.id
 GROUP BY x.unit_id
""")
