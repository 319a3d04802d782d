"""REST API of the catalogue: fonds, annual dossier lists (with .xlsx export and import) and the records store.

Two departments of their own, built with the archive's services: A (Sở Tài nguyên) with an open fonds and an approved
list for this year, so dossiers can be formed and placed in boxes; B (Sở Giao thông) whose people must reach nothing
of A. Every call goes through FAB's JWT login, as a client program's would.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from console_support import PASSWORD, create_people
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import func, select

from kholuutru.archive import dossier_lists, dossiers, fonds, locations, roles, units
from kholuutru.archive.access import Actor
from kholuutru.archive.catalogue_models import DossierList
from kholuutru.archive.dossier_lists import EntryDraft, HeadingDraft, Retention
from kholuutru.archive.models import AuditEvent, Unit

YEAR = dt.date.today().year
ADMIN = Actor.system("test")
PEOPLE = (
    ("tn.quantri", roles.UNIT_ADMIN, "A"), ("tn.lanhdao", roles.UNIT_HEAD, "A"), ("tn.canbo", roles.RECORDS_STAFF, "A"),
    ("tn.khaithac", roles.READER, "A"), ("gt.quantri", roles.UNIT_ADMIN, "B"), ("gt.canbo", roles.RECORDS_STAFF, "B"),
)


@dataclass
class Place:
    """What the fixture built: unit ids, the people as actors, A's dossiers and B's box."""

    units: dict[str, int]
    people: dict[str, Actor]
    dossiers: list[int]
    foreign_box: int


@pytest.fixture(scope="module")
def place(database, demo) -> Place:
    with database.session(ADMIN) as session:
        province = session.scalar(select(Unit.id).where(Unit.code == "000.00.00.H47"))
        made = {key: units.create_unit(session, ADMIN, code=code, name=name, level="department", parent_id=province).id
                for key, code, name in (("A", "000.00.74.H47", "Sở Tài nguyên và Môi trường"),
                                        ("B", "000.00.75.H47", "Sở Giao thông vận tải"))}
        people = create_people(session, [(username, role, made[unit]) for username, role, unit in PEOPLE])
    unit_admin, head, staff = people["tn.quantri"], people["tn.lanhdao"], people["tn.canbo"]
    with database.session(unit_admin) as session:
        fonds.create_fonds(session, unit_admin, made["A"], code="STNMT", name="Phông Sở Tài nguyên và Môi trường")
        entries = tuple(EntryDraft(title=f"Hồ sơ số {n}", retention=Retention(permanent=False, years=5))
                        for n in range(1, 6))
        list_id = dossier_lists.create_list(session, unit_admin, made["A"], YEAR,
                                            [HeadingDraft(title="Tổng hợp", abbreviation="TH", entries=entries)]).id
    with database.session(head) as session:
        entry_ids = [entry.id for entry in dossier_lists.approve_list(session, head, list_id).entries]
    with database.session(staff) as session:
        formed = [dossiers.create_dossier(session, staff, unit_id=made["A"], year=YEAR, list_entry_id=entry).id
                  for entry in entry_ids[:3]]
    foreign = people["gt.canbo"]
    with database.session(foreign) as session:
        warehouse = locations.create_warehouse(session, foreign, made["B"], code="K9", name="Kho Sở Giao thông")
        shelf = locations.create_shelf(session, foreign, warehouse.id, code="01")
        foreign_box = locations.create_box(session, foreign, shelf.id, code="01", capacity=10).id
    return Place(made, people, formed, foreign_box)


@pytest.fixture(scope="module")
def tokens(app: Flask, place: Place) -> dict[str, str]:
    """Everyone logged in once, up front (a login is an audited change)."""
    tokens = {}
    for username in place.people:
        answer = app.test_client().post("/api/v1/security/login",
                                        json={"username": username, "password": PASSWORD, "provider": "db"})
        tokens[username] = answer.get_json()["access_token"]
    return tokens


@pytest.fixture
def call(client: FlaskClient, tokens) -> Callable[..., object]:
    """``call(username, method, path, **kwargs)`` with that person's bearer token."""

    def send(username: str, method: str, path: str, **kwargs):
        return getattr(client, method)(path, headers={"Authorization": f"Bearer {tokens[username]}"}, **kwargs)

    return send


def audit_head(database) -> int:
    with database.session(ADMIN) as session:
        return session.scalar(select(func.max(AuditEvent.seq))) or 0


