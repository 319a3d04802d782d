"""Dossier screens through the Flask test client, logged in through the login form as the people of two units.

The units, accounts (with real passwords), fonds, approved 2026 lists and a box are made here with the platform's
services, beside the demo province, so nothing depends on what the demo seed holds. Every refusal must come back as
the same form with the input kept and the archive's Vietnamese message beside the field it names, writing nothing.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from io import BytesIO

import pytest
from console_support import PASSWORD, create_people, field, form_login, pdf, text
from flask.testing import FlaskClient
from pki_support import sign_for_submission
from sqlalchemy import func, select

from kholuutru.archive import document_files, dossier_lists, dossiers, fonds, locations, units
from kholuutru.archive.access import Actor
from kholuutru.archive.dossier_lists import EntryDraft, HeadingDraft, Retention
from kholuutru.archive.dossier_models import DocumentFile, Dossier
from kholuutru.archive.models import Unit
from kholuutru.archive.roles import READER, RECORDS_STAFF, UNIT_HEAD

ADMIN = Actor.system("test")
COMPLETE_DOSSIER = {"access_level": "public", "language": "Tiếng Việt", "start_date": "01/02/2026",
                    "end_date": "31/03/2026", "reliability": "born_digital"}
COMPLETE_DOCUMENT = {"type_name": "Kế hoạch", "number": "12", "symbol": "KH-STC", "issued_on": "15/02/2026",
                     "issuing_organisation": "Sở Tài chính", "summary": "Kế hoạch công tác năm 2026",
                     "usage_mode": "public", "page_count": "1"}
UNITS = (("own", "000.00.60.H47", "Sở Tài chính"), ("other", "000.00.61.H47", "Sở Y tế"))
# (username, role, unit key)
PEOPLE = (("tc.canbo", RECORDS_STAFF, "own"), ("tc.lanhdao", UNIT_HEAD, "own"), ("tc.khaithac", READER, "own"),
          ("yt.canbo", RECORDS_STAFF, "other"))


@dataclass
class Province:
    """This module's two units, their people (username -> actor) and what each dossier is formed under."""

    own: int
    other: int
    people: dict[str, Actor]
    entries: itertools.count  # index into the own unit's free list entries
    entry_ids: list[int]
    box_id: int
    signed_pdf: Callable[[int], None]  # gives a document a PDF signed personally and by the organisation




def approved_list(session, unit_id: int, abbreviation: str, count: int) -> list[int]:
    drafts = tuple(EntryDraft(title=f"Kế hoạch công tác số {n}", retention=Retention(permanent=n == 1, years=None
                                                                                    if n == 1 else 10))
                   for n in range(1, count + 1))
    created = dossier_lists.create_list(session, ADMIN, unit_id, 2026,
                                        [HeadingDraft(title="Tổng hợp", abbreviation=abbreviation, entries=drafts)])
    dossier_lists.approve_list(session, ADMIN, created.id)
    return [entry.id for entry in created.entries]


@pytest.fixture(scope="module")
def province(database, storage, settings, pki, demo) -> Province:
    with database.session(ADMIN) as session:
        root = session.scalar(select(Unit.id).where(Unit.code == "000.00.00.H47"))
        made = {key: units.create_unit(session, ADMIN, code=code, name=name, level="department", parent_id=root).id
                for key, code, name in UNITS}
        people = create_people(session, [(username, role, made[key]) for username, role, key in PEOPLE])
        fonds.create_fonds(session, ADMIN, made["own"], code="STC", name="Phông Sở Tài chính")
        fonds.create_fonds(session, ADMIN, made["other"], code="SYT", name="Phông Sở Y tế")
        entry_ids = approved_list(session, made["own"], "TH", 40)
        approved_list(session, made["other"], "TH", 3)
        warehouse = locations.create_warehouse(session, ADMIN, made["own"], code="K1", name="Kho tầng 1")
        shelf = locations.create_shelf(session, ADMIN, warehouse.id, code="03")
        box = locations.create_box(session, ADMIN, shelf.id, code="12", capacity=1)
    staff = people["tc.canbo"]

    def signed_pdf(document_id: int) -> None:
        with database.session(staff) as session:
            document_files.add_file(session, staff, storage, settings, document_id=document_id,
                                    stream=BytesIO(pdf()), file_name="ke-hoach.pdf")
        sign_for_submission(database, storage, settings, pki, document_id)

    return Province(made["own"], made["other"], people, itertools.count(), entry_ids, box.id, signed_pdf)


