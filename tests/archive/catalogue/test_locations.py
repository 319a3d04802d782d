"""Warehouses, shelves and boxes of a unit; placing paper originals in boxes without overfilling them."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from kholuutru.archive import locations
from kholuutru.archive.access import Actor
from kholuutru.archive.errors import Conflict, InvalidInput, NotFound, PermissionDenied, PlatformSuspended
from kholuutru.archive.roles import CLERK, READER, RECORDS_STAFF, UNIT_ADMIN, UNIT_HEAD

SYSTEM = Actor.system("test")


@pytest.fixture(scope="module")
def store(database, two_units, person):
    """Unit A: Kho K1 / Kệ 03 / Hộp 12 holding two dossiers, made by a unit admin and by records staff."""
    admin, staff = person(two_units.a, UNIT_ADMIN), person(two_units.a, RECORDS_STAFF)
    with database.session(admin) as session:
        warehouse = locations.create_warehouse(session, admin, two_units.a, code="K1", name="Kho tầng 1",
                                               address="Số 1 Trần Hưng Đạo, Tam Kỳ")
        shelf = locations.create_shelf(session, admin, warehouse.id, code="03", name="Kệ sắt")
    with database.session(staff) as session:
        box = locations.create_box(session, staff, shelf.id, code="12", capacity=2, note="Hồ sơ 2025")
    return {"warehouse": warehouse.id, "shelf": shelf.id, "box": box.id, "admin": admin, "staff": staff}


def test_the_box_label_is_the_shelf_mark(database, store):
    with database.session(store["staff"]) as session:
        box = locations.get_box(session, store["staff"], store["box"])
        assert locations.box_label(box) == "Kho K1 / Kệ 03 / Hộp 12"


@pytest.mark.parametrize("role", [UNIT_HEAD, CLERK, READER])
def test_other_roles_do_not_manage_the_store(database, two_units, store, person, events, role):
    actor = person(two_units.a, role)
    before = events()
    with pytest.raises(PermissionDenied), database.session(actor) as session:
        locations.create_warehouse(session, actor, two_units.a, code="K9", name="Kho khác")
    with pytest.raises(PermissionDenied), database.session(actor) as session:
        locations.create_box(session, actor, store["shelf"], code="99", capacity=5)
    with pytest.raises(PermissionDenied), database.session(actor) as session:
        locations.update_shelf(session, actor, store["shelf"], name="Đổi")
    assert events() == before


def test_another_unit_cannot_reach_the_store(database, two_units, store, person, events):
    admin_b = person(two_units.b, UNIT_ADMIN)
    before = events()
    with pytest.raises(PermissionDenied), database.session(admin_b) as session:
        locations.create_warehouse(session, admin_b, two_units.a, code="K2", name="Lọt")
    with pytest.raises(NotFound), database.session(admin_b) as session:
        locations.create_shelf(session, admin_b, store["warehouse"], code="01")
    with pytest.raises(NotFound), database.session(admin_b) as session:
        locations.update_box(session, admin_b, store["box"], capacity=50)
    with database.session(admin_b) as session:
        assert locations.unit_warehouses(session, admin_b, two_units.a) == []
        assert locations.occupancy(session, admin_b, two_units.a) == []
        for table in ("warehouses", "shelves", "boxes"):
            assert session.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0, table
    assert events() == before


@pytest.mark.parametrize(("create", "values", "field", "vi"), [
    ("warehouse", {"code": "", "name": "Kho"}, "code", "Mã kho"),
    ("warehouse", {"code": "K" * 21, "name": "Kho"}, "code", "Mã kho"),
    ("warehouse", {"code": "K5"}, "name", "Tên kho"),
    ("warehouse", {"code": "K5", "name": "n" * 201}, "name", "Tên kho"),
    ("warehouse", {"code": "K5", "name": "Kho", "address": "a" * 301}, "address", "Địa chỉ"),
    ("warehouse", {"code": "K5", "name": "Kho", "floor": 2}, "floor", "floor"),
    ("shelf", {"code": None}, "code", "Mã kệ"),
    ("shelf", {"code": "05", "name": "n" * 201}, "name", "Tên kệ"),
    ("box", {"code": "13", "capacity": 0}, "capacity", "Sức chứa"),
    ("box", {"code": "13", "capacity": "nhiều"}, "capacity", "Sức chứa"),
    ("box", {"code": "13"}, "capacity", "Sức chứa"),
    ("box", {"code": "13", "capacity": 5, "note": "g" * 501}, "note", "Ghi chú"),
])
def test_every_field_is_checked_and_named(database, two_units, store, events, create, values, field, vi):
    admin = store["admin"]
    before = events()
    with pytest.raises(InvalidInput) as refused, database.session(admin) as session:
        if create == "warehouse":
            locations.create_warehouse(session, admin, two_units.a, **values)
        elif create == "shelf":
            locations.create_shelf(session, admin, store["warehouse"], **values)
        else:
            locations.create_box(session, admin, store["shelf"], **values)
    assert refused.value.field == field and vi in refused.value.message("vi")
    assert events() == before


def test_codes_are_unique_beside_each_other(database, two_units, store, events):
    admin = store["admin"]
    before = events()
    for make in (
        lambda s: locations.create_warehouse(s, admin, two_units.a, code="K1", name="Trùng"),
        lambda s: locations.create_shelf(s, admin, store["warehouse"], code="03"),
        lambda s: locations.create_box(s, admin, store["shelf"], code="12", capacity=1),
    ):
        with pytest.raises(Conflict) as refused, database.session(admin) as session:
            make(session)
        assert refused.value.field == "code"
    assert events() == before


def test_placing_fills_the_box_and_refuses_the_one_too_many(database, two_units, store, make_dossier, events,
                                                            last_actions, person):
    staff = store["staff"]
    first, second, third = (make_dossier(two_units.a) for _ in range(3))
    before = events()
    with database.session(staff) as session:
        locations.place_dossier(session, staff, first, store["box"])
        locations.place_dossier(session, staff, second, str(store["box"]))
        locations.place_dossier(session, staff, second, store["box"])  # already there: no change, no event
    assert events() == before + 2 and last_actions(2) == ["dossier.place", "dossier.place"]
    with pytest.raises(Conflict) as refused, database.session(staff) as session:
        locations.place_dossier(session, staff, third, store["box"])
    assert refused.value.field == "box_id" and "Kho K1 / Kệ 03 / Hộp 12" in refused.value.message("vi")
    with pytest.raises(Conflict) as refused, database.session(staff) as session:
        locations.update_box(session, staff, store["box"], capacity=1)
    assert refused.value.field == "capacity"
    with database.session(staff) as session:
        assert [d.id for d in locations.box_contents(session, staff, store["box"])] == [first, second]
        (full,) = locations.occupancy(session, staff, two_units.a)
        assert (full.label, full.capacity, full.used, full.free) == ("Kho K1 / Kệ 03 / Hộp 12", 2, 2, 0)
        locations.place_dossier(session, staff, second, None)
        locations.place_dossier(session, staff, third, store["box"])
    assert events() == before + 4
    admin = person(two_units.a, UNIT_ADMIN)
    with pytest.raises(PermissionDenied), database.session(admin) as session:
        locations.place_dossier(session, admin, second, store["box"])


def test_a_dossier_goes_only_into_a_box_of_its_own_unit(database, two_units, store, make_dossier, person, events):
    theirs = make_dossier(two_units.b)
    ours = make_dossier(two_units.a)
    staff_b = person(two_units.b, RECORDS_STAFF)
    before = events()
    with pytest.raises(InvalidInput) as refused, database.session(SYSTEM) as session:
        locations.place_dossier(session, SYSTEM, theirs, store["box"])
    assert refused.value.field == "box_id"
    with pytest.raises(InvalidInput), database.session(staff_b) as session:
        locations.place_dossier(session, staff_b, theirs, store["box"])
    with pytest.raises(NotFound), database.session(staff_b) as session:
        locations.place_dossier(session, staff_b, ours, None)
    with pytest.raises(NotFound), database.session(staff_b) as session:
        locations.box_contents(session, staff_b, store["box"])
    assert events() == before


def test_updates_are_one_event_each(database, store, events, last_actions):
    admin = store["admin"]
    before = events()
    with database.session(admin) as session:
        locations.update_warehouse(session, admin, store["warehouse"], name="Kho lưu trữ cơ quan")
        locations.update_shelf(session, admin, store["shelf"], code="03")  # unchanged: nothing to record
        locations.update_box(session, admin, store["box"], capacity=40, note=None)
    assert events() == before + 2 and last_actions(2) == ["warehouse.update", "box.update"]
    with database.session(admin) as session:
        (box,) = locations.occupancy(session, admin, admin.unit_id)
        assert (box.capacity, box.free) == (40, 38)
        assert [s.code for s in locations.warehouse_shelves(session, admin, store["warehouse"])] == ["03"]
        assert [w.name for w in locations.unit_warehouses(session, admin, admin.unit_id)] == ["Kho lưu trữ cơ quan"]


def test_nothing_is_written_while_suspended(database, two_units, store, make_dossier, events, suspended):
    staff = store["staff"]
    dossier = make_dossier(two_units.a)  # a plain insert: only the services check suspension
    before = events()
    with pytest.raises(PlatformSuspended), database.session(staff) as session:
        locations.create_warehouse(session, staff, two_units.a, code="K7", name="Tạm dừng")
    with pytest.raises(PlatformSuspended), database.session(staff) as session:
        locations.place_dossier(session, staff, dossier, store["box"])
    assert events() == before