def lists_of(database, unit_id: int) -> int:
    with database.session(ADMIN) as session:
        return session.scalar(select(func.count()).where(DossierList.unit_id == unit_id)) or 0


# -- fonds --------------------------------------------------------------------------------------------------------


def test_fonds_are_created_listed_and_shown(call, place, database):
    start = audit_head(database)
    answer = call("tn.quantri", "post", "/api/v1/fonds/", json={
        "code": "stnmt-cu", "name": "Phông Sở Địa chính (cũ)", "is_open": False, "time_span": "1990–2008",
        "paper_total": 1200})
    assert answer.status_code == 201, answer.get_json()
    created = answer.get_json()
    assert (created["code"], created["unit_id"], created["is_open"]) == ("STNMT-CU", place.units["A"], False)
    assert audit_head(database) == start + 1

    listed = call("tn.khaithac", "get", "/api/v1/fonds/").get_json()
    assert listed["unit_id"] == place.units["A"]
    assert [row["code"] for row in listed["result"]] == ["STNMT", "STNMT-CU"]
    assert call("tn.khaithac", "get", f"/api/v1/fonds/{created['id']}").get_json()["paper_total"] == 1200
    assert call("gt.quantri", "get", f"/api/v1/fonds/{created['id']}").status_code == 404
    assert call("gt.quantri", "get", f"/api/v1/fonds/?unit_id={place.units['A']}").get_json()["result"] == []


@pytest.mark.parametrize(
    ("username", "body", "status", "name"),
    [
        ("tn.canbo", {"code": "X1", "name": "Không có quyền"}, 403, None),
        ("gt.quantri", {"code": "X2", "name": "Đơn vị khác", "unit_id": "{A}"}, 403, None),
        ("tn.quantri", {"code": "STNMT", "name": "Trùng mã"}, 409, "code"),
        ("tn.quantri", {"code": "có dấu", "name": "Mã sai"}, 422, "code"),
        ("tn.quantri", {"code": "X3", "name": "N" * 10_000}, 422, "name"),
        ("tn.quantri", {"code": "X4", "name": "Trường lạ", "mau_sac": "đỏ"}, 422, "mau_sac"),
        ("tn.quantri", {"code": "X5", "name": "Tên tham số", "actor": "admin"}, 422, "actor"),
        ("tn.quantri", {"code": "X6", "name": "Số", "paper_total": -1}, 422, "paper_total"),
    ],
)
def test_a_refused_fonds_names_the_field_and_stores_nothing(call, place, database, username, body, status, name):
    start = audit_head(database)
    body = {key: place.units["A"] if value == "{A}" else value for key, value in body.items()}
    answer = call(username, "post", "/api/v1/fonds/", json=body)
    assert answer.status_code == status, answer.get_json()
    assert answer.get_json().get("field") == name
    assert audit_head(database) == start


# -- annual dossier lists -----------------------------------------------------------------------------------------


