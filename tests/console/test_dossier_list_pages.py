"""Annual dossier list screens: drawn up by the unit admin, approved by the unit head, exported and imported as .xlsx.

A unit of this module's own (beside the demo province) with its admin, head and staff, logged in through the form.
"""

from __future__ import annotations

import re
from io import BytesIO

import pytest
from console_support import create_people, field, form_login, text
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import func, select

from kholuutru.archive import dossier_lists, units
from kholuutru.archive.access import Actor
from kholuutru.archive.catalogue_models import DossierList
from kholuutru.archive.dossier_lists import EntryDraft, HeadingDraft, Retention
from kholuutru.archive.models import Unit
from kholuutru.archive.roles import RECORDS_STAFF, UNIT_ADMIN, UNIT_HEAD

ADMIN = Actor.system("test")
PEOPLE = (("xd.qtdonvi", UNIT_ADMIN), ("xd.lanhdao", UNIT_HEAD), ("xd.canbo", RECORDS_STAFF))


@pytest.fixture(scope="module")
def unit_id(database, demo) -> int:
    with database.session(ADMIN) as session:
        root = session.scalar(select(Unit.id).where(Unit.code == "000.00.00.H47"))
        unit = units.create_unit(session, ADMIN, code="000.00.62.H47", name="Sở Xây dựng", level="department",
                                 parent_id=root)
        create_people(session, [(username, role, unit.id) for username, role in PEOPLE])
        return unit.id


@pytest.fixture
def login(app, csrf_token, unit_id):
    def make(username: str) -> FlaskClient:
        return form_login(app, username)

    return make






def list_count(database) -> int:
    with database.session(ADMIN) as session:
        return session.scalar(select(func.count()).select_from(DossierList))


@pytest.fixture(scope="module")
def approved(database, unit_id) -> int:
    """The unit's approved 2026 list, made with the services: one heading, a permanent and a 10-year dossier."""
    with database.session(ADMIN) as session:
        made = dossier_lists.create_list(session, ADMIN, unit_id, 2026, [HeadingDraft(
            title="Tổng hợp", abbreviation="TH", entries=(
                EntryDraft(title="Hồ sơ hội nghị tổng kết", retention=Retention(permanent=True)),
                EntryDraft(title="Kế hoạch công tác năm", retention=Retention(permanent=False, years=10))))])
        dossier_lists.approve_list(session, ADMIN, made.id)
        return made.id


def test_the_unit_admin_draws_up_a_list_and_the_head_approves_it(login, csrf_token, audit_count):
    admin = login("xd.qtdonvi")
    page = text(admin.get("/dossier-lists/"))
    assert "Lập danh mục" in page and "Nhập từ tệp Excel" in page
    token = csrf_token(admin, "/dossier-lists/")
    answer = admin.post("/dossier-lists/new", data={"csrf_token": token, "year": "2025"})
    assert answer.status_code == 302
    list_path = answer.headers["Location"]
    assert "Danh mục hồ sơ năm 2025" in text(admin.get("/dossier-lists/"))

    answer = admin.post(f"{list_path}/headings", data={"csrf_token": token, "title": "Tổng hợp", "abbreviation": "TH",
                                                       "parent_id": "", "label": ""})
    assert answer.status_code == 302
    page = text(admin.get(list_path))
    heading_id = re.search(r'data-heading-id="(\d+)"', page).group(1)
    answer = admin.post(f"{list_path}/headings", data={"csrf_token": token, "title": "Kế hoạch, báo cáo",
                                                       "abbreviation": "", "parent_id": heading_id, "label": ""})
    assert answer.status_code == 302
    for title, retention in (("Hồ sơ hội nghị tổng kết", "Vĩnh viễn"), ("Kế hoạch công tác năm", "10 năm")):
        answer = admin.post(f"{list_path}/entries", data={"csrf_token": token, "heading_id": heading_id,
                                                          "title": title, "retention": retention,
                                                          "responsible_person": "Trần Văn Thử",
                                                          "responsible_unit": "", "note": ""})
        assert answer.status_code == 302
    page = text(admin.get(list_path))
    assert "01.TH" in page and "02.TH" in page and "Dự thảo" in page
    assert "Danh mục có 2 hồ sơ, gồm 1 hồ sơ bảo quản vĩnh viễn và 1 hồ sơ bảo quản có thời hạn." in page
    assert 'id="kholuutru-list-approve"' not in page  # the admin draws up, the head approves

    staff = login("xd.canbo")
    staff_page = text(staff.get(list_path))
    assert 'id="kholuutru-add-entry"' not in staff_page and 'id="kholuutru-list-approve"' not in staff_page
    assert 'id="kholuutru-list-create"' not in text(staff.get("/dossier-lists/"))

    head = login("xd.lanhdao")
    before = audit_count()
    answer = head.post(f"{list_path}/approve", data={"csrf_token": csrf_token(head, list_path)})
    assert answer.status_code == 302
    page = text(head.get(list_path))
    assert 'id="kholuutru-list-status">Đã duyệt<' in page and "Đã duyệt danh mục hồ sơ." in page
    assert 'id="kholuutru-list-approve"' not in page
    assert 'id="kholuutru-add-heading"' not in text(admin.get(list_path))  # approved: read-only
    assert audit_count() == before + 1


