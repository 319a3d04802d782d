"""Search and report screens and REST: unit-scoped hits and reports, highlights, paging, refusals, the report files.

Dossiers go into two demo units through the bulk path (Sở Nội vụ, where ``canbo`` and ``lanhdao`` work, and Sở Tư
pháp, the reader ``khaithac``'s unit); ``thanhtra`` is the province-wide inspector.
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from console_support import text
from openpyxl import load_workbook
from sqlalchemy import select

from kholuutru.archive import bulk_ingest
from kholuutru.archive.access import Actor
from kholuutru.archive.models import Fonds, Unit

sys.path.insert(0, str(Path(__file__).parents[1] / "shared"))
from search_province import TARGET_TITLE, records_for  # noqa: E402

ADMIN = Actor.system("test")


@pytest.fixture(scope="module")
def filed(database, demo) -> dict[str, int]:
    """40 dossiers in Sở Nội vụ and 30 in Sở Tư pháp; returns their unit ids."""
    made = {}
    with database.session(ADMIN) as session:
        for key, code, count in (("NV", "000.00.01.H47", 40), ("TP", "000.00.02.H47", 30)):
            unit = session.scalars(select(Unit).where(Unit.code == code)).one()
            fonds_row = session.scalars(select(Fonds).where(Fonds.unit_id == unit.id)).first()
            if fonds_row is None:
                fonds_row = Fonds(unit_id=unit.id, code=f"T{key}", name=f"Phông {unit.name}", is_open=True)
                session.add(fonds_row)
                session.flush()
            bulk_ingest.ingest(session, ADMIN, records_for(unit.id, fonds_row.id, f"X{key}", count))
            made[key] = unit.id
    return made


def test_the_search_screen_finds_marks_and_pages_the_users_own_dossiers(client_as, filed):
    staff = client_as("canbo")
    page = text(staff.get("/search/?q=quyet+dnh+dong+na"))
    assert "<mark>Quyết</mark> <mark>định</mark>" in page and TARGET_TITLE.split()[-1] in page
    assert page.count("data-dossier-id=") == 1  # Sở Tư pháp's dossier of the same title stays hidden
    paged = text(staff.get("/search/?year=2019&q=nam"))
    assert "kholuutru-hits" in paged
    refused = staff.get("/search/?year=abc")
    assert refused.status_code == 200 and "kholuutru-search-error" in text(refused)
    assert "Năm" in text(refused)


def test_the_search_api_is_unit_scoped_and_refuses_bad_filters(client_as, filed):
    staff, reader, inspector = client_as("canbo"), client_as("khaithac"), client_as("thanhtra")
    mine = staff.get("/api/v1/search/?q=QUYET%20DINH%20DONG%20NA").get_json()
    assert mine["count"] == 1 and mine["result"][0]["unit_id"] == filed["NV"]
    assert "<mark>" in mine["result"][0]["title_html"] and "search_content" not in mine["result"][0]
    theirs = reader.get("/api/v1/search/?q=dong+na").get_json()
    assert theirs["count"] == 1 and theirs["result"][0]["unit_id"] == filed["TP"]
    assert reader.get(f"/api/v1/search/?unit_id={filed['NV']}").get_json()["count"] == 0
    assert inspector.get("/api/v1/search/?q=dong+na").get_json()["count"] == 2
    page = staff.get("/api/v1/search/?page_size=15&page=2").get_json()
    assert page["page"] == 2 and len(page["result"]) == 15 and page["count"] >= 40
    bad = staff.get("/api/v1/search/?date_from=2026-02-01&date_to=2026-01-01")
    assert bad.status_code == 422 and bad.get_json()["field"] == "date_to"


def test_reports_are_scoped_to_the_viewer(client_as, filed):
    head, inspector, staff = client_as("lanhdao"), client_as("thanhtra"), client_as("canbo")
    own = head.get("/api/v1/reports/counts?group_by=unit").get_json()["result"]
    assert [row["key"] for row in own] == [str(filed["NV"])] and own[0]["dossiers"] >= 40
    every = {row["key"] for row in inspector.get("/api/v1/reports/counts?group_by=unit").get_json()["result"]}
    assert {str(filed["NV"]), str(filed["TP"])} <= every
    assert staff.get("/api/v1/reports/counts?group_by=unit").status_code == 403
    assert head.get("/api/v1/reports/counts?group_by=colour").status_code == 422
    usage = head.get("/api/v1/reports/usage?year=2022&half=1").get_json()
    assert [row["unit_id"] for row in usage["result"]] == [filed["NV"]]
    assert usage["total"]["created"] == usage["result"][0]["created"] > 0


def test_the_reports_screen_draws_charts_and_offers_the_files(client_as, filed, tmp_path):
    head = client_as("lanhdao")
    page = text(head.get("/reports/?year=2022&half=1&group_by=state"))
    for chart in ("counts", "created", "archived"):
        assert f'id="kholuutru-chart-{chart}"' in page
    assert "Sở Tư pháp" not in page and "kholuutru-usage-pdf" in page
    workbook = head.get("/reports/usage.xlsx?year=2022&half=1")
    rows = list(load_workbook(io.BytesIO(workbook.data)).active.iter_rows(values_only=True))
    assert rows[-1][1] == "Tổng cộng / Total" and rows[-1][2] == rows[-2][2] > 0
    (tmp_path / "report.pdf").write_bytes(head.get("/reports/usage.pdf?year=2022&half=1").data)
    words = subprocess.run(["pdftotext", str(tmp_path / "report.pdf"), "-"], capture_output=True, text=True,
                           check=True).stdout
    assert "Sở Nội vụ" in words and "Tổng cộng" in words
    refused = client_as("canbo").get("/reports/")
    assert refused.status_code == 403 and "kholuutru-report-error" in text(refused)
