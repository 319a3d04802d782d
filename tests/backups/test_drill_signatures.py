"""The drill validates again, on the restored bytes, every signature the archive recorded as intact."""

from __future__ import annotations

import io

import pytest
from pki_support import Pki
from pypdf import PdfWriter
from sqlalchemy import select

from kholuutru.archive import document_files, signing
from kholuutru.archive.access import Actor
from kholuutru.archive.dossier_models import Document, Dossier
from kholuutru.archive.models import Account
from kholuutru.archive.storage import open_storage
from kholuutru.backups.drill import run_drill
from kholuutru.backups.run import run_backup


def actor(session, username: str) -> Actor:
    account = session.scalars(select(Account).where(Account.username == username)).one()
    return Actor(account.id, account.username, account.unit_id, frozenset(role.name for role in account.roles))


@pytest.fixture(scope="module")
def signed_backup(database, settings, archive, pki: Pki):
    """A new version of a demo document signed by the records officer and sealed by the clerk (with the test PKI, beside
    the demo's own signatures), then one backup."""
    trusting = settings.model_copy(update={"signature_trust_roots_file": pki.roots_file})
    with database.session(Actor.system("test")) as session:
        staff, clerk = actor(session, "canbo"), actor(session, "vanthu")
        document_id = session.scalars(select(Document.id).join(Dossier).where(Dossier.state == "draft")
                                      .order_by(Document.id)).first()
    with database.session(staff) as session:
        document_files.add_file(session, staff, archive, trusting, document_id=document_id,
                                stream=io.BytesIO(_pdf()), file_name="ban-moi.pdf")
    with database.session(staff) as session:
        signing.sign_personal(session, staff, archive, trusting, document_id=document_id, key=pki.pkcs12("staff"),
                              position="Chuyên viên lưu trữ")
    with database.session(clerk) as session:
        signing.sign_organisation(session, clerk, archive, trusting, document_id=document_id,
                                  key=pki.pkcs12("seal"), copy_type="Bản sao điện tử")
    run_backup(trusting, database, open_storage(trusting))  # raises when the backup fails
    return trusting


def _pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": "Bản mới để ký"})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def checks_of(drill: dict) -> dict[str, dict]:
    return {check["check"]: check for check in drill["checks"]}


def test_signatures_validate_as_recorded_after_restore(signed_backup, database):
    drill = run_drill(signed_backup, database)
    signatures = checks_of(drill)["signatures"]
    assert drill["verdict"] == "passed", drill["checks"]
    # The demo seed's 10 signed documents (a personally signed version with 1 signature and a sealed one with 2
    # each: 30 in 20 files), and two versions more: the personally signed one (1) and the sealed one (2).
    assert signatures["result"] == "passed" and "33 signatures in 22 files" in signatures["detail"], signatures


def test_a_signature_that_no_longer_validates_the_same_fails_the_drill(signed_backup, database, pki: Pki):
    # Trusting another root makes the restored signatures "untrusted" where "valid" was recorded.
    elsewhere = signed_backup.model_copy(update={"signature_trust_roots_file": pki.other_roots_file})
    drill = run_drill(elsewhere, database)
    signatures = checks_of(drill)["signatures"]
    assert drill["verdict"] == "failed" and signatures["result"] == "failed"
    assert "untrusted ≠ valid" in signatures["detail"]
