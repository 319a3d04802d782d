"""The annual dossier list: headings, generated numbers that never change, approval by the unit head, isolation."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from kholuutru.archive import dossier_lists as dl
from kholuutru.archive.dossier_lists import EntryDraft, HeadingDraft, Retention
from kholuutru.archive.errors import Conflict, InvalidInput, NotFound, PermissionDenied, PlatformSuspended
from kholuutru.archive.roles import CLERK, RECORDS_STAFF, UNIT_ADMIN, UNIT_HEAD


@pytest.fixture(scope="module")
def draft(database, two_units, person):
    """Unit A's draft list for 2025: I Tổng hợp (TH) with sub-heading 1; II Tổ chức cán bộ (TCCB)."""
    admin = person(two_units.a, UNIT_ADMIN)
    with database.session(admin) as session:
        created = dl.create_list(session, admin, two_units.a, 2025)
        general = dl.add_heading(session, admin, created.id, title="Tổng hợp", abbreviation="th")
        plans = dl.add_heading(session, admin, created.id, title="Kế hoạch, báo cáo", parent_id=general.id)
        staff = dl.add_heading(session, admin, created.id, title="Tổ chức cán bộ", abbreviation="TCCB")
        return {"list": created.id, "general": general.id, "plans": plans.id, "staff": staff.id, "admin": admin}


def add(database, actor, list_id, heading_id, **values):
    values = {"title": "Hồ sơ", "retention": "10 năm", **values}
    with database.session(actor) as session:
        return dl.add_entry(session, actor, list_id, heading_id=heading_id, **values)


def test_headings_get_roman_and_arabic_labels(database, draft):
    with database.session(draft["admin"]) as session:
        found = dl.get_list(session, draft["admin"], draft["list"])
        labels = [(h.label, h.abbreviation, h.parent_id is None) for h in found.headings]
    assert labels == [("I", "TH", True), ("1", None, False), ("II", "TCCB", True)]


def test_numbers_run_across_the_whole_list_with_the_heading_abbreviation(database, draft):
    admin = draft["admin"]
    first = add(database, admin, draft["list"], draft["general"], title="Hồ sơ hội nghị tổng kết",
                retention="Vĩnh viễn")
    second = add(database, admin, draft["list"], draft["staff"], title="Hồ sơ tuyển dụng", retention=20,
                 responsible_person="Nguyễn Văn A", responsible_unit="Phòng Tổ chức", note="Bản chính")
    third = add(database, admin, draft["list"], draft["plans"], title="Kế hoạch công tác năm")
    assert [first.number_symbol, second.number_symbol, third.number_symbol] == ["01.TH", "02.TCCB", "03.TH"]
    assert (first.retention_permanent, second.retention_years, third.retention_years) == (True, 20, 10)
    with database.session(admin) as session:
        tree = dl.outline(dl.get_list(session, admin, draft["list"]))
    assert [[e.number_symbol for e in node.entries] for node in tree] == [["01.TH"], ["02.TCCB"]]
    assert [e.number_symbol for e in tree[0].children[0].entries] == ["03.TH"]


def test_issued_numbers_never_change(database, draft):
    admin = draft["admin"]
    with database.session(admin) as session:
        before = {e.id: e.number_symbol for e in dl.get_list(session, admin, draft["list"]).entries}
    with database.session(admin) as session:
        heading = dl.add_heading(session, admin, draft["list"], title="Thi đua khen thưởng", abbreviation="TDKT")
    later = add(database, admin, draft["list"], heading.id)
    with database.session(admin) as session:
        after = {e.id: e.number_symbol for e in dl.get_list(session, admin, draft["list"]).entries}
    assert {k: after[k] for k in before} == before
    assert later.number_symbol == f"{len(before) + 1:02d}.TDKT"


@pytest.mark.parametrize(("values", "field", "vi"), [
    ({"title": ""}, "title", "Tiêu đề hồ sơ"),
    ({"title": "t" * 1001}, "title", "Tiêu đề hồ sơ"),
    ({"retention": None}, "retention", "Thời hạn bảo quản"),
    ({"retention": 0}, "retention", "Thời hạn bảo quản"),
    ({"retention": 101}, "retention", "Thời hạn bảo quản"),
    ({"retention": "mãi mãi"}, "retention", "Thời hạn bảo quản"),
    ({"retention": True}, "retention", "Thời hạn bảo quản"),
    ({"responsible_person": "p" * 101}, "responsible_person", "Người lập hồ sơ"),
    ({"responsible_unit": "u" * 201}, "responsible_unit", "Đơn vị lập hồ sơ"),
    ({"note": "n" * 501}, "note", "Ghi chú"),
])
def test_every_entry_field_is_checked_and_named(database, draft, events, values, field, vi):
    before = events()
    with pytest.raises(InvalidInput) as refused:
        add(database, draft["admin"], draft["list"], draft["general"], **values)
    assert refused.value.field == field and vi in refused.value.message("vi")
    assert events() == before


