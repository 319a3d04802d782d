"""``kholuutru catalogue …``: the annual dossier list to and from Excel at the command line, as the operating staff.

The group adds itself to ``main`` (``cli`` imports this module last), so the two modules load in either order.
"""

from __future__ import annotations

from pathlib import Path

import click

from . import dossier_list_xlsx, dossier_lists
from .access import Actor
from .cli import Context, emit, main, reports, unit_by_code


@click.group("catalogue")
def catalogue_group() -> None:
    """Danh mục hồ sơ (annual dossier lists) and their Excel files."""


@catalogue_group.command("export-list")
@click.option("--unit", "unit_code", required=True, help="Identifier code of the unit, e.g. 000.00.01.H47.")
@click.option("--year", type=int, required=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), required=True, help=".xlsx file to write.")
@reports
def export_list_command(context: Context, as_json: bool, unit_code: str, year: int, output: Path) -> None:
    """Write the unit's list for YEAR as an Excel file in the layout of NĐ 30/2020 Phụ lục V."""
    actor = Actor.system("catalogue-export")
    with context.database() as database, database.session(actor) as session:
        unit = unit_by_code(session, unit_code)
        found = dossier_lists.find_list(session, actor, unit.id, year)
        output.write_bytes(dossier_list_xlsx.export_list(session, actor, found.id))
        permanent, fixed_term = dossier_lists.retention_totals(found)
        result = {"ok": True, "unit": unit.code, "year": year, "status": found.status, "output": str(output),
                  "headings": len(found.headings), "entries": len(found.entries), "permanent": permanent,
                  "fixed_term": fixed_term}
    emit(as_json, result, f"Đã xuất {result['entries']} hồ sơ / exported {result['entries']} entries: {output}")


@catalogue_group.command("import-list")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--unit", "unit_code", required=True, help="Identifier code of the unit, e.g. 000.00.01.H47.")
@click.option("--year", type=int, required=True)
@reports
def import_list_command(context: Context, as_json: bool, file: Path, unit_code: str, year: int) -> None:
    """Create the unit's draft list for YEAR from a Phụ lục V workbook; on any error nothing is created."""
    actor = Actor.system("catalogue-import")
    with context.database() as database, database.session(actor) as session:
        unit = unit_by_code(session, unit_code)
        created = dossier_list_xlsx.import_list(session, actor, unit.id, year, file.read_bytes())
        result = {"ok": True, "id": created.id, "unit": unit.code, "year": created.year, "status": created.status,
                  "headings": len(created.headings), "entries": len(created.entries)}
    emit(as_json, result, f"Đã nhập {result['entries']} hồ sơ / imported {result['entries']} entries "
                          f"({unit_code}, {year})")


main.add_command(catalogue_group)
