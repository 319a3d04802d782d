"""The demo province: every role has an account, the demo unit has dossiers in every state — each submitted one with
documents signed personally and by the organisation with the demo keys — and a rerun adds nothing."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.serialization import pkcs12

from kholuutru.archive import audit, retention, roles, signature_validation
from kholuutru.archive.access import Actor
from kholuutru.archive.access_request_models import AccessRequest
from kholuutru.archive.dossier_models import DocumentFile, Dossier
from kholuutru.archive.models import AuditEvent
from kholuutru.archive.seed import DemoSeed, seed_demo

SYSTEM = Actor.system("test")


@pytest.fixture(scope="module")
def seeded(database, storage, settings) -> DemoSeed:
    return seed_demo(database, storage, settings, echo=lambda _: None)


def test_demo_province(database, storage, settings, seeded):
    assert {c.role for c in seeded.accounts} == set(roles.ROLES)
    with database.session(SYSTEM) as session:
        demo = session.query(Dossier).all()
        assert {d.state for d in demo} == {"draft", "submitted", "approved", "archived"}
        assert any(d.state == "draft" and d.return_reason for d in demo), "a returned dossier"
        archived = [d for d in demo if d.state == "archived"]
        assert archived and all(d.box_id is not None for d in archived)
        assert retention.due_for_review(session, SYSTEM, archived[0].unit_id), "a dossier due for review"
        assert session.query(AccessRequest).filter_by(state="pending").count() == 1, "a request to decide"
        files = session.query(DocumentFile).all()
        assert files and all(storage.exists(f.object_key) for f in files)
        assert audit.verify(session).ok
        events = session.query(AuditEvent).count()

    again = seed_demo(database, storage, settings, echo=lambda _: None)
    assert again.accounts == [] and again.signing_keys is None
    with database.session(SYSTEM) as session:
        assert session.query(AuditEvent).count() == events


def test_demo_documents_carry_both_signatures_from_the_demo_keys(database, storage, settings, seeded):
    keys = seeded.signing_keys
    assert keys is not None and keys.folder == settings.data_dir / "demo-pki"
    for username in ("canbo", "vanthu"):
        data = (keys.folder / f"{username}.p12").read_bytes()
        with pytest.raises(ValueError):  # encrypted at rest: nothing opens it without the password
            pkcs12.load_key_and_certificates(data, None)
        assert pkcs12.load_key_and_certificates(data, keys.password.encode())[0] is not None
        assert (keys.folder / f"{username}.p12").stat().st_mode & 0o077 == 0
    with database.session(SYSTEM) as session:
        submitted = [d for d in session.query(Dossier).all() if d.documents]
        assert {d.state for d in submitted} == {"draft", "submitted", "approved", "archived"}  # draft: returned
        for dossier in submitted:
            for document in dossier.documents:
                assert signature_validation.missing_signatures(session, document) == [], dossier.code
                current = max(document.files, key=lambda file: file.version)
                checks = {(c.kind, c.status, c.signer) for c in signature_validation.latest_checks(session, current.id)}
                assert checks == {("personal", "valid", "Phạm Thị Dung"), ("organisation", "valid", "Sở Nội vụ")}
                with storage.open(current.object_key) as stream:  # validated again from the stored bytes
                    data = stream.read()
                again = signature_validation.validate_pdf(data, settings)
                assert sorted((c.kind, c.status) for c in again) == [("organisation", "valid"), ("personal", "valid")]
    # The demo CA is trusted on the demo's own data dir only.
    untrusting = settings.model_copy(update={"data_dir": settings.data_dir / "elsewhere"})
    assert {c.status for c in signature_validation.validate_pdf(data, untrusting)} == {"untrusted"}
