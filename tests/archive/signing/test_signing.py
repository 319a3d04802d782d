"""Personal then organisation signature on a stored PDF, each a new version that validates; tampering, trust, order."""

from __future__ import annotations

import io
import re
import subprocess

import pikepdf
import pytest
from pki_support import running_pki
from pypdf import PdfReader
from sqlalchemy import select

from kholuutru.archive import document_files, dossiers, signature_validation, signing
from kholuutru.archive.dossier_models import Document, DocumentFile
from kholuutru.archive.errors import Conflict, InvalidInput, PermissionDenied
from kholuutru.archive.models import AuditEvent
from kholuutru.archive.signature_models import SignatureValidation
from kholuutru.archive.signing_keys import Pkcs12Key

from .conftest import ADMIN, TEXT, clerk, staff


def _sign_both(database, storage, settings, pki, unit_id: int, document_id: int) -> signing.Signed:
    with database.session(staff(unit_id)) as session:
        signing.sign_personal(session, staff(unit_id), storage, settings, document_id=document_id,
                              key=pki.pkcs12("staff"), position="Chuyên viên")
    with database.session(clerk(unit_id)) as session:
        return signing.sign_organisation(session, clerk(unit_id), storage, settings, document_id=document_id,
                                         key=pki.pkcs12("seal"), copy_type="Bản sao số hóa từ bản gốc giấy")


def _bytes(storage, file: DocumentFile) -> bytes:
    with storage.open(file.object_key) as stream:
        return stream.read()


def test_personal_then_organisation_both_validate(database, storage, signing_settings, pki, unit_id,
                                                   uploaded_document):
    document_id = uploaded_document()
    signed = _sign_both(database, storage, signing_settings, pki, unit_id, document_id)

    assert signed.file.version == 3  # upload, personal, organisation: each a new content-addressed version
    by_kind = {check.kind: check for check in signed.checks}
    assert set(by_kind) == {"personal", "organisation"}
    assert by_kind["personal"].status == by_kind["organisation"].status == "valid"
    assert by_kind["personal"].signer == "Nguyễn Văn An"
    assert by_kind["organisation"].signer == "Sở Nội vụ tỉnh Quảng Nam"
    assert by_kind["personal"].timestamped and by_kind["organisation"].timestamped
    assert by_kind["personal"].signing_time is not None

    data = _bytes(storage, signed.file)
    # Incremental updates: the personally signed version is a prefix of the organisation-signed one.
    with database.session(ADMIN) as session:
        versions = session.scalars(select(DocumentFile).where(DocumentFile.document_id == document_id)
                                   .order_by(DocumentFile.version)).all()
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "document.sign")
                                 .where(AuditEvent.object_id.in_([str(v.id) for v in versions]))).all()
        assert len(versions) == 3
        assert data.startswith(_bytes(storage, versions[1]))
        assert sorted(event.details["kind"] for event in events) == ["organisation", "personal"]
        assert all(event.actor_name in ("canbo", "vanthu") for event in events)
        assert {event.actor_name: event.details["kind"] for event in events} == {"canbo": "personal",
                                                                                  "vanthu": "organisation"}

    # The organisation stamp sits top-right of page 1.
    page = PdfReader(io.BytesIO(data)).pages[0]
    rects = {annotation.get_object()["/T"]: [float(v) for v in annotation.get_object()["/Rect"]]
             for annotation in page["/Annots"]}
    organisation_rect = rects["ChuKyToChuc-1"]
    assert organisation_rect[0] > float(page.mediabox.width) / 2
    assert organisation_rect[1] > float(page.mediabox.height) / 2


def test_a_changed_byte_is_reported_modified(database, storage, signing_settings, pki, unit_id, uploaded_document):
    signed = _sign_both(database, storage, signing_settings, pki, unit_id, uploaded_document())
    data = _bytes(storage, signed.file)
    position = data.index(TEXT)
    tampered = data[:position] + b"X" + data[position + 1:]  # one byte of the signed page content

    checks = signature_validation.validate_pdf(tampered, signing_settings)
    assert {(check.kind, check.status) for check in checks} == {("personal", "modified"),
                                                               ("organisation", "modified")}


def test_a_root_that_is_not_configured_is_untrusted(database, storage, signing_settings, pki, unit_id,
                                                     uploaded_document):
    signed = _sign_both(database, storage, signing_settings, pki, unit_id, uploaded_document())
    data = _bytes(storage, signed.file)
    elsewhere = signing_settings.model_copy(update={"signature_trust_roots_file": pki.other_roots_file})
    assert {check.status for check in signature_validation.validate_pdf(data, elsewhere)} == {"untrusted"}
    no_roots = signing_settings.model_copy(update={"signature_trust_roots_file": None})
    assert {check.status for check in signature_validation.validate_pdf(data, no_roots)} == {"untrusted"}


