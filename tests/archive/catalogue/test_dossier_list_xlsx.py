"""The dossier list as an Excel workbook in the PL V layout: export, import back, a unit's own file, and bad files."""

from __future__ import annotations

import unicodedata
from io import BytesIO

import pytest
from openpyxl import Workbook, load_workbook

from kholuutru.archive import dossier_list_xlsx as xlsx
from kholuutru.archive import dossier_lists as dl
from kholuutru.archive.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from kholuutru.archive.roles import RECORDS_STAFF, UNIT_ADMIN

HEADER = ["Số và ký hiệu hồ sơ", "Tên đề mục và tiêu đề hồ sơ", "Thời hạn bảo quản", "Người lập hồ sơ", "Ghi chú"]


@pytest.fixture(scope="module")
def source(database, two_units, person):
    """Unit A's list for 2024, built through the services: two large headings, a sub-heading, six entries."""
    admin = person(two_units.a, UNIT_ADMIN)
    with database.session(admin) as session:
        created = dl.create_list(session, admin, two_units.a, 2024)
        general = dl.add_heading(session, admin, created.id, title="TỔNG HỢP", abbreviation="TH")
        plans = dl.add_heading(session, admin, created.id, title="Kế hoạch, báo cáo", parent_id=general.id)
        own = dl.add_heading(session, admin, created.id, title="Thi đua", parent_id=general.id, abbreviation="TD")
        staff = dl.add_heading(session, admin, created.id, title="TỔ CHỨC CÁN BỘ", abbreviation="TCCB")
        for heading, title, retention, who, note in (
            (general, "Hồ sơ hội nghị tổng kết năm", "Vĩnh viễn", "Nguyễn Văn A", None),
            (plans, "Kế hoạch công tác năm 2024", "10 năm", "Trần Thị B", "Bản chính"),
            (plans, "Báo cáo sáu tháng", 5, None, None),
            (own, "Hồ sơ khen thưởng", "Vĩnh viễn", "Lê C", None),
            (staff, "Hồ sơ tuyển dụng công chức", "70 năm", "Phạm D", None),
            (staff, "Hồ sơ nâng lương", 20, "Phạm D", "Theo quý"),
        ):
            dl.add_entry(session, admin, created.id, heading_id=heading.id, title=title, retention=retention,
                         responsible_person=who, note=note)
    return created.id


def shape(dossier_list) -> list:
    """Everything PL V shows, nested as printed: the comparison of a round trip."""

    def node(n):
        return (n.heading.label, n.heading.title, n.heading.abbreviation,
                [(e.number_symbol, e.title, e.retention_permanent, e.retention_years, e.responsible_person, e.note)
                 for e in n.entries],
                [node(child) for child in n.children])

    return [node(n) for n in dl.outline(dossier_list)]


