"""The benchmark harness cannot rot: ``kholuutru bench`` runs every benchmark at a tiny size and reports in shape.

Nothing here judges speed (ARCHITECTURE §7: no timed assertions in tests); at this size the fixed costs dominate and
the goals are expected to be missed, so a missed goal (exit 1) is as good as a met one. What must hold is the CLI
contract — one JSON object, exit 0 or 1 — and a report with the machine, every figure and a verdict per goal.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

KHOLUUTRU = str(Path(sys.executable).with_name("kholuutru"))
MACHINE = {"CPU", "Cores", "Memory", "Disk", "Kernel", "Python", "PostgreSQL", "restic"}


def test_every_benchmark_runs_and_reports(tmp_path: Path) -> None:
    output = tmp_path / "BENCHMARKS.md"
    environment = {**os.environ, "BENCH_DOCUMENT_BYTES": "1000000", "BENCH_CHANGES": "2", "BENCH_ROUNDS": "2"}
    done = subprocess.run([KHOLUUTRU, "bench", "--json", "--output", str(output)], capture_output=True, text=True,
                          env=environment, timeout=600)
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    assert done.returncode in (0, 1) and len(lines) == 1, (done.returncode, done.stdout, done.stderr[-3000:])
    report = json.loads(lines[0])

    assert set(report["machine"]) == MACHINE
    assert [result["name"] for result in report["benchmarks"]] == ["backup", "operator"]
    backup, operator = report["benchmarks"]
    assert [goal["name"] for goal in backup["goals"]] == [
        "full backup / plain restic + pg_dump", "incremental after 1 % change / full backup",
        "drill with full verification / plain restore",
    ]
    assert all(goal["verdict"] == ("PASS" if goal["measured"] <= goal["limit"] else "FAIL") for goal in backup["goals"])
    assert report["ok"] == (done.returncode == 0) == all(goal["verdict"] == "PASS" for goal in backup["goals"])
    assert backup["parameters"]["document bytes"] > 0.99 * 1_000_000  # each scan is "about" its drawn size
    assert {"full: kholuutru backup run", "full: pg_dump -Fc + restic backup", "drill: kholuutru drill run",
            "drill: restic restore + pg_restore"} <= {figure["name"] for figure in backup["figures"]}
    assert operator["goals"] == []
    assert {"change → children applied, median", "change → children applied, p95",
            "operator RSS, idle after start-up"} <= {figure["name"] for figure in operator["figures"]}
    assert all(figure["value"] > 0 for result in report["benchmarks"] for figure in result["figures"])

    text = output.read_text(encoding="utf-8")
    assert "## Machine" in text and "| PostgreSQL |" in text
    assert text.count("**PASS**") + text.count("**FAIL**") == 3


def test_an_unknown_benchmark_is_bad_usage(tmp_path: Path) -> None:
    done = subprocess.run([KHOLUUTRU, "bench", "nope", "--output", str(tmp_path / "out.md")], capture_output=True,
                          text=True)
    assert done.returncode == 2 and "unknown benchmark nope" in done.stderr
    assert not (tmp_path / "out.md").exists()


def test_a_partial_run_keeps_the_sections_of_the_benchmarks_not_run() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    import bench_report

    def result(name: str, value: float) -> dict:
        return {"name": name, "title": name.capitalize(), "parameters": {}, "goals": [], "notes": [],
                "figures": [{"name": f"{name} figure", "value": value, "unit": "s", "note": ""}]}

    order = ["backup", "operator"]
    both = bench_report.markdown({"CPU": "x"}, "T1", [result("backup", 1), result("operator", 2)], "bench", "", order)
    operator_only = bench_report.markdown({"CPU": "x"}, "T2", [result("operator", 3)], "bench operator", both, order)
    assert "| backup figure | 1 s |" in operator_only and "| operator figure | 3 s |" in operator_only
    assert operator_only.index("(`backup`)") < operator_only.index("(`operator`)")
    assert "Not rerun this time: figures from the run of T1." in operator_only
    again = bench_report.markdown({"CPU": "x"}, "T3", [result("operator", 4)], "bench operator", operator_only, order)
    assert again.count("Not rerun this time") == 1 and "figures from the run of T1." in again
    backup_only = bench_report.markdown({"CPU": "x"}, "T4", [result("backup", 5)], "bench backup", again, order)
    assert "| backup figure | 5 s |" in backup_only and "| operator figure | 4 s |" in backup_only
    assert "figures from the run of T3." in backup_only and "run of T1" not in backup_only