def test_a_list_is_drawn_up_approved_and_exported(call, place, database):
    admin = "tn.quantri"
    start = audit_head(database)
    created = call(admin, "post", "/api/v1/dossier-lists/", json={"year": YEAR - 1})
    assert created.status_code == 201, created.get_json()
    list_id = created.get_json()["id"]
    assert (created.get_json()["status"], created.get_json()["status_label"]) == ("draft", "Dự thảo")

    large = call(admin, "post", f"/api/v1/dossier-lists/{list_id}/headings",
                 json={"title": "Quản lý đất đai", "abbreviation": "DD"}).get_json()
    small = call(admin, "post", f"/api/v1/dossier-lists/{list_id}/headings",
                 json={"title": "Giao đất, cho thuê đất", "parent_id": large["id"]}).get_json()
    assert (large["label"], small["label"], small["parent_id"]) == ("I", "1", large["id"])
    numbers = [call(admin, "post", f"/api/v1/dossier-lists/{list_id}/entries", json={
        "heading_id": heading["id"], "title": title, "retention": retention}).get_json()["number_symbol"]
        for heading, title, retention in ((large, "Hồ sơ quy hoạch sử dụng đất", "Vĩnh viễn"),
                                          (small, "Hồ sơ giao đất năm", "20 năm"))]
    assert numbers == ["01.DD", "02.DD"]

    assert call(admin, "post", f"/api/v1/dossier-lists/{list_id}/approve").status_code == 403
    approved = call("tn.lanhdao", "post", f"/api/v1/dossier-lists/{list_id}/approve")
    assert approved.status_code == 200 and approved.get_json()["status"] == "approved"
    assert audit_head(database) == start + 6  # list, 2 headings, 2 entries, approval

    shown = call("tn.khaithac", "get", f"/api/v1/dossier-lists/{list_id}").get_json()
    assert shown["totals"] == {"permanent": 1, "fixed_term": 1}
    [node] = shown["outline"]
    assert node["heading"]["title"] == "Quản lý đất đai"
    assert [e["number_symbol"] for e in node["entries"]] == ["01.DD"]
    assert [e["number_symbol"] for e in node["children"][0]["entries"]] == ["02.DD"]

    late = call(admin, "post", f"/api/v1/dossier-lists/{list_id}/entries",
                json={"heading_id": large["id"], "title": "Muộn", "retention": "5 năm"})
    assert late.status_code == 409 and late.get_json()["field"] == "status"

    exported = call("tn.khaithac", "get", f"/api/v1/dossier-lists/{list_id}/export")
    assert exported.status_code == 200
    assert exported.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert f"danh-muc-ho-so-{YEAR - 1}.xlsx" in exported.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(exported.data)).active
    assert sheet["A2"].value == f"DANH MỤC HỒ SƠ NĂM {YEAR - 1}"

    listed = call("tn.khaithac", "get", "/api/v1/dossier-lists/").get_json()["result"]
    assert [row["year"] for row in listed][:2] == [YEAR, YEAR - 1]


def exported_list(call, place) -> bytes:
    """The approved list of this year (made by the fixture) as a workbook."""
    lists = call("tn.quantri", "get", "/api/v1/dossier-lists/").get_json()["result"]
    list_id = next(row["id"] for row in lists if row["year"] == YEAR)
    return call("tn.quantri", "get", f"/api/v1/dossier-lists/{list_id}/export").data


def workbook_upload(content: bytes, year: int, **fields) -> dict:
    return {"data": {"file": (io.BytesIO(content), "danh-muc.xlsx"), "year": str(year), **fields},
            "content_type": "multipart/form-data"}


def test_an_exported_list_imports_into_another_year(call, place, database):
    start = audit_head(database)
    answer = call("tn.quantri", "post", "/api/v1/dossier-lists/import", **workbook_upload(exported_list(call, place),
                                                                                          YEAR - 2))
    assert answer.status_code == 201, answer.get_json()
    imported = answer.get_json()
    assert (imported["year"], imported["status"], imported["unit_id"]) == (YEAR - 2, "draft", place.units["A"])
    assert [e["number_symbol"] for e in imported["outline"][0]["entries"]] == [f"{n:02d}.TH" for n in range(1, 6)]
    assert audit_head(database) == start + 1  # one import, one event


def test_a_bad_workbook_names_every_row_and_column_and_creates_nothing(call, place, database):
    workbook = load_workbook(io.BytesIO(exported_list(call, place)))
    sheet = workbook.active
    rows = [row for row in sheet.iter_rows(min_row=1) if str(row[0].value or "").endswith(".TH")]
    rows[0][2].value = "mãi mãi"
    rows[2][1].value = None
    buffer = io.BytesIO()
    workbook.save(buffer)
    before = (lists_of(database, place.units["A"]), audit_head(database))
    answer = call("tn.quantri", "post", "/api/v1/dossier-lists/import", **workbook_upload(buffer.getvalue(), 2001))
    assert answer.status_code == 422
    body = answer.get_json()
    assert body["field"] == "file" and body["message"].startswith("Tệp có 2 lỗi")
    assert [(e["row"], e["column"]) for e in body["errors"]] == [(rows[0][2].row, "C"), (rows[2][1].row, "B")]
    assert all(e["sheet"] == sheet.title and e["message"] for e in body["errors"])
    english = call("tn.quantri", "post", "/api/v1/dossier-lists/import?_l_=en",
                   **workbook_upload(buffer.getvalue(), 2001)).get_json()
    assert english["message"].startswith("The file has 2 problem(s)")
    assert (lists_of(database, place.units["A"]), audit_head(database)) == before


