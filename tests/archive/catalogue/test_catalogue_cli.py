"""``kholuutru catalogue export-list`` / ``import-list``: one JSON object, exit 0, or exit 2 for bad input."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from kholuutru.archive import dossier_lists as dl
from kholuutru.archive.cli import main
from kholuutru.archive.roles import UNIT_ADMIN


@pytest.fixture(scope="module")
def cli(database, tmp_path_factory):
    """Run ``kholuutru`` in-process against this module's database."""
    env = {"KHOLUUTRU_DATABASE_URL": database.app_url, "KHOLUUTRU_DATABASE_OWNER_URL": database.owner_url}
    data_dir = tmp_path_factory.mktemp("cli-data")

    def run(*args: str):
        return CliRunner().invoke(main, ["--data-dir", str(data_dir), "catalogue", *args], env=env)

    return run


@pytest.fixture(scope="module")
def list_2025(database, two_units, person):
    admin = person(two_units.a, UNIT_ADMIN)
    with database.session(admin) as session:
        created = dl.create_list(session, admin, two_units.a, 2025)
        heading = dl.add_heading(session, admin, created.id, title="Tổng hợp", abbreviation="TH")
        dl.add_entry(session, admin, created.id, heading_id=heading.id, title="Hồ sơ hội nghị", retention="Vĩnh viễn")
        dl.add_entry(session, admin, created.id, heading_id=heading.id, title="Báo cáo tháng", retention=5)
    return created.id


def one_json(result) -> dict:
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    return json.loads(lines[0])


def test_export_then_import_into_another_unit(cli, two_units, list_2025, tmp_path, database, person):
    output = tmp_path / "dmhs-2025.xlsx"
    exported = cli("export-list", "--unit", two_units.a_code, "--year", "2025", "--output", str(output), "--json")
    assert exported.exit_code == 0, exported.output
    assert one_json(exported) == {"ok": True, "unit": two_units.a_code, "year": 2025, "status": "draft",
                                  "output": str(output), "headings": 1, "entries": 2, "permanent": 1,
                                  "fixed_term": 1}
    imported = cli("import-list", str(output), "--unit", two_units.b_code, "--year", "2028", "--json")
    assert imported.exit_code == 0, imported.output
    body = one_json(imported)
    assert (body["ok"], body["unit"], body["year"], body["headings"], body["entries"]) == (
        True, two_units.b_code, 2028, 1, 2)
    admin_b = person(two_units.b, UNIT_ADMIN)
    with database.session(admin_b) as session:
        numbers = [e.number_symbol for e in dl.find_list(session, admin_b, two_units.b, 2028).entries]
    assert numbers == ["01.TH", "02.TH"]
    human = cli("export-list", "--unit", two_units.b_code, "--year", "2028", "--output", str(tmp_path / "b.xlsx"))
    assert human.exit_code == 0 and "exported 2 entries" in human.stdout


def test_bad_input_exits_2_with_the_field(cli, two_units, list_2025, tmp_path):
    output = str(tmp_path / "x.xlsx")
    unknown = cli("export-list", "--unit", "999.99.99.H47", "--year", "2025", "--output", output, "--json")
    assert unknown.exit_code == 2 and one_json(unknown)["field"] == "unit"
    missing = cli("export-list", "--unit", two_units.a_code, "--year", "1990", "--output", output, "--json")
    assert missing.exit_code == 2 and one_json(missing)["field"] == "year"
    assert cli("export-list", "--unit", two_units.a_code, "--json").exit_code == 2


def test_a_bad_workbook_lists_every_problem_and_creates_nothing(cli, two_units, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["Số và ký hiệu hồ sơ", "Tên đề mục và tiêu đề hồ sơ", "Thời hạn bảo quản", "Người lập hồ sơ",
                  "Ghi chú"])
    sheet.append(["I", "Tổng hợp", None, None, "TH"])
    sheet.append(["01.TH", "Hồ sơ", "lâu dài", None, None])
    path = tmp_path / "bad.xlsx"
    book.save(path)
    refused = cli("import-list", str(path), "--unit", two_units.b_code, "--year", "2029", "--json")
    assert refused.exit_code == 2
    body = one_json(refused)
    assert body["ok"] is False and body["field"] == "file"
    assert body["errors"] == [{"sheet": "Sheet", "row": 3, "column": "C", "message": body["errors"][0]["message"]}]
    assert "lâu dài" in body["errors"][0]["message"]
    again = cli("export-list", "--unit", two_units.b_code, "--year", "2029", "--output", str(tmp_path / "n.xlsx"),
                "--json")
    assert again.exit_code == 2 and one_json(again)["field"] == "year"
