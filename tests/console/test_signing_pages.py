"""Signing through the console and the REST API with the certomancer test PKI: the records officer signs personally,
the clerk (văn thư) adds the organisation signature, both show valid; a wrong password is refused beside its field,
and the key and its password never touch the server's disk (every file the process writes is watched)."""

from __future__ import annotations

import io
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from console_support import bearer, csrf_token, draft_document, pdf, text, upload
from pki_support import PASSWORD
from sqlalchemy import select

from kholuutru.archive.access import Actor
from kholuutru.archive.models import AuditEvent

UNIT = "000.00.01.H47"


@pytest.fixture(scope="module")
def settings(settings, pki):
    """The module's settings trusting the test root, with the test TSA (the console app is built over them)."""
    return settings.model_copy(update={"signature_trust_roots_file": pki.roots_file, "tsa_url": pki.tsa_url})


def sign(client, document_id: int, kind: str, p12: bytes, password: str = PASSWORD, **extra: str):
    token = csrf_token(client, f"/signing/documents/{document_id}/{kind}")
    return client.post(f"/signing/documents/{document_id}/{kind}", content_type="multipart/form-data",
                       data={"csrf_token": token, "password": password, "pkcs12": (io.BytesIO(p12), "khoa.p12"),
                             **extra})


_WRITES = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND
_watching: list[list[str]] = []


def _audit(event: str, args: tuple) -> None:
    """Python's audit hook: note every file opened for writing and every folder or temporary file created."""
    if not _watching:
        return
    if event == "open" and isinstance(args[0], str | bytes | os.PathLike):
        path, mode, flags = args
        if (mode and any(letter in mode for letter in "wax+")) or (mode is None and flags & _WRITES):
            _watching[-1].append(os.fsdecode(path))
    elif event in ("os.mkdir", "tempfile.mkstemp", "tempfile.mkdtemp"):
        _watching[-1].append(os.fsdecode(args[0]))


sys.addaudithook(_audit)  # hooks cannot be removed; it only records while ``files_written`` is active


@contextmanager
def files_written() -> Iterator[list[str]]:
    """The paths this process writes or creates inside the block."""
    written: list[str] = []
    _watching.append(written)
    try:
        yield written
    finally:
        _watching.pop()


def signature_rows(page: str) -> list[tuple[str, str]]:
    return re.findall(r'class="kholuutru-signature" data-kind="(\w+)" data-status="(\w+)"', page)


def test_personal_then_organisation_signature_both_valid(client_as, database, storage, pki):
    staff, clerk = client_as("canbo"), client_as("vanthu")
    dossier_id, document_id = draft_document(database, UNIT, "KY01")
    upload(staff, document_id, pdf(), "quyet-dinh.pdf")
    page = text(staff.get(f"/dossiers/{dossier_id}"))
    assert signature_rows(page) == [("none", "unsigned")]
    assert "kholuutru-sign-personal" in page and "kholuutru-sign-organisation" not in page
    assert "kholuutru-sign-organisation" in text(clerk.get(f"/dossiers/{dossier_id}"))

    keys = {label: (pki.folder / f"{label}.p12").read_bytes() for label in ("staff", "seal")}
    with files_written() as written:
        signed = sign(staff, document_id, "personal", keys["staff"], position="Chuyên viên")
        assert signed.status_code == 302, text(signed)[:1000]
        sealed = sign(clerk, document_id, "organisation", keys["seal"])
        assert sealed.status_code == 302, text(sealed)[:1000]
    # Only the two signed PDF versions were written: into the document store, through the unnamed spool file
    # (O_TMPFILE in the temporary folder) in which the archive receives every new version. No named file or folder
    # was made anywhere else, so the keys and their passwords stayed in memory.
    outside = [path for path in written if not Path(path).resolve().is_relative_to(storage.root.resolve())]
    assert written and set(outside) <= {tempfile.gettempdir()}, written

    page = text(staff.get(f"/dossiers/{dossier_id}"))
    assert signature_rows(page) == [("personal", "valid"), ("organisation", "valid")]
    assert "Nguyễn Văn An" in page and "Sở Nội vụ tỉnh Quảng Nam" in page
    with database.session(Actor.system("test")) as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.object_type == "document_file")
                                 .order_by(AuditEvent.seq.desc()).limit(2)).all()
        assert [(event.action, event.details["kind"]) for event in reversed(events)] == [
            ("document.sign", "personal"), ("document.sign", "organisation")]
        assert PASSWORD not in str([event.details for event in events])


