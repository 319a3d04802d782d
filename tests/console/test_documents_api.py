"""REST API of documents and their files: uploads judged by content, size and readability, safe names, downloads.

Every refused upload must be a clear 4xx naming the field ``file`` and leave nothing behind: no row, no audit event,
no stored object. The office (one department with a fonds and an approved list) is built with the archive's services.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections.abc import Callable

import pytest
from console_support import PASSWORD, bearer, create_people, pdf
from flask import Flask
from flask.testing import FlaskClient
from pki_support import sign_for_submission
from sqlalchemy import func, select

from kholuutru.archive import dossier_lists, dossiers, fonds, roles, units
from kholuutru.archive.access import Actor
from kholuutru.archive.catalogue_models import ListEntry
from kholuutru.archive.dossier_lists import EntryDraft, HeadingDraft, Retention
from kholuutru.archive.dossier_models import Document, DocumentFile, Dossier
from kholuutru.archive.models import AuditEvent, Unit
from kholuutru.archive.storage import Storage
from kholuutru.console.context import console_context

YEAR = dt.date.today().year
ADMIN = Actor.system("test")
DOCUMENT = {"type_name": "Tờ trình", "number": "3", "symbol": "TTr-SYT", "issued_on": f"{YEAR}-02-01",
            "issuing_organisation": "Sở Y tế", "summary": "Tờ trình phê duyệt kế hoạch", "usage_mode": "public",
            "page_count": 1}
PEOPLE = (("yt.canbo", roles.RECORDS_STAFF), ("yt.lanhdao", roles.UNIT_HEAD), ("yt.quantri", roles.UNIT_ADMIN))






@pytest.fixture(scope="module")
def people(database, demo) -> dict[str, Actor]:
    """Sở Y tế with staff, head and administrator, a fonds and an approved list for this year."""
    with database.session(ADMIN) as session:
        province = session.scalar(select(Unit.id).where(Unit.code == "000.00.00.H47"))
        unit = units.create_unit(session, ADMIN, code="000.00.73.H47", name="Sở Y tế", level="department",
                                 parent_id=province)
        made = create_people(session, [(username, role, unit.id) for username, role in PEOPLE])
    unit_admin = made["yt.quantri"]
    with database.session(unit_admin) as session:
        fonds.create_fonds(session, unit_admin, unit_admin.unit_id, code="SYT", name="Phông Sở Y tế")
        entries = tuple(EntryDraft(title=f"Hồ sơ số {n}", retention=Retention(permanent=True)) for n in range(1, 61))
        list_id = dossier_lists.create_list(session, unit_admin, unit_admin.unit_id, YEAR,
                                            [HeadingDraft(title="Tổng hợp", abbreviation="TH", entries=entries)]).id
    with database.session(made["yt.lanhdao"]) as session:
        dossier_lists.approve_list(session, made["yt.lanhdao"], list_id)
    return made


@pytest.fixture(scope="module")
def tokens(app: Flask, people) -> dict[str, str]:
    """Every person logged in once, up front (a login is an audited change)."""
    answers = {username: app.test_client().post("/api/v1/security/login", json={
        "username": username, "password": PASSWORD, "provider": "db"}) for username in people}
    return {username: answer.get_json()["access_token"] for username, answer in answers.items()}


@pytest.fixture
def document(database, people) -> int:
    """A fresh document in a fresh draft dossier (made through the services)."""
    staff = people["yt.canbo"]
    with database.session(staff) as session:
        formed = select(Dossier.list_entry_id).where(Dossier.list_entry_id.is_not(None))
        entry = session.scalar(select(func.min(ListEntry.id)).where(ListEntry.unit_id == staff.unit_id,
                                                                    ListEntry.id.not_in(formed)))
        dossier = dossiers.create_dossier(session, staff, unit_id=staff.unit_id, year=YEAR, list_entry_id=entry)
        return dossiers.add_document(session, staff, dossier.id, DOCUMENT).id


@pytest.fixture
def upload(client: FlaskClient, tokens) -> Callable[..., object]:
    def send(document_id: int, content: bytes, name: str, username: str = "yt.canbo"):
        return client.post(f"/api/v1/documents/{document_id}/files", headers=bearer(tokens[username]),
                           data={"file": (io.BytesIO(content), name)}, content_type="multipart/form-data")

    return send


@pytest.fixture
def nothing_stored(database, storage: Storage) -> Callable[[], tuple[int, int, int]]:
    """(file rows, audit events, stored objects): equal before and after a refused upload."""

    def snapshot() -> tuple[int, int, int]:
        with database.session(ADMIN) as session:
            rows = session.scalar(select(func.count()).select_from(DocumentFile)) or 0
            events = session.scalar(select(func.max(AuditEvent.seq))) or 0
        return rows, events, len(list(storage.iter_keys()))

    return snapshot


def test_upload_answers_the_fixity_data_and_download_returns_the_bytes(client, tokens, document, upload):
    content = pdf(2)
    answer = upload(document, content, "To-trinh.pdf")
    assert answer.status_code == 201, answer.get_json()
    stored = answer.get_json()
    assert stored["sha256"] == hashlib.sha256(content).hexdigest()
    assert (stored["size"], stored["media_type"], stored["version"], stored["file_name"]) == (
        len(content), "application/pdf", 1, "To-trinh.pdf")
    assert "object_key" not in stored

    download = client.get(stored["download"], headers=bearer(tokens["yt.lanhdao"]))
    assert download.status_code == 200
    assert download.data == content
    assert download.headers["Content-Disposition"] == "attachment; filename=To-trinh.pdf"
    assert download.headers["Content-Length"] == str(len(content))
    assert download.headers["ETag"].strip('"') == stored["sha256"]
    again = client.get(stored["download"], headers={**bearer(tokens["yt.lanhdao"]),
                                                    "If-None-Match": download.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_a_second_upload_is_a_new_version(document, upload):
    first = upload(document, pdf(1), "ban-1.pdf").get_json()
    second = upload(document, pdf(3), "ban-2.pdf").get_json()
    assert (first["version"], second["version"]) == (1, 2)
    assert first["sha256"] != second["sha256"]


def test_a_renamed_exe_is_refused_by_its_content(document, upload, nothing_stored):
    before = nothing_stored()
    answer = upload(document, b"MZ\x90\x00\x03\x00\x00\x00" + bytes(4096), "ke-hoach.pdf")
    assert answer.status_code == 422
    assert answer.get_json()["field"] == "file"
    assert "chương trình Windows" in answer.get_json()["message"]
    assert nothing_stored() == before


def test_a_malformed_pdf_is_refused(document, upload, nothing_stored):
    before = nothing_stored()
    answer = upload(document, b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 9 0 R >>\nendobj\n%%EOF\n", "hong.pdf")
    assert answer.status_code == 422
    assert answer.get_json()["field"] == "file"
    assert "bị hỏng hoặc không đọc được" in answer.get_json()["message"]
    assert nothing_stored() == before


def test_an_oversize_file_is_refused_at_the_limit(app, document, upload, nothing_stored, monkeypatch):
    monkeypatch.setattr(console_context(app).settings, "max_upload_bytes", 2048)
    before = nothing_stored()
    content = pdf(30)
    assert len(content) > 2048
    answer = upload(document, content, "lon.pdf")
    assert answer.status_code == 422, answer.get_json()
    assert answer.get_json()["field"] == "file"
    assert "vượt quá dung lượng tối đa 2048 bytes" in answer.get_json()["message"]
    assert nothing_stored() == before


def test_a_body_far_over_the_limit_is_refused_before_it_is_spooled(app, document, upload, nothing_stored,
                                                                   monkeypatch):
    monkeypatch.setattr(console_context(app).settings, "max_upload_bytes", 2048)
    before = nothing_stored()
    answer = upload(document, pdf() + bytes(256 * 1024), "rat-lon.pdf")
    assert answer.status_code == 413
    assert answer.get_json()["field"] == "file"
    assert "2048 bytes" in answer.get_json()["message"]
    assert nothing_stored() == before


@pytest.mark.parametrize(
    ("name", "kept"),
    [
        ("../../../../etc/cron.d/evil.pdf", "evil.pdf"),
        # in a quoted multipart file name a backslash escapes the next character, so the folders arrive glued
        ("..\\..\\Windows\\System32\\boot.pdf", "WindowsSystem32boot.pdf"),
        ("../..", "tai-lieu.pdf"),
        ("bao-cao.pdf\u202egnp.exe", "bao-cao.pdfgnp.exe.pdf"),
    ],
)
def test_a_path_traversal_name_is_stored_under_a_safe_name(client, tokens, document, upload, storage, settings,
                                                           name, kept):
    answer = upload(document, pdf(), name)
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["file_name"] == kept
    assert all(info.key.startswith("sha256/") for info in storage.iter_keys())
    assert not [path for path in settings.data_dir.parent.rglob("*") if path.name in ("evil.pdf", kept)]
    download = client.get(answer.get_json()["download"], headers=bearer(tokens["yt.canbo"]))
    assert download.headers["Content-Disposition"] == f"attachment; filename={kept}"


def test_a_vietnamese_name_is_kept_and_sent_in_rfc_5987_form(client, tokens, document, upload):
    answer = upload(document, pdf(), "Tờ trình số 3.pdf")
    assert answer.get_json()["file_name"] == "Tờ trình số 3.pdf"
    disposition = client.get(answer.get_json()["download"], headers=bearer(tokens["yt.canbo"])).headers[
        "Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''T%E1%BB%9D%20tr%C3%ACnh%20s%E1%BB%91%203.pdf" in disposition


def test_an_upload_without_a_file_part_names_the_field(client, tokens, document, nothing_stored):
    before = nothing_stored()
    answer = client.post(f"/api/v1/documents/{document}/files", headers=bearer(tokens["yt.canbo"]),
                         data={"tep": (io.BytesIO(pdf()), "a.pdf")}, content_type="multipart/form-data")
    assert answer.status_code == 422 and answer.get_json()["field"] == "file"
    assert nothing_stored() == before


def test_an_empty_file_is_refused(document, upload, nothing_stored):
    before = nothing_stored()
    answer = upload(document, b"", "rong.pdf")
    assert answer.status_code == 422 and answer.get_json()["field"] == "file"
    assert nothing_stored() == before


def test_documents_are_added_and_edited_through_the_service(client, tokens, database, people, document):
    staff = bearer(tokens["yt.canbo"])
    with database.session(people["yt.canbo"]) as session:
        dossier_id = session.get(Document, document).dossier_id
    added = client.post("/api/v1/documents/", headers=staff, json={"dossier_id": dossier_id, **DOCUMENT,
                                                                  "symbol": "TTr-2"})
    assert added.status_code == 201, added.get_json()
    body = added.get_json()
    assert (body["order_in_dossier"], body["files"]) == (2, [])
    assert body["identifier"].startswith(f"000.00.73.H47.{YEAR}.")
    edited = client.put(f"/api/v1/documents/{body['id']}", headers=staff, json={"note": "Bản chính", "page_count": 4})
    assert edited.status_code == 200, edited.get_json()
    assert (edited.get_json()["note"], edited.get_json()["page_count"]) == ("Bản chính", 4)


@pytest.mark.parametrize(
    ("body", "name"),
    [
        ({"summary": "S" * 10_000}, "summary"),
        ({"issued_on": "hôm qua"}, "issued_on"),
        ({"page_count": "nhiều"}, "page_count"),
        ({"usage_mode": "mật"}, "usage_mode"),
        ({"identifier": "X"}, "identifier"),
    ],
)
def test_bad_document_metadata_names_the_field_with_nothing_stored(client, tokens, database, document, body, name):
    staff = bearer(tokens["yt.canbo"])
    with database.session(ADMIN) as session:
        dossier_id = session.get(Document, document).dossier_id
        before = (session.scalar(select(func.count()).select_from(Document)),
                  session.scalar(select(func.max(AuditEvent.seq))))
    added = client.post("/api/v1/documents/", headers=staff, json={"dossier_id": dossier_id, **body})
    edited = client.put(f"/api/v1/documents/{document}", headers=staff, json=body)
    for answer in (added, edited):
        assert answer.status_code == 422, answer.get_json()
        assert answer.get_json()["field"] == name
    with database.session(ADMIN) as session:
        assert (session.scalar(select(func.count()).select_from(Document)),
                session.scalar(select(func.max(AuditEvent.seq)))) == before


def test_a_document_needs_its_dossier(client, tokens):
    staff = bearer(tokens["yt.canbo"])
    missing = client.post("/api/v1/documents/", headers=staff, json={"type_name": "Tờ trình"})
    assert missing.status_code == 422 and missing.get_json()["field"] == "dossier_id"
    unknown = client.post("/api/v1/documents/", headers=staff, json={"dossier_id": 999999})
    assert unknown.status_code == 404


def test_files_of_a_submitted_dossier_are_sealed(client, tokens, database, storage, settings, pki, people, document,
                                                 upload):
    assert upload(document, pdf(), "a.pdf").status_code == 201
    sign_for_submission(database, storage, settings, pki, document)
    with database.session(people["yt.canbo"]) as session:
        dossier_id = session.get(Document, document).dossier_id
        dossiers.update_dossier(session, people["yt.canbo"], dossier_id, {
            "access_level": "public", "language": "Tiếng Việt", "start_date": f"{YEAR}-01-01",
            "end_date": f"{YEAR}-01-31", "reliability": "digitised"})
    submitted = client.post(f"/api/v1/dossiers/{dossier_id}/submit", headers=bearer(tokens["yt.canbo"]))
    assert submitted.status_code == 200, submitted.get_json()
    answer = upload(document, pdf(2), "b.pdf")
    assert answer.status_code == 409 and answer.get_json()["field"] == "state"
    edit = client.put(f"/api/v1/documents/{document}", headers=bearer(tokens["yt.canbo"]), json={"note": "x"})
    assert edit.status_code == 409


def test_an_unknown_file_is_404(client, tokens, document):
    answer = client.get(f"/api/v1/documents/{document}/files/999999", headers=bearer(tokens["yt.canbo"]))
    assert answer.status_code == 404 and answer.get_json()["field"] == "file_id"


def test_a_document_is_shown_to_its_unit_only(client, tokens, document, demo, api_token):
    shown = client.get(f"/api/v1/documents/{document}", headers=bearer(tokens["yt.canbo"]))
    assert shown.status_code == 200 and shown.get_json()["id"] == document
    outsider = api_token(client, "canbo", demo["canbo"])  # records staff of Sở Nội vụ
    hidden = client.get(f"/api/v1/documents/{document}", headers=bearer(outsider))
    assert hidden.status_code == 404 and "message" in hidden.get_json()