@pytest.fixture
def login(app, csrf_token):
    """A client logged in as one of this module's people, through the login form."""

    def make(username: str) -> FlaskClient:
        return form_login(app, username)

    return make






def next_entry(province: Province) -> int:
    return province.entry_ids[next(province.entries) + 1]  # the first entry is left for the form test


def draft(database, province: Province, *, complete: bool = True, with_file: bool = True) -> int:
    """A draft dossier of the own unit formed by its staff (metadata and one document when complete, its PDF signed
    personally and by the organisation ``with_file``: ready to submit)."""
    staff = province.people["tc.canbo"]
    with database.session(staff) as session:
        dossier = dossiers.create_dossier(session, staff, unit_id=province.own, year=2026,
                                          list_entry_id=next_entry(province),
                                          metadata=COMPLETE_DOSSIER if complete else {})
        document_id = dossiers.add_document(session, staff, dossier.id, COMPLETE_DOCUMENT).id if complete else None
        dossier_id = dossier.id
    if document_id is not None and with_file:
        province.signed_pdf(document_id)
    return dossier_id


def moved(database, province: Province, dossier_id: int, *steps: str) -> int:
    calls = {"submit": ("tc.canbo", dossiers.submit), "approve": ("tc.lanhdao", dossiers.approve),
             "archive": ("tc.lanhdao", dossiers.archive)}
    for step in steps:
        username, call = calls[step]
        actor = province.people[username]
        with database.session(actor) as session:
            call(session, actor, dossier_id)
    return dossier_id


def dossier_count(database) -> int:
    with database.session(ADMIN) as session:
        return session.scalar(select(func.count()).select_from(Dossier))


def new_dossier_form(entry_id: int, token: str, **changes: str) -> dict[str, str]:
    return {"csrf_token": token, "year": "2026", "list_entry_id": str(entry_id), "fonds_id": "", "title": "",
            **COMPLETE_DOSSIER, **changes}


# -- pages and menus ----------------------------------------------------------------------------------------------


def test_the_screens_render_in_vietnamese_for_staff_and_head(login, province, database):
    draft(database, province)
    for username in ("tc.canbo", "tc.lanhdao"):
        client = login(username)
        menu = set(re.findall(r'<a tabindex="-1" href="([^"]+)">\s*<i[^>]*></i>&nbsp;\s*([^<]+?)</a>',
                              text(client.get("/"))))
        assert {("/dossiers/", "Hồ sơ"), ("/approvals/", "Chờ duyệt"), ("/dossier-lists/", "Danh mục hồ sơ"),
                ("/store/", "Kho lưu trữ")} <= menu, menu
        listing = client.get("/dossiers/")
        assert listing.status_code == 200
        page = text(listing)
        assert "Tiêu đề hoặc mã" in page and "Trạng thái" in page and "Đang lập" in page
        assert "STC.2026." in page
        assert client.get("/approvals/").status_code == 200
        assert "Danh mục hồ sơ năm 2026" in text(client.get("/dossier-lists/"))
        assert "Kho K1 / Kệ 03 / Hộp 12" in text(client.get("/store/"))


def test_english_is_one_switch_away(login, province):
    client = login("tc.canbo")
    client.get("/lang/en")
    page = text(client.get("/dossiers/"))
    assert "Title or code" in page and "Form a dossier" in page
    assert "Tiêu đề hoặc mã" not in page