def test_export_has_the_pl_v_layout(database, two_units, source, person):
    staff = person(two_units.a, RECORDS_STAFF)
    with database.session(staff) as session:
        data = xlsx.export_list(session, staff, source)
    sheet = load_workbook(BytesIO(data)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "SỞ NỘI VỤ" and rows[1][0] == "DANH MỤC HỒ SƠ NĂM 2024"
    assert rows[3] == HEADER and rows[4] == ["(1)", "(2)", "(3)", "(4)", "(5)"]
    assert rows[5] == ["I", "TỔNG HỢP", None, None, "TH"] and sheet["A6"].font.bold
    assert rows[6] == ["01.TH", "Hồ sơ hội nghị tổng kết năm", "Vĩnh viễn", "Nguyễn Văn A", None]
    assert rows[7][:3] == ["1", "Kế hoạch, báo cáo", None]
    assert rows[8][:3] == ["02.TH", "Kế hoạch công tác năm 2024", "10 năm"]
    texts = [r[0] for r in rows if r[0]]
    assert "Bản Danh mục hồ sơ này có 6 hồ sơ, bao gồm:" in texts
    assert "- 2 hồ sơ bảo quản vĩnh viễn;" in texts and "- 4 hồ sơ bảo quản có thời hạn." in texts
    assert "A1:E1" in {str(r) for r in sheet.merged_cells.ranges}


def test_round_trip_into_another_unit_and_year_is_identical(database, two_units, source, person, events,
                                                            last_actions):
    staff_a, admin_b = person(two_units.a, RECORDS_STAFF), person(two_units.b, UNIT_ADMIN)
    with database.session(staff_a) as session:
        original = dl.get_list(session, staff_a, source)
        expected = shape(original)
        data = xlsx.export_list(session, staff_a, source)
    before = events()
    with database.session(admin_b) as session:
        imported = xlsx.import_list(session, admin_b, two_units.b, 2026, data)
        assert (imported.unit_id, imported.year, imported.status) == (two_units.b, 2026, "draft")
    assert events() == before + 1 and last_actions(1) == ["dossier_list.create"]
    with database.session(admin_b) as session:
        assert shape(dl.find_list(session, admin_b, two_units.b, 2026)) == expected
    with database.session(admin_b) as session:
        again = xlsx.export_list(session, admin_b, imported.id)
    rows = list(load_workbook(BytesIO(again)).active.iter_rows(min_row=4, values_only=True))
    assert rows == list(load_workbook(BytesIO(data)).active.iter_rows(min_row=4, values_only=True))


def unit_workbook(*body: list) -> bytes:
    """A list as units type it: merged title rows, a header, the (1)…(5) row, the body, a footer, signatures."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Danh mục"
    sheet.append(["ỦY BAN NHÂN DÂN HUYỆN DUY XUYÊN"])
    sheet.merge_cells("A1:E1")
    sheet.append(["DANH MỤC HỒ SƠ CỦA VĂN PHÒNG HĐND VÀ UBND NĂM 2025"])
    sheet.merge_cells("A2:E2")
    sheet.append([])
    sheet.append(["Số, ký hiệu hồ sơ", "Tên đề mục và tiêu đề hồ sơ", "Thời hạn bảo quản", "Đơn vị/người lập hồ sơ",
                  "Ghi chú"])
    sheet.append(["(1)", "(2)", "(3)", "(4)", "(5)"])
    for row in body:
        sheet.append(row)
    sheet.append([])
    sheet.append(["Tổng số: 4 hồ sơ"])
    sheet.append([None, None, None, "THỦ TRƯỞNG CƠ QUAN", None])
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_units_own_workbook_is_read(database, two_units, person):
    decomposed = unicodedata.normalize("NFD", "Vĩnh viễn")
    data = unit_workbook(
        ["I. CÔNG TÁC TỔNG HỢP"],
        ["1", "Chương trình, kế hoạch", None, None, None],
        ["01.VP", "Chương trình công tác năm", decomposed, "Chánh Văn phòng", None],
        ["02.VP", "Kế hoạch tuần", 5.0, "Phó Chánh Văn phòng", "Lưu tại phòng"],
        ["II", "Tài chính - kế toán", None, None, "TCKT"],
        [None, "Báo cáo quyết toán", "20 năm", "Kế toán", None],
        ["05.TCKT", "Sổ kế toán", "Vĩnh viễn", None, None],
    )
    admin = person(two_units.b, UNIT_ADMIN)
    with database.session(admin) as session:
        imported = xlsx.import_list(session, admin, two_units.b, 2025, data)
        tree = dl.outline(imported)
        assert [(n.heading.label, n.heading.title, n.heading.abbreviation) for n in tree] == [
            ("I", "CÔNG TÁC TỔNG HỢP", "VP"), ("II", "Tài chính - kế toán", "TCKT")]
        sub = tree[0].children[0]
        assert (sub.heading.label, sub.heading.abbreviation) == ("1", None)
        assert [(e.number_symbol, e.retention_permanent, e.retention_years) for e in sub.entries] == [
            ("01.VP", True, None), ("02.VP", False, 5)]
        assert [e.number_symbol for e in tree[1].entries] == ["06.TCKT", "05.TCKT"]


def test_every_bad_cell_is_named_and_nothing_is_created(database, two_units, person, events):
    admin = person(two_units.b, UNIT_ADMIN)
    data = unit_workbook(
        ["I", "Tổng hợp", None, None, "TH"],
        ["01.TH", "Hồ sơ một", "mãi mãi", None, None],
        ["02.TH", None, "10 năm", None, None],
        ["01.TH", "Hồ sơ ba", "5", None, None],
        ["1", "Đề mục nhỏ", None, None, "T.H"],
    )
    before = events()
    with pytest.raises(xlsx.WorkbookInvalid) as refused, database.session(admin) as session:
        xlsx.import_list(session, admin, two_units.b, 2031, data)
    problems = [(p.row, p.column) for p in refused.value.problems]
    assert problems == [(7, 3), (8, 2), (9, 1), (10, 5)]
    vi, en = refused.value.message("vi"), refused.value.message("en")
    assert "Trang 'Danh mục', dòng 7, cột C (Thời hạn bảo quản)" in vi and "mãi mãi" in vi
    assert "row 8, column B (heading or dossier title)" in en
    assert "dòng 9, cột A" in vi and "trùng với dòng 7" in vi
    assert refused.value.field == "file" and refused.value.as_dict()["errors"][0]["column"] == "C"
    assert events() == before
    with pytest.raises(NotFound), database.session(admin) as session:
        dl.find_list(session, admin, two_units.b, 2031)


@pytest.mark.parametrize(("body", "where"), [
    ([["01.TH", "Hồ sơ trước đề mục", "5 năm", None, None]], (6, 2)),
    ([["1", "Đề mục nhỏ mồ côi", None, None, None]], (6, 1)),
    ([["I", "Không ký hiệu", None, None, None], [None, "Hồ sơ không số", "5", None, None]], (7, 1)),
])
def test_structure_problems_are_named_too(database, two_units, person, body, where):
    admin = person(two_units.b, UNIT_ADMIN)
    with pytest.raises(xlsx.WorkbookInvalid) as refused, database.session(admin) as session:
        xlsx.import_list(session, admin, two_units.b, 2032, unit_workbook(*body))
    assert [(p.row, p.column) for p in refused.value.problems] == [where]


def test_files_that_are_not_a_pl_v_workbook(database, two_units, person):
    admin = person(two_units.b, UNIT_ADMIN)
    empty = BytesIO()
    Workbook().save(empty)
    for data in (b"not a workbook", empty.getvalue()):
        with pytest.raises(InvalidInput) as refused, database.session(admin) as session:
            xlsx.import_list(session, admin, two_units.b, 2033, data)
        assert refused.value.field == "file"


def test_import_needs_the_unit_admin_and_a_free_year(database, two_units, source, person, events):
    staff_a, admin_a = person(two_units.a, RECORDS_STAFF), person(two_units.a, UNIT_ADMIN)
    with database.session(staff_a) as session:
        data = xlsx.export_list(session, staff_a, source)
    before = events()
    with pytest.raises(PermissionDenied), database.session(staff_a) as session:
        xlsx.import_list(session, staff_a, two_units.a, 2034, data)
    with pytest.raises(PermissionDenied), database.session(admin_a) as session:
        xlsx.import_list(session, admin_a, two_units.b, 2034, data)
    with pytest.raises(Conflict), database.session(admin_a) as session:
        xlsx.import_list(session, admin_a, two_units.a, 2024, data)
    assert events() == before
    with pytest.raises(NotFound), database.session(person(two_units.b, UNIT_ADMIN)) as session:
        xlsx.export_list(session, person(two_units.b, UNIT_ADMIN), source)