def test_an_entry_needs_a_heading_of_this_list_with_an_abbreviation(database, draft, two_units):
    admin = draft["admin"]
    with database.session(admin) as session:
        bare = dl.add_heading(session, admin, draft["list"], title="Chưa có ký hiệu")
        other = dl.create_list(session, admin, two_units.a, 2030)
        foreign = dl.add_heading(session, admin, other.id, title="Khác", abbreviation="K")
    for heading_id, field in ((bare.id, "abbreviation"), (foreign.id, "heading_id"), (None, "heading_id")):
        with pytest.raises(InvalidInput) as refused:
            add(database, admin, draft["list"], heading_id)
        assert refused.value.field == field


@pytest.mark.parametrize(("values", "field"), [
    ({"title": ""}, "title"),
    ({"title": "t" * 501}, "title"),
    ({"abbreviation": "T.H"}, "abbreviation"),
    ({"abbreviation": "Tổ chức"}, "abbreviation"),
    ({"abbreviation": "A" * 11}, "abbreviation"),
    ({"label": "IIII"}, "label"),
    ({"label": "I"}, "label"),
    ({"label": "7"}, "label"),
])
def test_every_heading_field_is_checked_and_named(database, draft, events, values, field):
    before = events()
    with pytest.raises(InvalidInput) as refused, database.session(draft["admin"]) as session:
        dl.add_heading(session, draft["admin"], draft["list"], **{"title": "Đề mục", **values})
    assert refused.value.field == field
    assert events() == before


def test_sub_headings_sit_under_a_large_heading_of_the_same_list(database, draft):
    admin = draft["admin"]
    for parent in (draft["plans"], 999_999):
        with pytest.raises(InvalidInput) as refused, database.session(admin) as session:
            dl.add_heading(session, admin, draft["list"], title="Quá sâu", parent_id=parent)
        assert refused.value.field == "parent_id"
    with pytest.raises(InvalidInput) as refused, database.session(admin) as session:
        dl.add_heading(session, admin, draft["list"], title="Nhãn sai", parent_id=draft["general"], label="II")
    assert refused.value.field == "label"


def test_one_list_per_unit_and_year_and_a_sane_year(database, draft, two_units, events):
    admin = draft["admin"]
    before = events()
    with pytest.raises(Conflict) as refused, database.session(admin) as session:
        dl.create_list(session, admin, two_units.a, "2025")
    assert refused.value.field == "year"
    with pytest.raises(InvalidInput) as refused, database.session(admin) as session:
        dl.create_list(session, admin, two_units.a, "năm nay")
    assert refused.value.field == "year"
    assert events() == before


@pytest.mark.parametrize("role", [RECORDS_STAFF, UNIT_HEAD, CLERK])
def test_only_the_unit_admin_draws_up_the_list(database, draft, two_units, person, events, role):
    actor = person(two_units.a, role)
    before = events()
    with pytest.raises(PermissionDenied), database.session(actor) as session:
        dl.create_list(session, actor, two_units.a, 2026)
    with pytest.raises(PermissionDenied), database.session(actor) as session:
        dl.add_heading(session, actor, draft["list"], title="Không được", abbreviation="KD")
    with pytest.raises(PermissionDenied):
        add(database, actor, draft["list"], draft["general"])
    assert events() == before


def test_another_unit_neither_sees_nor_changes_the_list(database, draft, two_units, person, events):
    admin_b, head_b = person(two_units.b, UNIT_ADMIN), person(two_units.b, UNIT_HEAD)
    before = events()
    with pytest.raises(PermissionDenied), database.session(admin_b) as session:
        dl.create_list(session, admin_b, two_units.a, 2027)
    with pytest.raises(NotFound):
        add(database, admin_b, draft["list"], draft["general"])
    with pytest.raises(NotFound), database.session(head_b) as session:
        dl.approve_list(session, head_b, draft["list"])
    with pytest.raises(NotFound), database.session(admin_b) as session:
        dl.get_list(session, admin_b, draft["list"])
    with database.session(admin_b) as session:
        assert dl.unit_lists(session, admin_b, two_units.a) == []
        for table in ("dossier_lists", "list_headings", "list_entries"):
            rows = session.execute(text(f"SELECT count(*) FROM {table} WHERE unit_id = :a"), {"a": two_units.a})
            assert rows.scalar() == 0, table
    assert events() == before