def test_search_filter_and_paging(login, province, database):
    first = draft(database, province, complete=False)
    client = login("tc.canbo")
    with database.session(ADMIN) as session:
        code = session.get(Dossier, first).code
    found = text(client.get(f"/dossiers/?q={code}"))
    assert f'data-dossier-id="{first}"' in found and "1 hồ sơ" in found
    assert f'data-dossier-id="{first}"' not in text(client.get("/dossiers/?state=archived"))
    assert "0 hồ sơ" in text(client.get("/dossiers/?year=2025"))
    other = login("yt.canbo")
    assert f'data-dossier-id="{first}"' not in text(other.get("/dossiers/"))  # another unit's dossiers stay hidden
    assert client.get("/dossiers/?page=999&year=abc&state=bogus").status_code == 200


# -- forming a dossier --------------------------------------------------------------------------------------------


def test_staff_form_a_dossier_from_an_entry_of_the_approved_list(login, csrf_token, province, database, audit_count):
    client = login("tc.canbo")
    form = text(client.get("/dossiers/new?year=2026"))
    entry = province.entry_ids[0]
    assert f'<option value="{entry}"' in form and "01.TH — Kế hoạch công tác số 1 (Vĩnh viễn)" in form
    assert "Mức độ tiếp cận / chế độ sử dụng" in form  # labels of the TT 05/2025 profile
    before = audit_count()
    answer = client.post("/dossiers/new", data=new_dossier_form(entry, csrf_token(client, "/dossiers/new")))
    assert answer.status_code == 302, text(answer)[:2000]
    page = text(client.get(answer.headers["Location"]))
    assert "STC.2026.01.TH" in page and "000.00.60.H47.2026.01.TH" in page
    assert "Kế hoạch công tác số 1" in page and "Đang lập" in page and "Sử dụng rộng rãi" in page
    assert "Đã lập hồ sơ STC.2026.01.TH." in page
    assert audit_count() == before + 1
    again = text(client.get("/dossiers/new?year=2026"))
    assert re.search(rf'<option value="{entry}" disabled', again)  # the entry is taken now


def test_a_refused_form_keeps_the_input_and_shows_the_error_beside_the_field(login, csrf_token, province, database,
                                                                           audit_count):
    client = login("tc.canbo")
    token = csrf_token(client, "/dossiers/new")
    before, count = audit_count(), dossier_count(database)
    long_title = "Hồ sơ " + "x" * 10_000
    answer = client.post("/dossiers/new", data=new_dossier_form(province.entry_ids[-1], token, title=long_title))
    assert answer.status_code == 422
    page = text(answer)
    assert "dài tối đa 1000 ký tự" in field(page, "title")
    assert long_title in field(page, "title")
    assert 'value="Tiếng Việt"' in field(page, "language")  # other input kept too

    answer = client.post("/dossiers/new", data=new_dossier_form(province.entry_ids[-1], token,
                                                                start_date="31/02/2026"))
    assert answer.status_code == 422
    start = field(text(answer), "start_date")
    assert "phải là ngày dạng ngày/tháng/năm" in start and 'value="31/02/2026"' in start

    answer = client.post("/dossiers/new", data=new_dossier_form(province.entry_ids[-1], token,
                                                                end_date="01/01/2026"))
    assert "Thời gian kết thúc phải sau thời gian bắt đầu" in field(text(answer), "end_date")

    answer = client.post("/dossiers/new", data=new_dossier_form(0, token, list_entry_id=""))
    assert "Số và ký hiệu hồ sơ" in field(text(answer), "list_entry_id")
    assert audit_count() == before and dossier_count(database) == count


def test_a_year_without_an_approved_list_says_so(login):
    page = text(login("tc.canbo").get("/dossiers/new?year=2025"))
    assert "Đơn vị chưa có danh mục hồ sơ năm 2025" in field(page, "list_entry_id")


