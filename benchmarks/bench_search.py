"""Search at province scale (issue 6): the multi-criteria + full-text mix against a naive ILIKE scan, same run.

- The mix: staff of units drawn by size ask for words with and without diacritics, in capitals, with a typo, names
  of applicants, alone or with one to three filters (year, state, procedure, retention, a date range, a document's
  number and symbol, an issuer); each asks for the first page of 20 with the total (exact up to the count cap,
  "more than …" beyond it), through ``kholuutru.archive.search.search`` in its own transaction, as the console does.
  The goals are on this mix: staff search the dossiers of their units (regulation Đ3.3).
- The same kind of questions from a province-wide inspector (every unit's dossiers) are measured apart and shown as
  figures: their hits run to tens of thousands, past the count cap, and they are not what the goal is about.
- The baseline answers the same questions naively: the same filters, but every word as
  ``kholuutru_fold(column) LIKE '%word%'`` over the title and the documents' text — what a diacritic-insensitive
  ILIKE scan must do without the full-text index (the old dossier list searched the title with ILIKE) — counted to
  the same cap, newest first. It cannot correct typos, so it finds less; it only sets the time to beat. It runs on a
  sample of the same queries.
- The machine's load averages (1 / 5 / 15 minutes) are recorded before and after: the machine may be shared.
- Times are wall-clock per query, from the transaction's start to the page of hits (median and 95th percentile).
"""

from __future__ import annotations

import os
import random
import statistics
import time
from collections.abc import Callable

import bench_province
from bench_report import Goal, Result, doc_notes
from sqlalchemy import and_, func, literal, select, text

from kholuutru.archive import search
from kholuutru.archive.access import Actor
from kholuutru.archive.database import Database
from kholuutru.archive.dossier_models import Dossier
from kholuutru.archive.roles import INSPECTOR, RECORDS_STAFF
from kholuutru.archive.vietnamese_folding import fold

NAME = "search"
TITLE = "Search at province scale (issue 6)"
DEFAULT_DOSSIERS = 1_000_000
QUERIES = 150
PROVINCE_QUERIES = 30
BASELINE_QUERIES = 30
WORDS = ("quyết định đầu tư", "quyet dinh dau tu", "QUYẾT ĐỊNH", "quyet dnh phe duyet", "hồ sơ khiếu nại",
         "ho so khieu nai dat dai", "kế hoạch chuyển đổi số", "giay chung nhan quyen su dung dat", "Nguyễn Văn Hùng",
         "tong ket thi dua khen thuong", "tuyển dụng viên chức", "tham dinh du an truong tieu hoc",
         "bao cao giai ngan", "cấp giấy phép xây dựng", "dang ky ho kinh doanh")


def run(size: int, say: Callable[[str], None]) -> Result:
    with bench_province.province_archive(say) as province:
        held = bench_province.ensure(province.database, size, say)
        return measure(province.database, held, say)


def measure(database: Database, held: int, say: Callable[[str], None]) -> Result:
    result = Result(NAME, TITLE, parameters={"dossiers": held, "staff queries": QUERIES,
                                             "baseline queries": BASELINE_QUERIES,
                                             "province-wide queries": PROVINCE_QUERIES,
                                             "count cap": search.COUNT_CAP, "rank cap": search.RANK_CAP,
                                             "load before": bench_province.load_average()})
    percent = min(100.0, 2_000_000 / max(held, 1))
    mix = _mix(database, random.Random(6), percent, QUERIES, province_wide=False)
    wide_mix = _mix(database, random.Random(7), percent, PROVINCE_QUERIES, province_wide=True)
    say(f"search: {len(mix)} queries through the search service")
    ours = [_timed(database, actor, lambda session, a=actor, q=query: search.search(session, a, q))
            for actor, query in mix]
    say(f"search: {BASELINE_QUERIES} of them as a naive scan")
    naive = [_timed(database, actor, lambda session, a=actor, q=query: _naive(session, a, q))
             for actor, query in mix[:BASELINE_QUERIES]]
    ours_sample = ours[:BASELINE_QUERIES]
    median, p95 = statistics.median(ours), _p95(ours)
    result.figure("search, median", median * 1000, "ms", "search service, first page and total")
    result.figure("search, p95", p95 * 1000, "ms", "search service, first page and total")
    say(f"search: {len(wide_mix)} province-wide queries")
    wide = [_timed(database, actor, lambda session, a=actor, q=query: search.search(session, a, q))
            for actor, query in wide_mix]
    result.figure("province-wide search, median", statistics.median(wide) * 1000, "ms", "an inspector, every unit")
    result.figure("province-wide search, p95", _p95(wide) * 1000, "ms", "an inspector, every unit")
    result.figure("naive scan, median", statistics.median(naive) * 1000, "ms", "same filters, words by LIKE")
    result.figure("naive scan, p95", _p95(naive) * 1000, "ms", "same filters, words by LIKE")
    result.figure("search on the baseline's queries, median", statistics.median(ours_sample) * 1000, "ms",
                  "the same queries the naive scan ran")
    result.parameters["load after"] = bench_province.load_average()
    result.goals += [
        Goal("search p95 (multi-criteria + full-text mix)", p95 * 1000, 50, "ms", "issue 6"),
        Goal("search / naive scan (median over the same queries)",
             statistics.median(ours_sample) / statistics.median(naive), 1 / 50, "×", "issue 6: ≥ 50× faster"),
    ]
    result.notes = doc_notes(__doc__)
    return result