@pytest.mark.parametrize(
    ("username", "upload", "status", "name"),
    [
        ("tn.quantri", {"content": b"PK\x03\x04 not really a workbook", "year": 2002}, 422, "file"),
        ("tn.quantri", {"content": None, "year": YEAR}, 409, "year"),
        ("tn.quantri", {"content": None, "year": "năm nay"}, 422, "year"),
        ("tn.canbo", {"content": None, "year": 2003}, 403, None),
        ("gt.quantri", {"content": None, "year": 2004, "unit_id": "{A}"}, 403, None),
    ],
)
def test_a_refused_import_is_a_clear_4xx(call, place, database, username, upload, status, name):
    content = upload["content"] or exported_list(call, place)
    extra = {"unit_id": str(place.units["A"])} if upload.get("unit_id") else {}
    before = (lists_of(database, place.units["A"]), audit_head(database))
    answer = call(username, "post", "/api/v1/dossier-lists/import", **workbook_upload(content, upload["year"], **extra))
    assert answer.status_code == status, answer.get_json()
    assert answer.get_json().get("field") == name
    assert (lists_of(database, place.units["A"]), audit_head(database)) == before


def test_another_units_people_reach_no_list(call, place):
    own = call("tn.quantri", "get", "/api/v1/dossier-lists/").get_json()["result"][0]["id"]
    for method, path, body in (("get", f"/api/v1/dossier-lists/{own}", None),
                               ("get", f"/api/v1/dossier-lists/{own}/export", None),
                               ("post", f"/api/v1/dossier-lists/{own}/headings", {"title": "Lạ"}),
                               ("post", f"/api/v1/dossier-lists/{own}/entries", {"heading_id": 1, "title": "Lạ",
                                                                                 "retention": "5 năm"}),
                               ("post", f"/api/v1/dossier-lists/{own}/approve", None)):
        answer = call("gt.quantri", method, path, **({"json": body} if body else {}))
        assert answer.status_code == 404, path
    assert call("gt.quantri", "get", f"/api/v1/dossier-lists/?unit_id={place.units['A']}").get_json()["result"] == []


# -- the records store --------------------------------------------------------------------------------------------


def test_warehouses_shelves_boxes_and_placing_dossiers(call, place, database):
    staff = "tn.canbo"
    start = audit_head(database)
    warehouse = call(staff, "post", "/api/v1/locations/warehouses",
                     json={"code": "K1", "name": "Kho lưu trữ cơ quan", "address": "Tầng 2"})
    assert warehouse.status_code == 201, warehouse.get_json()
    shelf = call(staff, "post", f"/api/v1/locations/warehouses/{warehouse.get_json()['id']}/shelves",
                 json={"code": "03", "name": "Giá 03"})
    assert shelf.status_code == 201, shelf.get_json()
    box = call(staff, "post", f"/api/v1/locations/shelves/{shelf.get_json()['id']}/boxes",
               json={"code": "12", "capacity": 1})
    assert box.status_code == 201, box.get_json()
    box_id = box.get_json()["id"]
    assert box.get_json()["label"] == "Kho K1 / Kệ 03 / Hộp 12"
    assert audit_head(database) == start + 3

    first, second, _ = place.dossiers
    placed = call(staff, "post", f"/api/v1/dossiers/{first}/box", json={"box_id": box_id})
    assert placed.status_code == 200 and placed.get_json()["box_id"] == box_id
    full = call(staff, "post", f"/api/v1/dossiers/{second}/box", json={"box_id": box_id})
    assert full.status_code == 409 and full.get_json()["field"] == "box_id"
    foreign = call(staff, "post", f"/api/v1/dossiers/{second}/box", json={"box_id": place.foreign_box})
    assert foreign.status_code == 422 and foreign.get_json()["field"] == "box_id"
    assert audit_head(database) == start + 4

    store = call("tn.khaithac", "get", "/api/v1/locations/").get_json()
    assert [w["code"] for w in store["warehouses"]] == ["K1"]
    assert [s["code"] for s in store["warehouses"][0]["shelves"]] == ["03"]
    assert store["boxes"] == [{"box_id": box_id, "label": "Kho K1 / Kệ 03 / Hộp 12", "capacity": 1, "used": 1,
                               "free": 0}]
    contents = call("tn.khaithac", "get", f"/api/v1/locations/boxes/{box_id}").get_json()
    assert [d["id"] for d in contents["dossiers"]] == [first]

    taken_out = call(staff, "post", f"/api/v1/dossiers/{first}/box", json={"box_id": None})
    assert taken_out.status_code == 200 and taken_out.get_json()["box_id"] is None