def test_editing_a_draft_and_the_refusal_of_a_bad_date(login, csrf_token, province, database):
    dossier_id = draft(database, province, complete=False)
    client = login("tc.canbo")
    form = text(client.get(f"/dossiers/{dossier_id}/edit"))
    assert "Kế hoạch công tác số" in field(form, "title")
    data = {"csrf_token": csrf_token(client, f"/dossiers/{dossier_id}/edit"), "title": "Kế hoạch đã sửa",
            "retention_years": "10", "language": "Tiếng Việt", "start_date": "32/01/2026"}
    answer = client.post(f"/dossiers/{dossier_id}/edit", data=data)
    assert answer.status_code == 422
    assert 'value="32/01/2026"' in field(text(answer), "start_date")
    assert "Kế hoạch đã sửa" in field(text(answer), "title")
    answer = client.post(f"/dossiers/{dossier_id}/edit", data={**data, "start_date": "2026-01-05"})
    assert answer.status_code == 302
    page = text(client.get(f"/dossiers/{dossier_id}"))
    assert "Kế hoạch đã sửa" in page and "05/01/2026" in page and "10 năm" in page


# -- documents and files ------------------------------------------------------------------------------------------


def test_adding_a_document_then_uploading_a_real_pdf_and_downloading_it(login, csrf_token, province, database):
    dossier_id = draft(database, province, complete=False)
    client = login("tc.canbo")
    form = text(client.get(f"/documents/new/{dossier_id}"))
    assert "Tên loại văn bản" in form and "Trích yếu nội dung" in form
    answer = client.post(f"/documents/new/{dossier_id}",
                         data={"csrf_token": csrf_token(client, f"/documents/new/{dossier_id}"), **COMPLETE_DOCUMENT})
    assert answer.status_code == 302
    upload_path = answer.headers["Location"]
    assert "/upload" in upload_path
    content = pdf(2)
    answer = client.post(upload_path, content_type="multipart/form-data", data={
        "csrf_token": csrf_token(client, upload_path), "file": (BytesIO(content), "Kế hoạch năm 2026.pdf")})
    assert answer.status_code == 302, text(answer)[:2000]
    page = text(client.get(f"/dossiers/{dossier_id}"))
    assert "Kế hoạch năm 2026.pdf" in page
    file_id = re.search(r'data-file-id="(\d+)"', page).group(1)
    download = client.get(f"/documents/files/{file_id}")
    assert download.status_code == 200
    assert download.data == content
    assert download.headers["Content-Type"] == "application/pdf"
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "2026.pdf" in disposition
    assert download.headers["X-Content-Type-Options"] == "nosniff"


def test_editing_a_document_keeps_a_bad_page_count_beside_its_field(login, csrf_token, province, database):
    dossier_id = draft(database, province)
    with database.session(ADMIN) as session:
        document_id = session.get(Dossier, dossier_id).documents[0].id
    client = login("tc.canbo")
    path = f"/documents/{document_id}/edit"
    form = text(client.get(path))
    assert 'value="15/02/2026"' in field(form, "issued_on") and "Sử dụng rộng rãi" in field(form, "usage_mode")
    data = {"csrf_token": csrf_token(client, path), **COMPLETE_DOCUMENT, "page_count": "nhiều",
            "summary": "Kế hoạch đã sửa"}
    answer = client.post(path, data=data)
    assert answer.status_code == 422
    assert "phải là số nguyên" in field(text(answer), "page_count")
    assert "Kế hoạch đã sửa" in field(text(answer), "summary")
    assert client.post(path, data={**data, "page_count": "4"}).status_code == 302
    assert "Kế hoạch đã sửa" in text(client.get(f"/dossiers/{dossier_id}"))


