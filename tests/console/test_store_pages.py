"""Records store screens: warehouses → shelves → boxes with occupancy, added by records staff through the pages.

A unit of this module's own (beside the demo province) with a records staff member and a reader, and a second unit
whose staff must see nothing of the first one's store.
"""

from __future__ import annotations

import re

import pytest
from console_support import create_people, field, form_login, text
from flask.testing import FlaskClient
from sqlalchemy import func, select

from kholuutru.archive import dossiers, fonds, locations, units
from kholuutru.archive.access import Actor
from kholuutru.archive.catalogue_models import Box, Warehouse
from kholuutru.archive.dossier_lists import EntryDraft, HeadingDraft, Retention, approve_list, create_list
from kholuutru.archive.models import Unit
from kholuutru.archive.roles import READER, RECORDS_STAFF

ADMIN = Actor.system("test")
UNITS = (("000.00.63.H47", "Sở Giáo dục và Đào tạo"), ("000.00.64.H47", "Sở Công Thương"))
PEOPLE = (("gd.canbo", RECORDS_STAFF, "000.00.63.H47"), ("gd.khaithac", READER, "000.00.63.H47"),
          ("ct.canbo", RECORDS_STAFF, "000.00.64.H47"))


@pytest.fixture(scope="module")
def people(database, demo) -> dict[str, Actor]:
    with database.session(ADMIN) as session:
        root = session.scalar(select(Unit.id).where(Unit.code == "000.00.00.H47"))
        unit_ids = {code: units.create_unit(session, ADMIN, code=code, name=name, level="department",
                                            parent_id=root).id
                    for code, name in UNITS}
        return create_people(session, [(username, role, unit_ids[code]) for username, role, code in PEOPLE])


@pytest.fixture
def login(app, csrf_token, people):
    def make(username: str) -> FlaskClient:
        return form_login(app, username)

    return make






def warehouse_count(database) -> int:
    with database.session(ADMIN) as session:
        return session.scalar(select(func.count()).select_from(Warehouse))


def test_staff_build_the_store_and_see_each_box_fill(login, csrf_token, people, database, audit_count):
    staff = login("gd.canbo")
    page = text(staff.get("/store/"))
    assert "Đơn vị chưa có kho nào." in page and 'id="kholuutru-add-warehouse"' in page
    token = csrf_token(staff, "/store/")
    before = audit_count()
    answer = staff.post("/store/warehouses", data={"csrf_token": token, "code": "K2", "name": "Kho tầng 2",
                                                   "address": "Số 2 Trần Phú, Tam Kỳ"})
    assert answer.status_code == 302
    warehouse_id = re.search(r'data-warehouse-id="(\d+)"', text(staff.get("/store/"))).group(1)
    answer = staff.post(f"/store/warehouses/{warehouse_id}/shelves", data={"csrf_token": token, "code": "05",
                                                                          "name": "Kệ sắt"})
    assert answer.status_code == 302
    shelf_id = re.search(r'data-shelf-id="(\d+)"', text(staff.get("/store/"))).group(1)
    answer = staff.post(f"/store/shelves/{shelf_id}/boxes", data={"csrf_token": token, "code": "01",
                                                                  "capacity": "20", "note": ""})
    assert answer.status_code == 302
    assert audit_count() == before + 3
    page = text(staff.get("/store/"))
    assert "Đã thêm hộp 01." in page
    row = re.search(r'<tr data-box-id="(\d+)"[^>]*>(.*?)</tr>', page, re.S)
    assert "Kho K2 / Kệ 05 / Hộp 01" in row.group(2)
    assert re.findall(r"<td>(\d+)</td>", row.group(2)) == ["0", "20", "20"]

    box_id = int(row.group(1))
    actor = people["gd.canbo"]
    with database.session(ADMIN) as session:
        fonds.create_fonds(session, ADMIN, actor.unit_id, code="SGD", name="Phông Sở Giáo dục và Đào tạo")
        made = create_list(session, ADMIN, actor.unit_id, 2026, [HeadingDraft(
            title="Tổng hợp", abbreviation="TH", entries=(EntryDraft("Kế hoạch năm học", Retention(False, 20)),))])
        approve_list(session, ADMIN, made.id)
        entry_id = made.entries[0].id
    with database.session(actor) as session:
        dossier_id = dossiers.create_dossier(session, actor, unit_id=actor.unit_id, year=2026,
                                             list_entry_id=entry_id).id
        locations.place_dossier(session, actor, dossier_id, box_id)
    row = re.search(rf'<tr data-box-id="{box_id}"[^>]*>(.*?)</tr>', text(staff.get("/store/")), re.S).group(1)
    assert re.findall(r"<td>(\d+)</td>", row) == ["1", "20", "19"]
    box_page = text(staff.get(f"/store/boxes/{box_id}"))
    assert "Kho K2 / Kệ 05 / Hộp 01" in box_page and "SGD.2026.01.TH" in box_page and "1/20 hồ sơ" in box_page


