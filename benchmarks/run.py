"""Run kholuutru's benchmarks and write BENCHMARKS.md (``make bench``; ``kholuutru bench`` runs this file too).

    python benchmarks/run.py [NAME…] [--json] [--output PATH]
    python benchmarks/run.py generate --dossiers N [--json]

Names: ``backup`` (issue 8), ``operator`` (issue 9), ``search``, ``ingest`` and ``report`` (issue 6); none means
all. Running some names rewrites only their sections of BENCHMARKS.md and keeps the others. ``generate`` grows the
synthetic province (``BENCH_PROVINCE_DIR``, default ``kholuutru-province`` under the work folder) to N dossiers;
the search, ingest and report benchmarks use that province, grown first to ``BENCH_DOSSIERS`` (default 1,000,000).

Speed and memory goals live here, never in
timed unit tests (ARCHITECTURE §7). The benchmarks are development tooling over the source tree — they generate
datasets, start mock clusters and need the test dependencies — so they are scripts beside the code, not part of the
wheel. Sizes: ``BENCH_DOCUMENT_BYTES`` (bytes of documents; several sizes separated by commas, each measured on
its own dataset; default 2 GiB and 8 GiB), ``BENCH_ROUNDS`` (default 3 rounds of the backup measurements on each
dataset, medians reported), ``BENCH_CHANGES`` (default 50 spec changes); ``BENCH_WORK_DIR`` (default the temporary
folder) holds the generated data, removed afterwards.

Exit codes follow the CLI contract (ARCHITECTURE §4): 0 every goal met, 1 a goal missed, 2 bad usage. With
``--json`` exactly one JSON object goes to standard output; progress always goes to standard error.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import bench_backup
import bench_ingest
import bench_machine
import bench_operator
import bench_province
import bench_report
import bench_reports
import bench_search

REPOSITORY = Path(__file__).resolve().parent.parent
BENCHMARKS: dict[str, Callable[[Callable[[str], None]], bench_report.Result]] = {
    bench_backup.NAME: lambda say: bench_backup.run(
        [int(size) for size in os.environ["BENCH_DOCUMENT_BYTES"].split(",")] if os.environ.get("BENCH_DOCUMENT_BYTES")
        else bench_backup.DEFAULT_SIZES,
        int(os.environ.get("BENCH_ROUNDS") or bench_backup.DEFAULT_ROUNDS), say),
    bench_operator.NAME: lambda say: bench_operator.run(
        int(os.environ.get("BENCH_CHANGES") or bench_operator.DEFAULT_CHANGES), say),
    bench_search.NAME: lambda say: bench_search.run(bench_search.size_from_environment(), say),
    bench_ingest.NAME: lambda say: bench_ingest.run(bench_search.size_from_environment(), say),
    bench_reports.NAME: lambda say: bench_reports.run(bench_search.size_from_environment(), say),
}


def main(argv: list[str]) -> int:
    if argv[:1] == ["generate"]:
        return generate(argv[1:])
    parser = argparse.ArgumentParser(prog="kholuutru bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"one of {', '.join(BENCHMARKS)}; default all")
    parser.add_argument("--json", action="store_true", help="print one JSON object on standard output")
    parser.add_argument("--output", type=Path, default=REPOSITORY / "BENCHMARKS.md", help="Markdown report")
    try:
        arguments = parser.parse_args(argv)
    except SystemExit as error:
        return 2 if error.code else 0
    unknown = [name for name in arguments.names if name not in BENCHMARKS]
    if unknown:
        print(f"kholuutru bench: unknown benchmark {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}",
              file=sys.stderr)
        return 2
    names = arguments.names or list(BENCHMARKS)
    machine = bench_machine.describe(Path(os.environ.get("BENCH_WORK_DIR") or tempfile.gettempdir()))
    date = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    results = [BENCHMARKS[name](_say).as_dict() for name in names]
    command = " ".join(["kholuutru bench", *arguments.names])
    previous = arguments.output.read_text(encoding="utf-8") if arguments.output.is_file() else ""
    arguments.output.write_text(bench_report.markdown(machine, date, results, command, list(BENCHMARKS), previous),
                                encoding="utf-8")
    ok = all(result["ok"] for result in results)
    report = {"ok": ok, "date": date, "machine": machine, "benchmarks": results, "output": str(arguments.output)}
    if arguments.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        for result in results:
            for goal in result["goals"]:
                print(f"{goal['verdict']}  {result['name']}: {goal['name']} = {goal['measured']:.3f} "
                      f"(≤ {goal['limit']})")
        print(f"Written: {arguments.output}")
    return 0 if ok else 1


def generate(argv: list[str]) -> int:
    """``generate --dossiers N``: grow the benchmark province to N dossiers through the platform's bulk path."""
    parser = argparse.ArgumentParser(prog="kholuutru bench generate", description=generate.__doc__)
    parser.add_argument("--dossiers", type=int, required=True, help="how many dossiers the province should hold")
    parser.add_argument("--json", action="store_true", help="print one JSON object on standard output")
    try:
        arguments = parser.parse_args(argv)
    except SystemExit as error:
        return 2 if error.code else 0
    if arguments.dossiers < 0:
        print("kholuutru bench generate: --dossiers must not be negative", file=sys.stderr)
        return 2
    clock = bench_report.Stopwatch()
    with bench_province.province_archive(_say) as province, clock():
        held = bench_province.ensure(province.database, arguments.dossiers, _say)
    report = {"ok": True, "dossiers": held, "seconds": round(clock.seconds, 1)}
    print(json.dumps(report) if arguments.json else f"Province: {held:,} dossiers ({clock.seconds:.0f} s)")
    return 0


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