def test_a_renamed_exe_is_refused_with_a_clear_message_and_nothing_is_stored(login, csrf_token, province, database,
                                                                             storage, audit_count):
    dossier_id = draft(database, province, with_file=False)
    with database.session(ADMIN) as session:
        document_id = session.get(Dossier, dossier_id).documents[0].id
    client = login("tc.canbo")
    path = f"/documents/{document_id}/upload"
    before = audit_count()
    objects = list(storage.iter_keys("sha256/"))
    fake = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 4000
    answer = client.post(path, content_type="multipart/form-data", data={
        "csrf_token": csrf_token(client, path), "file": (BytesIO(fake), "ke-hoach.pdf")})
    assert answer.status_code == 422
    message = field(text(answer), "file")
    assert "chương trình Windows (.exe, .dll)" in message and "không phải PDF" in message
    assert audit_count() == before
    assert list(storage.iter_keys("sha256/")) == objects
    with database.session(ADMIN) as session:
        assert session.scalar(select(func.count()).select_from(DocumentFile)
                              .where(DocumentFile.document_id == document_id)) == 0


def test_the_upload_script_gets_the_next_page_as_json(login, csrf_token, province, database):
    dossier_id = draft(database, province, with_file=False)
    with database.session(ADMIN) as session:
        document_id = session.get(Dossier, dossier_id).documents[0].id
    client = login("tc.canbo")
    path = f"/documents/{document_id}/upload"
    page = text(client.get(path))
    assert "upload.onprogress" in page and "<progress" in page
    answer = client.post(path, content_type="multipart/form-data", headers={"X-Requested-With": "XMLHttpRequest"},
                         data={"csrf_token": csrf_token(client, path), "file": (BytesIO(pdf()), "a.pdf")})
    assert answer.status_code == 200
    assert answer.get_json() == {"location": f"/dossiers/{dossier_id}"}


# -- workflow -------------------------------------------------------------------------------------------------------


def buttons(page: str) -> set[str]:
    return set(re.findall(r'id="kholuutru-action-(\w+)"', page))


def test_buttons_appear_only_for_the_actions_the_archive_allows(login, province, database):
    dossier_id = draft(database, province)
    staff, head, reader = login("tc.canbo"), login("tc.lanhdao"), login("tc.khaithac")
    page = text(staff.get(f"/dossiers/{dossier_id}"))
    assert buttons(page) == {"submit"} and ">Nộp</button>" in page
    assert 'id="kholuutru-edit"' in page and 'id="kholuutru-add-document"' in page
    assert buttons(text(head.get(f"/dossiers/{dossier_id}"))) == set()
    assert buttons(text(reader.get(f"/dossiers/{dossier_id}"))) == set()

    moved(database, province, dossier_id, "submit")
    page = text(head.get(f"/dossiers/{dossier_id}"))
    assert buttons(page) == {"approve", "return"}
    assert ">Duyệt</button>" in page and ">Trả lại</button>" in page
    assert buttons(text(staff.get(f"/dossiers/{dossier_id}"))) == {"withdraw"}
    reader_page = text(reader.get(f"/dossiers/{dossier_id}"))
    assert buttons(reader_page) == set() and 'id="kholuutru-edit"' not in reader_page


def test_submit_approve_from_the_queue_and_archive(login, csrf_token, province, database, audit_count):
    dossier_id = draft(database, province)
    staff, head = login("tc.canbo"), login("tc.lanhdao")
    before = audit_count()
    answer = staff.post(f"/dossiers/{dossier_id}/workflow/submit",
                        data={"csrf_token": csrf_token(staff, f"/dossiers/{dossier_id}")})
    assert answer.status_code == 302
    assert "Chờ duyệt" in text(staff.get(f"/dossiers/{dossier_id}"))

    home = text(head.get("/"))
    assert "hồ sơ đang chờ bạn duyệt" in home
    queue = text(head.get("/approvals/"))
    assert f'data-dossier-id="{dossier_id}"' in queue
    answer = head.post(f"/dossiers/{dossier_id}/workflow/approve",
                       data={"csrf_token": csrf_token(head, "/approvals/"), "back": "queue"})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/approvals/")
    assert f'data-dossier-id="{dossier_id}"' not in text(head.get("/approvals/"))

    answer = head.post(f"/dossiers/{dossier_id}/workflow/archive",
                       data={"csrf_token": csrf_token(head, f"/dossiers/{dossier_id}")})
    assert answer.status_code == 302
    page = text(head.get(f"/dossiers/{dossier_id}"))
    assert 'id="kholuutru-state">Đã lưu trữ<' in page and 'id="kholuutru-correct"' in page
    assert audit_count() == before + 3