def test_refusals_stay_beside_their_fields(login, csrf_token, database, audit_count):
    staff = login("gd.canbo")
    token = csrf_token(staff, "/store/")
    before, count = audit_count(), warehouse_count(database)
    answer = staff.post("/store/warehouses", data={"csrf_token": token, "code": "", "name": "Kho không mã",
                                                   "address": ""})
    assert answer.status_code == 422
    page = text(answer)
    assert "Mã kho" in field(page, "warehouse-code") and 'value="Kho không mã"' in field(page, "warehouse-name")
    staff.post("/store/warehouses", data={"csrf_token": token, "code": "K9", "name": "Kho 9", "address": ""})
    answer = staff.post("/store/warehouses", data={"csrf_token": token, "code": "K9", "name": "Kho trùng mã",
                                                   "address": ""})
    assert answer.status_code == 409
    assert "Mã kho K9 đã được dùng." in field(text(answer), "warehouse-code")
    warehouse_id = re.findall(r'data-warehouse-id="(\d+)"', text(staff.get("/store/")))[-1]
    staff.post(f"/store/warehouses/{warehouse_id}/shelves", data={"csrf_token": token, "code": "01", "name": ""})
    shelf_id = re.findall(r'data-shelf-id="(\d+)"', text(staff.get("/store/")))[-1]
    answer = staff.post(f"/store/shelves/{shelf_id}/boxes", data={"csrf_token": token, "code": "H1",
                                                                  "capacity": "hai mươi", "note": "Hồ sơ 2026"})
    assert answer.status_code == 422
    page = text(answer)
    capacity = field(page, f"box-{shelf_id}-capacity")
    assert "Sức chứa (số hồ sơ)" in capacity and "phải là số nguyên" in capacity and 'value="hai mươi"' in capacity
    assert 'value="Hồ sơ 2026"' in field(page, f"box-{shelf_id}-note")
    assert audit_count() == before + 2 and warehouse_count(database) == count + 1
    with database.session(ADMIN) as session:
        assert session.scalar(select(func.count()).select_from(Box).where(Box.shelf_id == int(shelf_id))) == 0


def test_readers_see_the_store_without_forms_and_other_units_see_nothing_of_it(login, csrf_token, people, database,
                                                                                 audit_count):
    staff = people["gd.canbo"]
    with database.session(staff) as session:
        warehouse_id = locations.create_warehouse(session, staff, staff.unit_id, code="K7", name="Kho 7").id
        shelf = locations.create_shelf(session, staff, warehouse_id, code="01")
        box_id = locations.create_box(session, staff, shelf.id, code="01", capacity=5).id
    page = text(login("gd.khaithac").get("/store/"))
    assert "Kho K7 / Kệ 01 / Hộp 01" in page
    assert 'id="kholuutru-add-warehouse"' not in page and "kholuutru-add-box" not in page
    other = login("ct.canbo")
    assert "Kho K7" not in text(other.get("/store/"))
    assert other.get(f"/store/boxes/{box_id}").status_code == 404
    before = audit_count()
    answer = other.post(f"/store/warehouses/{warehouse_id}/shelves",
                        data={"csrf_token": csrf_token(other, "/store/"), "code": "99", "name": ""})
    assert answer.status_code == 404 and "Không có kho số" in text(answer)
    assert audit_count() == before
