"""Run kholuutru's benchmarks and write BENCHMARKS.md (``make bench``; ``kholuutru bench`` runs this file too).

    python benchmarks/run.py [NAME…] [--json] [--output PATH]

Names: ``backup`` (issue 8) and ``operator`` (issue 9); none means all. Speed and memory goals live here, never in
timed unit tests (ARCHITECTURE §7). The benchmarks are development tooling over the source tree — they generate
datasets, start mock clusters and need the test dependencies — so they are scripts beside the code, not part of the
wheel. Sizes: ``BENCH_DOCUMENT_BYTES`` (default 2 GiB of documents), ``BENCH_ROUNDS`` (default 3 rounds of the backup
measurements on that dataset, medians reported), ``BENCH_CHANGES`` (default 50 spec changes);
``BENCH_WORK_DIR`` (default the temporary folder) holds the generated data, removed afterwards.

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
import bench_machine
import bench_operator
import bench_report

REPOSITORY = Path(__file__).resolve().parent.parent
BENCHMARKS: dict[str, Callable[[Callable[[str], None]], bench_report.Result]] = {
    bench_backup.NAME: lambda say: bench_backup.run(
        int(os.environ.get("BENCH_DOCUMENT_BYTES") or bench_backup.DEFAULT_BYTES),
        int(os.environ.get("BENCH_ROUNDS") or bench_backup.DEFAULT_ROUNDS), say),
    bench_operator.NAME: lambda say: bench_operator.run(
        int(os.environ.get("BENCH_CHANGES") or bench_operator.DEFAULT_CHANGES), say),
}


def main(argv: list[str]) -> int:
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
    previous = arguments.output.read_text(encoding="utf-8") if arguments.output.exists() else ""
    arguments.output.write_text(bench_report.markdown(machine, date, results, command, previous, list(BENCHMARKS)),
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


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