def test_returning_needs_a_reason_beside_its_field(login, csrf_token, province, database):
    dossier_id = moved(database, province, draft(database, province), "submit")
    head = login("tc.lanhdao")
    token = csrf_token(head, f"/dossiers/{dossier_id}")
    answer = head.post(f"/dossiers/{dossier_id}/workflow/return", data={"csrf_token": token, "reason": "  "})
    assert answer.status_code == 422
    assert "Lý do trả lại" in field(text(answer), "reason")
    answer = head.post(f"/dossiers/{dossier_id}/workflow/return",
                       data={"csrf_token": token, "reason": "Thiếu văn bản số 2"})
    assert answer.status_code == 302
    page = text(login("tc.canbo").get(f"/dossiers/{dossier_id}"))
    assert "Đang lập" in page and "Thiếu văn bản số 2" in page


def test_a_draft_lists_what_blocks_submission_and_submitting_it_is_refused(login, csrf_token, province, database):
    dossier_id = draft(database, province, complete=False)
    staff = login("tc.canbo")
    page = text(staff.get(f"/dossiers/{dossier_id}"))
    problems = page[page.index('id="kholuutru-submit-problems"'):]
    assert "Thiếu &#39;Mức độ tin cậy&#39;" in problems and "Hồ sơ chưa có văn bản nào." in problems
    answer = staff.post(f"/dossiers/{dossier_id}/workflow/submit",
                        data={"csrf_token": csrf_token(staff, f"/dossiers/{dossier_id}")})
    assert answer.status_code == 422
    assert "Chưa nộp được hồ sơ" in text(answer)
    with database.session(ADMIN) as session:
        assert session.get(Dossier, dossier_id).state == "draft"


def test_an_archived_dossier_is_corrected_only_with_a_reason(login, csrf_token, province, database):
    dossier_id = moved(database, province, draft(database, province), "submit", "approve", "archive")
    staff = login("tc.canbo")
    assert staff.get(f"/dossiers/{dossier_id}/edit").status_code == 302  # sealed: no edit form
    form = text(staff.get(f"/dossiers/{dossier_id}/correct"))
    assert "Tiếng Việt" in field(form, "language")
    data = {"csrf_token": csrf_token(staff, f"/dossiers/{dossier_id}/correct"), **COMPLETE_DOSSIER,
            "title": "Kế hoạch công tác (hiệu chỉnh)", "retention_years": "10", "reason": ""}
    answer = staff.post(f"/dossiers/{dossier_id}/correct", data=data)
    assert answer.status_code == 422 and "Lý do hiệu chỉnh" in field(text(answer), "reason")
    assert "Kế hoạch công tác (hiệu chỉnh)" in field(text(answer), "title")
    answer = staff.post(f"/dossiers/{dossier_id}/correct", data={**data, "reason": "Sai chính tả tiêu đề"})
    assert answer.status_code == 302
    assert "Kế hoạch công tác (hiệu chỉnh)" in text(staff.get(f"/dossiers/{dossier_id}"))


# -- isolation and the box ----------------------------------------------------------------------------------------


def test_another_units_dossier_is_not_found(login, province, database):
    dossier_id = draft(database, province, with_file=False)
    with database.session(ADMIN) as session:
        document_id = session.get(Dossier, dossier_id).documents[0].id
    other = login("yt.canbo")
    answer = other.get(f"/dossiers/{dossier_id}")
    assert answer.status_code == 404
    assert f"Không tìm thấy hồ sơ số {dossier_id}." in text(answer)
    for path in (f"/dossiers/{dossier_id}/edit", f"/documents/{document_id}/upload", f"/documents/{document_id}/edit",
                 f"/documents/new/{dossier_id}"):
        assert other.get(path).status_code == 404, path