@pytest.mark.parametrize(
    ("username", "path", "body", "status", "name"),
    [
        ("tn.khaithac", "/api/v1/locations/warehouses", {"code": "K2", "name": "Kho"}, 403, None),
        ("tn.canbo", "/api/v1/locations/warehouses", {"code": "", "name": "Kho"}, 422, "code"),
        ("tn.canbo", "/api/v1/locations/warehouses", {"code": "K3", "name": "Kho", "actor": "x"}, 422, "actor"),
        ("tn.canbo", "/api/v1/locations/warehouses", {"code": "K4", "name": "Kho", "unit_id": "{B}"}, 403, None),
        ("gt.canbo", "/api/v1/locations/warehouses/{A_warehouse}/shelves", {"code": "09"}, 404, "id"),
        ("tn.canbo", "/api/v1/locations/shelves/{A_shelf}/boxes", {"code": "99", "capacity": 0}, 422, "capacity"),
        ("tn.canbo", "/api/v1/locations/shelves/{A_shelf}/boxes", {"code": "98", "capacity": "nhiều"}, 422,
         "capacity"),
        ("tn.canbo", "/api/v1/locations/shelves/{A_shelf}/boxes", {"code": "97", "capacity": 5, "shelf_id": 1}, 422,
         "shelf_id"),
    ],
)
def test_a_refused_location_write_names_the_field(call, place, database, username, path, body, status, name):
    with database.session(place.people["tn.canbo"]) as session:
        warehouse = locations.create_warehouse(session, place.people["tn.canbo"], place.units["A"],
                                               code=f"T{audit_head(database)}", name="Kho thử")
        shelf = locations.create_shelf(session, place.people["tn.canbo"], warehouse.id, code="01")
        ids = {"A_warehouse": warehouse.id, "A_shelf": shelf.id}
    body = {key: place.units["B"] if value == "{B}" else value for key, value in body.items()}
    start = audit_head(database)
    answer = call(username, "post", path.format(**ids), json=body)
    assert answer.status_code == status, answer.get_json()
    assert answer.get_json().get("field") == name
    assert audit_head(database) == start


def test_another_units_people_see_no_box(call, place):
    assert call("tn.canbo", "get", f"/api/v1/locations/boxes/{place.foreign_box}").status_code == 404
    assert call("tn.canbo", "get", f"/api/v1/locations/?unit_id={place.units['B']}").get_json() == {
        "unit_id": place.units["B"], "warehouses": [], "boxes": []}


# -- suspension ---------------------------------------------------------------------------------------------------


def test_while_suspended_every_catalogue_write_is_503_json(call, place, database, suspended):
    start = audit_head(database)
    list_id = call("tn.quantri", "get", "/api/v1/dossier-lists/")
    assert list_id.status_code == 503  # a unit administrator sees only the notice
    writes = [
        ("tn.quantri", "/api/v1/fonds/", {"json": {"code": "TAM", "name": "Tạm"}}),
        ("tn.quantri", "/api/v1/dossier-lists/", {"json": {"year": 2005}}),
        ("tn.quantri", "/api/v1/dossier-lists/1/headings", {"json": {"title": "x"}}),
        ("tn.quantri", "/api/v1/dossier-lists/1/entries", {"json": {"title": "x"}}),
        ("tn.lanhdao", "/api/v1/dossier-lists/1/approve", {}),
        ("tn.quantri", "/api/v1/dossier-lists/import", workbook_upload(b"PK", 2006)),
        ("tn.canbo", "/api/v1/locations/warehouses", {"json": {"code": "K8", "name": "Kho"}}),
        ("tn.canbo", "/api/v1/locations/warehouses/1/shelves", {"json": {"code": "01"}}),
        ("tn.canbo", "/api/v1/locations/shelves/1/boxes", {"json": {"code": "01", "capacity": 3}}),
        ("tn.canbo", f"/api/v1/dossiers/{place.dossiers[2]}/box", {"json": {"box_id": None}}),
    ]
    for username, path, kwargs in writes:
        answer = call(username, "post", path, **kwargs)
        assert answer.status_code == 503, path
        assert "tạm dừng" in answer.get_json()["message"], path
    assert audit_head(database) == start
