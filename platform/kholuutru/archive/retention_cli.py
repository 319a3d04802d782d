"""``kholuutru retention due`` and ``kholuutru access-report``: the review list and the access report at the command
line, as the operating staff (a province-wide actor), for scripts and for printing.

The group adds itself to ``main`` (``cli`` imports this module last), like the other component CLIs.
"""

from __future__ import annotations

from dataclasses import asdict, astuple
from pathlib import Path

import click

from . import access_report, retention
from .access import Actor
from .cli import Context, emit, main, reports, unit_by_code


@click.group("retention")
def retention_group() -> None:
    """Thời hạn lưu trữ (retention): dossiers due for review."""


@retention_group.command("due")
@click.option("--unit", "unit_code", required=True, help="Identifier code of the unit, e.g. 000.00.01.H47.")
@reports
def due_command(context: Context, as_json: bool, unit_code: str) -> None:
    """List the unit's archived dossiers whose retention is over (held ones flagged)."""
    actor = Actor.system("retention-due")
    with context.database() as database, database.session(actor) as session:
        unit = unit_by_code(session, unit_code)
        due = [item.as_dict() for item in retention.due_for_review(session, actor, unit.id)]
    lines = [f"{item['code']}  {item['expiry']}  {'GIỮ/HOLD ' if item['legal_hold'] else ''}{item['title']}"
             for item in due]
    emit(as_json, {"ok": True, "unit": unit.code, "due": due},
         "\n".join([f"{len(due)} hồ sơ hết thời hạn / dossiers due for review ({unit.code})", *lines]))


@main.command("access-report")
@click.option("--unit", "unit_code", default=None, help="Identifier code of the unit; default: every unit.")
@click.option("--start", required=True, help="First day, YYYY-MM-DD.")
@click.option("--end", required=True, help="Last day, YYYY-MM-DD.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the report to this .csv or .xlsx file.")
@reports
def access_report_command(context: Context, as_json: bool, unit_code: str | None, start: str, end: str,
                          output: Path | None) -> None:
    """Báo cáo khai thác: requests, decisions, views and downloads per unit over a period."""
    actor = Actor.system("access-report")
    with context.database() as database, database.session(actor) as session:
        unit_id = unit_by_code(session, unit_code).id if unit_code else None
        rows = access_report.access_report(session, actor, unit_id, start, end)
    if output is not None:
        output.write_bytes(access_report.report_xlsx(rows) if output.suffix.lower() == ".xlsx"
                           else access_report.report_csv(rows))
    table = [access_report.headers("vi"), *[tuple(str(value) for value in astuple(row)) for row in rows]]
    widths = [max(len(line[column]) for line in table) for column in range(len(table[0]))]
    human = "\n".join("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True))
                      for line in table)
    emit(as_json, {"ok": True, "start": start, "end": end, "rows": [asdict(row) for row in rows],
                   "output": str(output) if output else None}, human)


main.add_command(retention_group)