def test_a_wrong_password_is_refused_beside_the_key_field(client_as, database, pki):
    staff = client_as("canbo")
    _, document_id = draft_document(database, UNIT, "KY02")
    upload(staff, document_id, pdf(), "quyet-dinh.pdf")
    refused = sign(staff, document_id, "personal", (pki.folder / "staff.p12").read_bytes(), password="sai mật khẩu",
                   position="Chuyên viên")
    assert refused.status_code == 422
    page = text(refused)
    assert re.search(r'id="field-pkcs12">.*sai mật khẩu hoặc tệp hỏng', page, re.S)
    assert "sai mật khẩu\"" not in page  # the password typed is not shown back
    assert 'value="Chuyên viên"' in page
    policy = re.search(r'id="kholuutru-sign-policy">([^<]*)<', page).group(1)
    assert "chữ ký số cá nhân" in policy and "yêu cầu mặc định có thể cấu hình" in policy  # the UI names the default
    empty = sign(staff, document_id, "personal", (pki.folder / "staff.p12").read_bytes(), password="")
    assert empty.status_code == 422 and re.search(r'id="field-password">.*Hãy nhập mật khẩu', text(empty), re.S)
    # More than Werkzeug keeps in memory would have been spooled to disk: refused, so no accepted key ever is.
    oversized = sign(staff, document_id, "personal", bytes(500 * 1024 + 1))
    assert oversized.status_code == 422 and re.search(r'id="field-pkcs12">.*quá lớn', text(oversized), re.S)


def test_the_clerk_cannot_sign_personally_and_the_organisation_signature_waits_for_it(client_as, database, pki):
    staff, clerk = client_as("canbo"), client_as("vanthu")
    _, document_id = draft_document(database, UNIT, "KY03")
    upload(staff, document_id, pdf(), "quyet-dinh.pdf")
    first = sign(clerk, document_id, "organisation", (pki.folder / "seal.p12").read_bytes())
    assert first.status_code == 409 and "cán bộ phải ký trước văn thư" in text(first)
    wrong_role = sign(clerk, document_id, "personal", (pki.folder / "staff.p12").read_bytes())
    assert wrong_role.status_code == 403


def test_the_api_signs_and_reports_signatures(client, api_token, demo, database, pki):
    staff = bearer(api_token(client, "canbo", demo["canbo"]))
    clerk = bearer(api_token(client, "vanthu", demo["vanthu"]))
    _, document_id = draft_document(database, UNIT, "KY04")
    stored = client.post(f"/api/v1/documents/{document_id}/files", headers=staff,
                         data={"file": (io.BytesIO(pdf()), "van-ban.pdf")}, content_type="multipart/form-data")
    assert stored.status_code == 201, stored.get_json()
    before = client.get(f"/api/v1/documents/{document_id}/signatures", headers=staff).get_json()
    assert [(c["kind"], c["status"]) for c in before["checks"]] == [("none", "unsigned")]

    def post(headers, kind: str, label: str, password: str = PASSWORD):
        return client.post(f"/api/v1/documents/{document_id}/sign", headers=headers, content_type="multipart/form-data",
                           data={"kind": kind, "password": password,
                                 "pkcs12": (io.BytesIO((pki.folder / f"{label}.p12").read_bytes()), "k.p12")})

    wrong = post(staff, "personal", "staff", "sai")
    assert wrong.status_code == 422 and wrong.get_json()["field"] == "pkcs12"
    assert post(staff, "personal", "staff").status_code == 201
    sealed = post(clerk, "organisation", "seal")
    assert sealed.status_code == 201, sealed.get_json()
    assert [(c["kind"], c["status"]) for c in sealed.get_json()["checks"]] == [
        ("personal", "valid"), ("organisation", "valid")]
    after = client.get(f"/api/v1/documents/{document_id}/signatures?_l_=en", headers=staff).get_json()
    assert after["file"]["version"] == 3 and [c["signer"] for c in after["checks"]] == [
        "Nguyễn Văn An", "Sở Nội vụ tỉnh Quảng Nam"]
    assert client.post(f"/api/v1/documents/{document_id}/sign", headers=staff,
                       data={"kind": "both"}).get_json()["field"] == "kind"