def test_refusals_stay_beside_their_fields_with_the_input_kept(login, csrf_token, database, audit_count):
    admin, head = login("xd.qtdonvi"), login("xd.lanhdao")
    token = csrf_token(admin, "/dossier-lists/")
    before, count = audit_count(), list_count(database)
    answer = admin.post("/dossier-lists/new", data={"csrf_token": token, "year": "năm sau"})
    assert answer.status_code == 422
    year = field(text(answer), "create-year")
    assert "Năm" in year and 'value="năm sau"' in year

    answer = admin.post("/dossier-lists/new", data={"csrf_token": token, "year": "2031"})
    list_path = answer.headers["Location"]
    answer = admin.post(f"{list_path}/headings", data={"csrf_token": token, "title": "Tổ chức", "abbreviation": "tc cb",
                                                       "parent_id": "", "label": ""})
    assert answer.status_code == 422
    page = text(answer)
    assert "chữ in hoa không dấu" in field(page, "heading-abbreviation")
    assert 'value="Tổ chức"' in field(page, "heading-title")
    answer = admin.post(f"{list_path}/headings", data={"csrf_token": token, "title": "Tổ chức", "abbreviation": "TC",
                                                       "parent_id": "", "label": ""})
    heading_id = re.search(r'data-heading-id="(\d+)"', text(admin.get(list_path))).group(1)
    answer = admin.post(f"{list_path}/entries", data={"csrf_token": token, "heading_id": heading_id,
                                                      "title": "Hồ sơ tuyển dụng", "retention": "mãi mãi",
                                                      "responsible_person": "", "responsible_unit": "", "note": ""})
    assert answer.status_code == 422
    page = text(answer)
    assert "phải là &#39;Vĩnh viễn&#39; hoặc số năm" in field(page, "entry-retention")
    assert 'value="Hồ sơ tuyển dụng"' in field(page, "entry-title")

    answer = head.post(f"{list_path}/approve", data={"csrf_token": csrf_token(head, list_path)})
    assert answer.status_code == 409 and "Danh mục chưa có hồ sơ nào" in text(answer)
    assert audit_count() == before + 2 and list_count(database) == count + 1  # the 2031 list and its heading


def test_export_then_import_as_another_year(login, csrf_token, approved):
    admin = login("xd.qtdonvi")
    exported = admin.get(f"/dossier-lists/{approved}/export.xlsx")
    assert exported.status_code == 200
    assert exported.headers["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert 'attachment; filename=danh-muc-ho-so-2026.xlsx' in exported.headers["Content-Disposition"]
    rows = [list(row) for row in load_workbook(BytesIO(exported.data)).active.iter_rows(values_only=True)]
    assert rows[0][0] == "SỞ XÂY DỰNG" and rows[1][0] == "DANH MỤC HỒ SƠ NĂM 2026"

    answer = admin.post("/dossier-lists/import", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(admin, "/dossier-lists/"), "year": "2027",
        "file": (BytesIO(exported.data), "danh-muc.xlsx")})
    assert answer.status_code == 302, text(answer)[:3000]
    page = text(admin.get(answer.headers["Location"]))
    assert "Danh mục hồ sơ năm 2027" in page and "Hồ sơ hội nghị tổng kết" in page and "02.TH" in page
    assert "Đã nhập danh mục hồ sơ năm 2027 gồm 2 hồ sơ." in page


def test_a_bad_workbook_lists_every_problem_by_row_and_column(login, csrf_token, approved, database, audit_count):
    admin = login("xd.qtdonvi")
    workbook = load_workbook(BytesIO(admin.get(f"/dossier-lists/{approved}/export.xlsx").data))
    sheet = workbook.active
    entry_rows = [row[0].row for row in sheet.iter_rows(min_row=6) if str(row[0].value).endswith(".TH")]
    sheet.cell(row=entry_rows[0], column=3, value="mãi mãi")
    sheet.cell(row=entry_rows[1], column=2).value = None  # cell(..., value=None) would leave the title
    buffer = BytesIO()
    workbook.save(buffer)
    before, count = audit_count(), list_count(database)
    token = csrf_token(admin, "/dossier-lists/")
    answer = admin.post("/dossier-lists/import", content_type="multipart/form-data", data={
        "csrf_token": token, "year": "2028", "file": (BytesIO(buffer.getvalue()), "danh-muc.xlsx")})
    assert answer.status_code == 422
    page = text(answer)
    assert "Tệp có 2 lỗi, chưa nhập gì." in field(page, "import-file")
    assert 'value="2028"' in field(page, "import-year")
    problems = page[page.index('id="kholuutru-import-problems"'):]
    assert f"<td>{entry_rows[0]}</td><td>C</td>" in problems and f"<td>{entry_rows[1]}</td><td>B</td>" in problems

    answer = admin.post("/dossier-lists/import", content_type="multipart/form-data", data={
        "csrf_token": token, "year": "2028", "file": (BytesIO(b"%PDF-1.4 not a workbook"), "danh-muc.xlsx")})
    assert answer.status_code == 422
    assert "Tệp không phải bảng tính Excel (.xlsx) đọc được." in field(text(answer), "import-file")
    assert audit_count() == before and list_count(database) == count