def test_order_and_roles_are_enforced(database, storage, signing_settings, pki, unit_id, uploaded_document):
    document_id = uploaded_document()
    with pytest.raises(Conflict) as refused, database.session(clerk(unit_id)) as session:
        signing.sign_organisation(session, clerk(unit_id), storage, signing_settings, document_id=document_id,
                                  key=pki.pkcs12("seal"))
    assert refused.value.field == "signatures.personal"
    with pytest.raises(PermissionDenied), database.session(clerk(unit_id)) as session:
        signing.sign_personal(session, clerk(unit_id), storage, signing_settings, document_id=document_id,
                              key=pki.pkcs12("staff"))
    wrong_password = pki.folder / "wrong-password"
    wrong_password.write_text("sai\n")
    with pytest.raises(InvalidInput) as refused, database.session(staff(unit_id)) as session:
        signing.sign_personal(session, staff(unit_id), storage, signing_settings, document_id=document_id,
                              key=Pkcs12Key.from_files(pki.folder / "staff.p12", wrong_password))
    assert refused.value.field == "pkcs12" and "mật khẩu" in refused.value.message_vi


def test_poppler_pdfsig_accepts_the_platform_signatures(database, storage, signing_settings, pki, unit_id,
                                                        uploaded_document, tmp_path):
    signed = _sign_both(database, storage, signing_settings, pki, unit_id, uploaded_document())
    path = tmp_path / "signed.pdf"
    path.write_bytes(_bytes(storage, signed.file))
    result = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, check=False)
    assert result.stdout.count("Signature is Valid.") == 2, result.stdout + result.stderr
    assert "Signature #2" in result.stdout and "ChuKyToChuc-1" in result.stdout


def test_an_upload_is_checked_and_recorded(database, storage, signing_settings, pki, unit_id, uploaded_document):
    document_id = uploaded_document()
    with database.session(staff(unit_id)) as session:
        file = session.scalars(select(DocumentFile).where(DocumentFile.document_id == document_id)).one()
        rows = signature_validation.check_file(session, staff(unit_id), storage, signing_settings, file)
        assert [(row.kind, row.status) for row in rows] == [("none", "unsigned")]
    signed = _sign_both(database, storage, signing_settings, pki, unit_id, uploaded_document())
    with database.session(staff(unit_id)) as session:
        upload = document_files.add_file(session, staff(unit_id), storage, signing_settings, document_id=document_id,
                                         stream=io.BytesIO(_bytes(storage, signed.file)), file_name="da-ky.pdf")
        rows = signature_validation.check_file(session, staff(unit_id), storage, signing_settings, upload)
        assert sorted((row.kind, row.status) for row in rows) == [("organisation", "valid"), ("personal", "valid")]
        assert session.scalars(select(AuditEvent).where(AuditEvent.action == "document.signatures_check")
                               .where(AuditEvent.object_id == str(upload.id))).one()


def test_submission_requires_both_signatures_by_default(database, storage, signing_settings, pki, unit_id,
                                                        uploaded_document, monkeypatch):
    def signature_problems(document_id: int) -> list[str]:
        with database.session(staff(unit_id)) as session:
            dossier = session.get(Document, document_id).dossier
            return [p.field for p in dossiers.can_submit(dossier) if ".signatures." in p.field]

    document_id = uploaded_document()
    assert signature_problems(document_id) == ["documents[1].signatures.personal",
                                               "documents[1].signatures.organisation"]
    with database.session(staff(unit_id)) as session:
        signing.sign_personal(session, staff(unit_id), storage, signing_settings, document_id=document_id,
                              key=pki.pkcs12("staff"))
    assert signature_problems(document_id) == ["documents[1].signatures.organisation"]
    monkeypatch.setenv("KHOLUUTRU_REQUIRE_SIGNATURES", "false")  # the configurable default, e.g. legacy imports
    assert signature_problems(document_id) == []
    monkeypatch.delenv("KHOLUUTRU_REQUIRE_SIGNATURES")
    with database.session(clerk(unit_id)) as session:
        signing.sign_organisation(session, clerk(unit_id), storage, signing_settings, document_id=document_id,
                                  key=pki.pkcs12("seal"))
    assert signature_problems(document_id) == []


def test_a_signature_that_is_only_untrusted_does_not_count_for_submission(database, storage, signing_settings, pki,
                                                                           unit_id, uploaded_document):
    document_id = uploaded_document()
    untrusting = signing_settings.model_copy(update={"signature_trust_roots_file": pki.other_roots_file})
    with database.session(staff(unit_id)) as session:
        signing.sign_personal(session, staff(unit_id), storage, untrusting, document_id=document_id,
                              key=pki.pkcs12("staff"))
    with database.session(staff(unit_id)) as session:
        dossier = session.get(Document, document_id).dossier
        assert [p.field for p in dossiers.can_submit(dossier) if ".signatures." in p.field] == [
            "documents[1].signatures.personal", "documents[1].signatures.organisation"]


