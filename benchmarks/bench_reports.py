"""Reports at province scale (issue 6): each report with the platform's indexes and without them, same run.

- The reports: counts and volumes per unit over the whole province (an inspector), counts per state over three
  years, a unit head's indicators for a half-year, and the province's six-monthly usage report (every unit's
  indicators and the total) — each through ``kholuutru.archive.reports`` in its own transaction.
- The baseline runs the very same calls with the planner forbidden every index (``enable_indexscan``,
  ``enable_bitmapscan`` and ``enable_indexonlyscan`` off for that transaction), i.e. what the query costs without
  the indexes of migration 0006 and the primary and foreign keys'.
- Each is repeated; median and 95th percentile of wall-clock time per call.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from collections.abc import Callable

import bench_province
from bench_report import Result, doc_notes
from sqlalchemy import func, select, text

from kholuutru.archive import reports
from kholuutru.archive.access import Actor
from kholuutru.archive.database import Database
from kholuutru.archive.dossier_models import Dossier
from kholuutru.archive.roles import INSPECTOR, UNIT_HEAD

NAME = "report"
TITLE = "Reports at province scale (issue 6)"
REPEAT = 7
NO_INDEXES = ("enable_indexscan", "enable_bitmapscan", "enable_indexonlyscan")


def run(size: int, say: Callable[[str], None]) -> Result:
    with bench_province.province_archive(say) as province:
        held = bench_province.ensure(province.database, size, say)
        return measure(province.database, held, say)


def measure(database: Database, held: int, say: Callable[[str], None]) -> Result:
    result = Result(NAME, TITLE, parameters={"dossiers": held, "repeats": REPEAT})
    inspector = Actor(user_id=None, username="bench-inspector", unit_id=None, roles=frozenset({INSPECTOR}))
    with database.session(bench_province.ACTOR) as session:
        biggest = session.execute(select(Dossier.unit_id).group_by(Dossier.unit_id)
                                  .order_by(func.count().desc()).limit(1)).scalar_one()
    head = Actor(user_id=None, username="bench-head", unit_id=biggest, roles=frozenset({UNIT_HEAD}))
    year = dt.date.today().year - 2
    period = reports.Period.half_year(year, 1)
    cases: list[tuple[str, Actor, Callable]] = [  # type: ignore[type-arg]
        ("counts per unit, whole province", inspector, lambda s, a: reports.counts(s, a, "unit")),
        ("counts per state, three years", inspector,
         lambda s, a: reports.counts(s, a, "state", year_from=year - 2, year_to=year)),
        ("indicators of the largest unit, half-year", head, lambda s, a: reports.indicators(s, a, period)),
        ("six-monthly usage report, whole province", inspector, lambda s, a: reports.usage_report(s, a, period)),
    ]
    for name, actor, work in cases:
        say(f"report: {name}")
        indexed = [_timed(database, actor, work, indexes=True) for _ in range(REPEAT)]
        bare = [_timed(database, actor, work, indexes=False) for _ in range(max(REPEAT // 2, 2))]
        result.figure(f"{name}, median", statistics.median(indexed) * 1000, "ms", "with the indexes")
        result.figure(f"{name}, p95", _p95(indexed) * 1000, "ms", "with the indexes")
        result.figure(f"{name} without indexes, median", statistics.median(bare) * 1000, "ms",
                      f"{statistics.median(bare) / statistics.median(indexed):.1f} × the indexed median")
    result.notes = doc_notes(__doc__)
    return result


def _timed(database: Database, actor: Actor, work: Callable, *, indexes: bool) -> float:  # type: ignore[type-arg]
    start = time.perf_counter()
    with database.session(actor) as session:
        if not indexes:
            for setting in NO_INDEXES:
                session.execute(text("SELECT set_config(:name, 'off', true)"), {"name": setting})
        work(session, actor)
    return time.perf_counter() - start


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1] if len(values) > 1 else values[0]