def test_each_change_is_one_audit_event(database, draft, events, last_actions):
    admin = draft["admin"]
    before = events()
    with database.session(admin) as session:
        dl.add_heading(session, admin, draft["list"], title="Văn thư lưu trữ", abbreviation="VTLT")
    add(database, admin, draft["list"], draft["staff"])
    assert events() == before + 2
    assert last_actions(2) == ["list_heading.create", "list_entry.create"]


def test_a_whole_outline_is_one_change_and_duplicate_numbers_are_refused(database, two_units, person, events,
                                                                         last_actions):
    admin = person(two_units.b, UNIT_ADMIN)
    entry = EntryDraft(title="Hồ sơ", retention=Retention(False, 5), number_symbol="01.VP")
    bad = [HeadingDraft(title="Văn phòng", abbreviation="VP", entries=(entry, entry))]
    before = events()
    with pytest.raises(InvalidInput) as refused, database.session(admin) as session:
        dl.create_list(session, admin, two_units.b, 2025, bad)
    assert refused.value.field == "number_symbol" and events() == before
    good = [HeadingDraft(title="Văn phòng", abbreviation="VP", entries=(entry, EntryDraft("Hồ sơ 2", Retention(True)))),
            HeadingDraft(title="Tài chính", children=(HeadingDraft("Ngân sách", "NS", entries=(
                EntryDraft("Dự toán", Retention(False, 10)),)),))]
    with database.session(admin) as session:
        created = dl.create_list(session, admin, two_units.b, 2025, good)
        tree = dl.outline(created)
        assert [(n.heading.label, [e.number_symbol for e in n.entries]) for n in tree] == [
            ("I", ["01.VP", "02.VP"]), ("II", [])]
        assert [e.number_symbol for e in tree[1].children[0].entries] == ["03.NS"]
    assert events() == before + 1 and last_actions(1) == ["dossier_list.create"]


def test_the_unit_head_approves_then_the_list_is_read_only(database, draft, two_units, person, events,
                                                           last_actions):
    admin, head = draft["admin"], person(two_units.a, UNIT_HEAD)
    with pytest.raises(Conflict) as refused, database.session(admin) as session:
        dl.entries_for_new_dossier(session, admin, two_units.a, 2025)
    assert refused.value.field == "year"
    with pytest.raises(PermissionDenied), database.session(admin) as session:
        dl.approve_list(session, admin, draft["list"])
    before = events()
    with database.session(head) as session:
        approved = dl.approve_list(session, head, draft["list"])
        assert (approved.status, approved.approved_by_id) == ("approved", head.user_id)
        assert approved.approved_at is not None
    assert events() == before + 1 and last_actions(1) == ["dossier_list.approve"]
    for change in (
        lambda s: dl.add_heading(s, admin, draft["list"], title="Muộn", abbreviation="M"),
        lambda s: dl.add_entry(s, admin, draft["list"], heading_id=draft["general"], title="Muộn", retention=5),
        lambda s: dl.approve_list(s, head, draft["list"]),
    ):
        with pytest.raises(Conflict) as refused, database.session(admin) as session:
            change(session)
        assert refused.value.field == "status"
    assert events() == before + 1
    staff = person(two_units.a, RECORDS_STAFF)
    with database.session(staff) as session:
        numbers = [e.number_symbol for e in dl.entries_for_new_dossier(session, staff, two_units.a, 2025)]
    assert numbers[:3] == ["01.TH", "03.TH", "02.TCCB"]


def test_an_empty_list_cannot_be_approved_and_a_missing_one_is_not_found(database, two_units, person):
    admin, head = person(two_units.a, UNIT_ADMIN), person(two_units.a, UNIT_HEAD)
    with database.session(admin) as session:
        empty = dl.create_list(session, admin, two_units.a, 2040)
    with pytest.raises(Conflict) as refused, database.session(head) as session:
        dl.approve_list(session, head, empty.id)
    assert refused.value.field == "entries"
    with pytest.raises(NotFound), database.session(head) as session:
        dl.entries_for_new_dossier(session, head, two_units.a, 1999)
    with database.session(head) as session:
        assert [x.year for x in dl.unit_lists(session, head, two_units.a)][:2] == [2040, 2030]


def test_nothing_is_written_while_suspended(database, draft, events, suspended):
    before = events()
    with pytest.raises(PlatformSuspended), database.session(draft["admin"]) as session:
        dl.create_list(session, draft["admin"], draft["admin"].unit_id, 2050)
    assert events() == before
