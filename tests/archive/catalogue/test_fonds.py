"""Fonds: TT 02/2019 fields with their lengths, kept by the unit admin of the unit, codes unique, renaming allowed."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from kholuutru.archive import fonds
from kholuutru.archive.errors import Conflict, InvalidInput, NotFound, PermissionDenied, PlatformSuspended
from kholuutru.archive.roles import INSPECTOR, RECORDS_STAFF, UNIT_ADMIN, UNIT_HEAD

FULL = {
    "code": "h47-01", "name": "Phông Sở Nội vụ", "history": "Thành lập năm 1997 …", "time_span": "1997-2025",
    "paper_total": 1200, "paper_digitised": "300", "key_groups": "Tổ chức cán bộ; Thi đua khen thưởng",
    "other_types": "Ảnh", "language": "Tiếng Việt", "lookup_tools": "Mục lục hồ sơ", "copy_pages": 0,
    "is_open": True, "note": "Ghi chú",
}


def test_the_unit_admin_creates_a_fonds_with_every_field(database, two_units, person, events, last_actions):
    admin = person(two_units.a, UNIT_ADMIN)
    before = events()
    with database.session(admin) as session:
        created = fonds.create_fonds(session, admin, two_units.a, **FULL)
    assert events() == before + 1 and last_actions(1) == ["fonds.create"]
    with database.session(admin) as session:
        stored = fonds.get_fonds(session, admin, created.id)
        assert (stored.code, stored.paper_total, stored.paper_digitised, stored.is_open) == ("H47-01", 1200, 300, True)
        assert [f.code for f in fonds.unit_fonds(session, admin, two_units.a)] == ["H47-01"]


@pytest.mark.parametrize("role", [RECORDS_STAFF, UNIT_HEAD, INSPECTOR])
def test_other_roles_may_not_create_a_fonds(database, two_units, person, events, role):
    actor = person(two_units.a, role)
    before = events()
    with pytest.raises(PermissionDenied), database.session(actor) as session:
        fonds.create_fonds(session, actor, two_units.a, code="X1", name="Không được")
    assert events() == before


def test_the_admin_of_another_unit_may_not_touch_it(database, two_units, person, events):
    admin_a, admin_b = person(two_units.a, UNIT_ADMIN), person(two_units.b, UNIT_ADMIN)
    with database.session(admin_a) as session:
        own = fonds.create_fonds(session, admin_a, two_units.a, code="A-OWN", name="Phông A")
    before = events()
    with pytest.raises(PermissionDenied), database.session(admin_b) as session:
        fonds.create_fonds(session, admin_b, two_units.a, code="B-IN-A", name="Lọt")
    with pytest.raises(NotFound), database.session(admin_b) as session:
        fonds.update_fonds(session, admin_b, own.id, name="Đổi")
    with pytest.raises(NotFound), database.session(admin_b) as session:
        fonds.get_fonds(session, admin_b, own.id)
    with database.session(admin_b) as session:
        assert fonds.unit_fonds(session, admin_b, two_units.a) == []
        assert session.execute(text("SELECT count(*) FROM fonds WHERE unit_id = :a"), {"a": two_units.a}).scalar() == 0
    assert events() == before


@pytest.mark.parametrize(("field", "value", "vi"), [
    ("code", "", "Mã phông"),
    ("code", "X" * 14, "Mã phông"),
    ("code", "H47.01", "Mã phông"),
    ("name", None, "Tên phông"),
    ("name", "n" * 201, "Tên phông"),
    ("time_span", "t" * 31, "Thời gian tài liệu"),
    ("paper_total", -1, "Tổng số tài liệu giấy"),
    ("paper_total", 10**10, "Tổng số tài liệu giấy"),
    ("paper_digitised", "nhiều", "đã số hóa"),
    ("key_groups", "k" * 301, "Các nhóm tài liệu chủ yếu"),
    ("other_types", "o" * 301, "Các loại hình tài liệu khác"),
    ("language", "l" * 101, "Ngôn ngữ"),
    ("lookup_tools", "c" * 51, "Công cụ tra cứu"),
    ("copy_pages", 1.5, "bản sao bảo hiểm"),
    ("is_open", "có", "mở/đóng"),
    ("note", "g" * 1001, "Ghi chú"),
    ("colour", "đỏ", "colour"),
])
def test_every_field_is_checked_and_named(database, two_units, person, events, field, value, vi):
    admin = person(two_units.a, UNIT_ADMIN)
    before = events()
    with pytest.raises(InvalidInput) as refused, database.session(admin) as session:
        fonds.create_fonds(session, admin, two_units.a, **{**FULL, "code": "VALID", field: value})
    assert refused.value.field == field
    assert vi in refused.value.message("vi") and refused.value.message("en")
    assert events() == before


def test_codes_are_unique_across_units_even_when_hidden(database, two_units, person, events):
    admin_a, admin_b = person(two_units.a, UNIT_ADMIN), person(two_units.b, UNIT_ADMIN)
    with database.session(admin_a) as session:
        fonds.create_fonds(session, admin_a, two_units.a, code="SHARED", name="Phông A")
    before = events()
    with pytest.raises(Conflict) as refused, database.session(admin_b) as session:
        fonds.create_fonds(session, admin_b, two_units.b, code="shared", name="Phông B")
    assert refused.value.field == "code"
    assert events() == before


def test_renaming_and_recoding_is_one_event_and_a_no_change_is_none(database, two_units, person, events,
                                                                      last_actions):
    admin = person(two_units.a, UNIT_ADMIN)
    with database.session(admin) as session:
        created = fonds.create_fonds(session, admin, two_units.a, code="OLD", name="Phông cũ", paper_total=5)
    before = events()
    with database.session(admin) as session:
        fonds.update_fonds(session, admin, created.id, code="NEW", name="Phông mới", is_open=False)
    assert events() == before + 1 and last_actions(1) == ["fonds.update"]
    with database.session(admin) as session:
        fonds.update_fonds(session, admin, created.id, name="Phông mới")
        stored = fonds.get_fonds(session, admin, created.id)
        assert (stored.code, stored.name, stored.is_open, stored.paper_total) == ("NEW", "Phông mới", False, 5)
    assert events() == before + 1
    with pytest.raises(InvalidInput) as refused, database.session(admin) as session:
        fonds.update_fonds(session, admin, created.id, unit_id=two_units.b)
    assert refused.value.field == "unit_id"


def test_nothing_is_written_while_suspended(database, two_units, person, events, suspended):
    admin = person(two_units.a, UNIT_ADMIN)
    before = events()
    with pytest.raises(PlatformSuspended), database.session(admin) as session:
        fonds.create_fonds(session, admin, two_units.a, code="SUSP", name="Tạm dừng")
    assert events() == before
