"""The demo province: every role has an account, the demo unit has dossiers in every state, and a rerun adds nothing."""

from __future__ import annotations

from kholuutru.archive import audit, retention, roles
from kholuutru.archive.access import Actor
from kholuutru.archive.access_request_models import AccessRequest
from kholuutru.archive.dossier_models import DocumentFile, Dossier
from kholuutru.archive.models import AuditEvent
from kholuutru.archive.seed import seed_demo

SYSTEM = Actor.system("test")


def test_demo_province(database, storage, settings):
    created = seed_demo(database, storage, settings, echo=lambda _: None)
    assert {c.role for c in created} == set(roles.ROLES)
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

    assert seed_demo(database, storage, settings, echo=lambda _: None) == []
    with database.session(SYSTEM) as session:
        assert session.query(AuditEvent).count() == events