def test_staff_place_an_archived_dossier_in_a_box(login, csrf_token, province, database, audit_count):
    dossier_id = moved(database, province, draft(database, province), "submit", "approve", "archive")
    staff, head = login("tc.canbo"), login("tc.lanhdao")
    assert 'id="kholuutru-place"' not in text(head.get(f"/dossiers/{dossier_id}"))  # heads do not place paper
    page = text(staff.get(f"/dossiers/{dossier_id}"))
    assert "Chưa xếp vào hộp." in page and "Kho K1 / Kệ 03 / Hộp 12 (0/1 hồ sơ)" in page
    before = audit_count()
    token = csrf_token(staff, f"/dossiers/{dossier_id}")
    answer = staff.post(f"/dossiers/{dossier_id}/place", data={"csrf_token": token, "box_id": str(province.box_id)})
    assert answer.status_code == 302
    page = text(staff.get(f"/dossiers/{dossier_id}"))
    assert 'id="kholuutru-box-label">Kho K1 / Kệ 03 / Hộp 12<' in page and "Đã lưu trữ" in page
    assert audit_count() == before + 1

    another = moved(database, province, draft(database, province), "submit", "approve", "archive")
    before = audit_count()
    answer = staff.post(f"/dossiers/{another}/place", data={"csrf_token": token, "box_id": str(province.box_id)})
    assert answer.status_code == 409
    assert "đã đầy (1 hồ sơ)" in field(text(answer), "box_id")
    assert audit_count() == before
    box = text(staff.get(f"/store/boxes/{province.box_id}"))
    assert f"/dossiers/{dossier_id}" in box and f"/dossiers/{another}" not in box


# -- suspension and province-wide roles ---------------------------------------------------------------------------


@pytest.fixture
def waiting_draft(database, province) -> int:
    """A complete draft, made before the platform is suspended."""
    return draft(database, province)


def test_while_suspended_a_dossier_write_is_503_and_changes_nothing(app, csrf_token, waiting_draft, database,
                                                                    suspended):
    staff = app.test_client()
    token = csrf_token(staff, "/login/")  # the session's token: no other form is readable while suspended
    answer = staff.post("/login/", data={"username": "tc.canbo", "password": PASSWORD, "csrf_token": token})
    assert answer.status_code == 302 and "/login" not in answer.headers["Location"]  # logging in stays possible
    for path, data in ((f"/dossiers/{waiting_draft}/workflow/submit", {}),
                       (f"/dossiers/{waiting_draft}/edit", {"title": "Không được sửa"}),
                       (f"/documents/new/{waiting_draft}", COMPLETE_DOCUMENT)):
        answer = staff.post(path, data={"csrf_token": token, **data})
        assert answer.status_code == 503, path
        assert "Hệ thống đang tạm dừng hoạt động" in text(answer)
    with database.session(ADMIN) as session:
        dossier = session.get(Dossier, waiting_draft)
        assert dossier.state == "draft" and dossier.title != "Không được sửa" and len(dossier.documents) == 1


def test_the_system_admin_chooses_the_unit_of_unit_wide_pages(client_as, province, database):
    dossier_id = draft(database, province, with_file=False)
    admin = client_as("admin")
    assert admin.get(f"/dossiers/{dossier_id}").status_code == 200  # province-wide reading
    store = text(admin.get(f"/store/?unit={province.own}"))
    assert 'id="unit"' in store and "Kho K1 / Kệ 03 / Hộp 12" in store
    lists = text(admin.get(f"/dossier-lists/?unit={province.own}"))
    assert "Danh mục hồ sơ năm 2026" in lists and "Sở Tài chính" in lists
    form = text(admin.get(f"/dossiers/new?year=2026&unit={province.own}"))
    assert "Kế hoạch công tác số" in form and f'action="/dossiers/new?unit={province.own}"' in form
