"""Bulk ingest (issue 6): dossiers through the platform's bulk path against a raw COPY of the same rows, same run.

- Each round draws a batch of the province's dossiers (with their documents) from the generator. The baseline
  first COPYs that batch's rows — already validated and rendered — straight into the very tables, as the database
  superuser (no row-level security, no checks, no audit, no staging), in a transaction that is then rolled back.
  Then ``bulk_ingest.ingest`` takes the same records as a records officer would hand them over: it checks every
  field, issues the codes, numbers the documents, stages the rows with COPY and inserts them under row-level
  security, writes the search text and vocabulary and one audit event, and commits.
- Both sides write into the full-size tables with all their indexes, so the index maintenance is in both figures.
- Rate = dossiers per second of wall-clock time; the goal compares the medians of the rounds.
- The machine's load averages (1 / 5 / 15 minutes) are recorded before and after: the machine may be shared.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable

import bench_province
from bench_report import Goal, Result, doc_notes
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from kholuutru.archive import bulk_ingest

NAME = "ingest"
TITLE = "Bulk ingest through the platform (issue 6)"
ROUNDS = 6
BATCH = 2_000


def run(size: int, say: Callable[[str], None]) -> Result:
    with bench_province.province_archive(say) as province:
        held = bench_province.ensure(province.database, size, say)
        return measure(province, held, say)


def measure(province: bench_province.Province, held: int, say: Callable[[str], None]) -> Result:
    database = province.database
    result = Result(NAME, TITLE, parameters={"dossiers before": held, "rounds": ROUNDS, "batch": BATCH,
                                             "load before": bench_province.load_average()})
    generator = bench_province.Generator(bench_province.build_units(database), seed=random.randrange(10**9))
    generator.numbers.update(bench_province.used_numbers(database))
    superuser = create_engine(province.superuser_url, poolclass=NullPool)
    bulk, raw, documents = [], [], 0
    try:
        for round_number in range(1, ROUNDS + 1):
            records = list(generator.records(BATCH))
            with database.session(bench_province.ACTOR) as session:
                prepared = bulk_ingest.prepare(session, bench_province.ACTOR, records)
                session.rollback()
            raw.append(_raw_copy(superuser, prepared))
            start = time.perf_counter()
            with database.session(bench_province.ACTOR) as session:
                bulk_ingest.ingest(session, bench_province.ACTOR, records)
            bulk.append(time.perf_counter() - start)
            documents += len(prepared.documents)
            say(f"ingest: round {round_number}/{ROUNDS}: bulk {bulk[-1]:.2f} s, raw COPY {raw[-1]:.2f} s")
    finally:
        superuser.dispose()
    bulk_rate, raw_rate = BATCH / statistics.median(bulk), BATCH / statistics.median(raw)
    result.parameters["documents per batch"] = round(documents / ROUNDS)
    result.parameters["load after"] = bench_province.load_average()
    result.figure("bulk ingest, median", bulk_rate, "dossiers/s", "kholuutru.archive.bulk_ingest.ingest")
    result.figure("bulk ingest, slowest round", BATCH / max(bulk), "dossiers/s", "")
    result.figure("raw COPY, median", raw_rate, "dossiers/s", "the same rows, superuser COPY, rolled back")
    result.goals.append(Goal("bulk ingest time / raw COPY time (median)", statistics.median(bulk) /
                             statistics.median(raw), 2.0, "×", "issue 6: ≥ 50 % of the raw COPY rate"))
    result.notes = doc_notes(__doc__)
    return result


def _raw_copy(superuser, prepared: bulk_ingest.Prepared) -> float:  # type: ignore[no-untyped-def]
    with superuser.connect() as connection:
        cursor = connection.connection.driver_connection.cursor()
        cursor.execute("SELECT set_config('kholuutru.bulk_ingest', 'on', true)")  # no per-row search triggers
        start = time.perf_counter()
        for table, columns, rows in (("dossiers", bulk_ingest.DOSSIER_COLUMNS, prepared.dossiers),
                                     ("issued_codes", bulk_ingest.CODE_COLUMNS, prepared.codes),
                                     ("documents", bulk_ingest.DOCUMENT_COLUMNS, prepared.documents)):
            bulk_ingest.copy_rows(cursor, table, columns, rows)
        seconds = time.perf_counter() - start
        connection.rollback()
    return seconds