def _mix(database: Database, rng: random.Random, percent: float, count: int,
         province_wide: bool) -> list[tuple[Actor, search.SearchQuery]]:
    """The queries: who asks (unit staff by unit size, or an inspector) and what, from the province's data
    (documents of a ``percent`` sample of the dossiers give the numbers, issuers and dates asked for)."""
    with database.session(bench_province.ACTOR) as session:
        sizes = session.execute(select(Dossier.unit_id, func.count()).group_by(Dossier.unit_id)).all()
        samples = session.execute(text(
            "SELECT d.unit_id, d.year, d.procedure_code, x.number, x.symbol, x.issuing_organisation, d.start_date "
            "FROM dossiers d TABLESAMPLE SYSTEM (:percent) JOIN documents x ON x.dossier_id = d.id LIMIT 4000"),
            {"percent": percent}).all()
    by_unit: dict[int, list] = {}
    for row in samples:
        by_unit.setdefault(row.unit_id, []).append(row)
    units = [unit for unit, _ in sizes if unit in by_unit]
    weights = [count for unit, count in sizes if unit in by_unit]
    inspector = Actor(user_id=None, username="bench-inspector", unit_id=None, roles=frozenset({INSPECTOR}))
    mix = []
    for _number in range(count):
        unit = rng.choices(units, weights)[0]
        actor = inspector if province_wide else Actor(user_id=None, username=f"bench-staff-{unit}", unit_id=unit,
                                                      roles=frozenset({RECORDS_STAFF}))
        sample = rng.choice(by_unit[unit])
        filters: dict = {}
        if rng.random() < 0.85:
            filters["text"] = rng.choice(WORDS)
        options = {
            "year": sample.year, "state": rng.choice(("archived", "approved", "submitted")),
            "procedure_code": sample.procedure_code, "retention": rng.choice(("permanent", "10", "20")),
            "date_from": sample.start_date, "document_number": f"{sample.number}/{sample.symbol}",
            "issuer": sample.issuing_organisation.split(" ", 1)[-1][:30],
        }
        for name in rng.sample(sorted(options), rng.randint(0 if filters else 1, 3)):
            if options[name]:
                filters[name] = options[name]
        if "date_from" in filters:
            filters["date_to"] = filters["date_from"].replace(month=12, day=31)
        mix.append((actor, search.SearchQuery(**filters)))
    return mix


def _naive(session, actor: Actor, query: search.SearchQuery) -> list:  # type: ignore[no-untyped-def]
    """The same question without the full-text index: every word a LIKE over the folded title and content."""
    conditions = search.filter_conditions(session, actor, query)
    for word in fold(query.text or "").split():
        pattern = f"%{word}%"
        conditions.append(func.kholuutru_fold(Dossier.title).like(pattern)
                          | func.kholuutru_fold(func.coalesce(Dossier.search_content, "")).like(pattern))
    statement = select(Dossier.id).where(and_(literal(True), *conditions))
    session.scalar(select(func.count()).select_from(statement.limit(search.COUNT_CAP + 1).subquery()))
    return list(session.scalars(statement.with_only_columns(Dossier).order_by(Dossier.id.desc())
                                .limit(query.page_size)))


def _timed(database: Database, actor: Actor, work: Callable) -> float:  # type: ignore[type-arg]
    start = time.perf_counter()
    with database.session(actor) as session:
        work(session)
    return time.perf_counter() - start


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1] if len(values) > 1 else values[0]


def size_from_environment() -> int:
    return int(os.environ.get("BENCH_DOSSIERS") or DEFAULT_DOSSIERS)
