"""The benchmark harness cannot rot: ``kholuutru bench`` runs every benchmark at a tiny size and reports in shape.

Nothing here judges speed (ARCHITECTURE §7: no timed assertions in tests); at this size the fixed costs dominate and
the goals are expected to be missed, so a missed goal (exit 1) is as good as a met one. What must hold is the CLI
contract — one JSON object, exit 0 or 1 — and a report with the machine, every figure and a verdict per goal.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

KHOLUUTRU = str(Path(sys.executable).with_name("kholuutru"))
MACHINE = {"CPU", "Cores", "Memory", "Disk", "Kernel", "Python", "PostgreSQL", "restic"}


@pytest.fixture
def tiny() -> Iterator[dict[str, str]]:
    """Every benchmark at a tiny size; the province in its own folder that the embedded server's user can reach."""
    folder = Path(tempfile.mkdtemp(prefix="kholuutru-province-"))
    folder.chmod(0o755)
    try:
        yield {**os.environ, "BENCH_DOCUMENT_BYTES": "1000000,1500000", "BENCH_CHANGES": "2", "BENCH_DOSSIERS": "300",
               "BENCH_ROUNDS": "2",
               "BENCH_PROVINCE_DIR": str(folder)}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_every_benchmark_runs_and_reports(tmp_path: Path, tiny: dict[str, str]) -> None:
    output = tmp_path / "BENCHMARKS.md"
    environment = tiny
    done = subprocess.run([KHOLUUTRU, "bench", "--json", "--output", str(output)], capture_output=True, text=True,
                          env=environment, timeout=600)
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    assert done.returncode in (0, 1) and len(lines) == 1, (done.returncode, done.stdout, done.stderr[-3000:])
    report = json.loads(lines[0])

    assert set(report["machine"]) == MACHINE
    assert [result["name"] for result in report["benchmarks"]] == ["backup", "operator", "search", "ingest", "report"]
    backup, operator, search, ingest, reports = report["benchmarks"]
    assert [goal["name"] for goal in backup["goals"]] == [
        f"{goal} ({size})" for size in ("977 kiB", "1.43 MiB") for goal in (
            "full backup / plain restic + pg_dump", "incremental after 1 % change / full backup",
            "drill with full verification / plain restore")
    ]
    assert all(goal["verdict"] == ("PASS" if goal["measured"] <= goal["limit"] else "FAIL") for goal in backup["goals"])
    assert report["ok"] == (done.returncode == 0) == all(goal["verdict"] == "PASS" for goal in backup["goals"])
    assert backup["parameters"]["977 kiB document bytes"] > 0.99 * 1_000_000  # each scan is "about" its drawn size
    assert backup["parameters"]["1.43 MiB document bytes"] > 0.99 * 1_500_000
    assert {f"{size}: {figure}" for size in ("977 kiB", "1.43 MiB") for figure in (
        "full: kholuutru backup run", "full: pg_dump -Fc + restic backup", "drill: kholuutru drill run",
        "drill: restic restore + pg_restore")} <= {figure["name"] for figure in backup["figures"]}
    assert operator["goals"] == []
    assert {"change → children applied, median", "change → children applied, p95",
            "operator RSS, idle after start-up"} <= {figure["name"] for figure in operator["figures"]}
    assert [goal["name"] for goal in search["goals"]] == [
        "search p95 (multi-criteria + full-text mix)", "search / naive scan (median over the same queries)"]
    assert search["parameters"]["dossiers"] == 300
    assert {"search, median", "search, p95", "naive scan, median", "naive scan, p95"} <= {
        figure["name"] for figure in search["figures"]}
    assert [goal["name"] for goal in ingest["goals"]] == ["bulk ingest time / raw COPY time (median)"]
    assert {"bulk ingest, median", "raw COPY, median"} <= {figure["name"] for figure in ingest["figures"]}
    assert reports["goals"] == [] and len(reports["figures"]) == 12
    assert all(figure["value"] > 0 for result in report["benchmarks"] for figure in result["figures"])

    text = output.read_text(encoding="utf-8")
    assert "## Machine" in text and "| PostgreSQL |" in text
    assert text.count("**PASS**") + text.count("**FAIL**") == 9


def test_running_some_benchmarks_keeps_the_sections_of_the_others(tmp_path: Path, tiny: dict[str, str]) -> None:
    output = tmp_path / "BENCHMARKS.md"
    kept = "## Off-site backup (issue 8) (`backup`)\n\nRun by `kholuutru bench backup` on 2026-01-01.\n\n| a | b |"
    output.write_text(f"# Benchmarks\n\n## Machine\n\n| | |\n|---|---|\n| CPU | old |\n\n{kept}\n", encoding="utf-8")
    done = subprocess.run([KHOLUUTRU, "bench", "report", "--output", str(output)], capture_output=True, text=True,
                          env=tiny, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    text = output.read_text(encoding="utf-8")
    assert kept in text and "| CPU | old |" not in text
    assert text.index("(`backup`)") < text.index("(`report`)") and "Run by `kholuutru bench report`" in text


def test_generate_grows_the_province_to_the_size_asked(tiny: dict[str, str]) -> None:
    command = [KHOLUUTRU, "bench", "generate", "--dossiers", "120", "--json"]
    first = subprocess.run(command, capture_output=True, text=True, env=tiny, timeout=600)
    assert first.returncode == 0, first.stderr[-3000:]
    assert json.loads(first.stdout)["dossiers"] == 120
    command[4] = "200"
    assert json.loads(subprocess.run(command, capture_output=True, text=True, env=tiny,
                                     timeout=600).stdout)["dossiers"] == 200
    assert subprocess.run([KHOLUUTRU, "bench", "generate", "--dossiers", "x"], capture_output=True,
                          env=tiny).returncode == 2


def test_an_unknown_benchmark_is_bad_usage(tmp_path: Path) -> None:
    done = subprocess.run([KHOLUUTRU, "bench", "nope", "--output", str(tmp_path / "out.md")], capture_output=True,
                          text=True)
    assert done.returncode == 2 and "unknown benchmark nope" in done.stderr
    assert not (tmp_path / "out.md").exists()