def test_a_revoked_signer_is_reported_revoked_from_ocsp_and_from_the_crl(database, storage, signing_settings, pki,
                                                                          unit_id, uploaded_document):
    """The revoked certificate names the CA's OCSP responder and CRL, served by certomancer's animator on 127.0.0.1."""
    document_id = uploaded_document()
    with database.session(staff(unit_id)) as session:
        signed = signing.sign_personal(session, staff(unit_id), storage, signing_settings, document_id=document_id,
                                       key=pki.pkcs12("revoked"))
    assert [(check.kind, check.status, check.signer) for check in signed.checks] == [
        ("personal", "revoked", "Trần Văn Bị Thu Hồi")]
    with database.session(ADMIN) as session:
        assert session.scalars(select(SignatureValidation.status)
                               .where(SignatureValidation.document_file_id == signed.file.id)).all() == ["revoked"]
        assert signature_validation.missing_signatures(session, session.get(Document, document_id)) == [
            "personal", "organisation"]
    with pytest.raises(Conflict) as refused, database.session(clerk(unit_id)) as session:
        signing.sign_organisation(session, clerk(unit_id), storage, signing_settings, document_id=document_id,
                                  key=pki.pkcs12("seal"))
    assert "revoked" in refused.value.message_en
    data = _bytes(storage, signed.file)
    hard = signing_settings.model_copy(update={"signature_revocation_mode": "hard-fail"})
    assert [check.status for check in signature_validation.validate_pdf(data, hard)] == ["revoked"]

    # A certificate that names only a CRL: the CRL is fetched and lists it.
    with database.session(staff(unit_id)) as session:
        by_crl = signing.sign_personal(session, staff(unit_id), storage, signing_settings,
                                       document_id=uploaded_document(), key=pki.pkcs12("revoked-crl"))
    assert [(check.status, check.signer) for check in by_crl.checks] == [("revoked", "Lê Thị Hết Hiệu Lực")]


def test_revocation_is_fetched_and_an_unreachable_responder_fails_only_in_hard_fail_mode(
        database, storage, settings, unit_id, uploaded_document, tmp_path):
    """A PKI whose responder is gone once the signature is made: soft-fail still trusts it, hard-fail does not."""
    with running_pki(tmp_path) as gone:
        trusting_gone = settings.model_copy(update={"signature_trust_roots_file": gone.roots_file})
        document_id = uploaded_document()
        with database.session(staff(unit_id)) as session:
            signed = signing.sign_personal(session, staff(unit_id), storage, trusting_gone, document_id=document_id,
                                           key=gone.pkcs12("staff"))
        assert [check.status for check in signed.checks] == ["valid"]  # OCSP answered "good"
    data = _bytes(storage, signed.file)
    assert [check.status for check in signature_validation.validate_pdf(data, trusting_gone)] == ["valid"]
    hard = trusting_gone.model_copy(update={"signature_revocation_mode": "hard-fail"})
    assert [check.status for check in signature_validation.validate_pdf(data, hard)] == ["untrusted"]


def test_the_visible_stamps_show_signer_position_unit_and_time(database, storage, signing_settings, pki, unit_id,
                                                               uploaded_document, tmp_path):
    """The stamps' text read back as a reader sees it: annotations flattened into the page, then poppler's pdftotext
    (through the ToUnicode map of the embedded Vietnamese font)."""
    signed = _sign_both(database, storage, signing_settings, pki, unit_id, uploaded_document())
    flattened = tmp_path / "flattened.pdf"
    with pikepdf.open(io.BytesIO(_bytes(storage, signed.file))) as pdf:
        pdf.flatten_annotations("all")
        pdf.save(flattened)
    shown = subprocess.run(["pdftotext", "-layout", str(flattened), "-"], capture_output=True, text=True,
                           check=True).stdout
    lines = [" ".join(line.split()) for line in shown.splitlines()]  # a list: both stamps may show the same second
    assert {"Người ký: Nguyễn Văn An", "Chức vụ: Chuyên viên", "Đơn vị: Sở Nội vụ tỉnh Quảng Nam",
            "Bản sao số hóa từ bản gốc giấy", "Cơ quan, tổ chức: Sở Nội vụ tỉnh Quảng Nam",
            "Người ký: Sở Nội vụ tỉnh Quảng Nam"} <= set(lines), shown
    times = [line for line in lines if line.startswith("Thời gian ký: ")]
    assert len(times) == 2 and all(re.fullmatch(r"Thời gian ký: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00", line)
                                   for line in times), times
