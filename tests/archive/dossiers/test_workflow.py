"""Every workflow transition for every role, allowed and refused; one audit event each; archived is sealed."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kholuutru.archive import audit, dossiers
from kholuutru.archive.access import Actor
from kholuutru.archive.dossier_models import Dossier, DossierCorrection
from kholuutru.archive.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from kholuutru.archive.models import AuditEvent
from kholuutru.archive.roles import RECORDS_STAFF, ROLES, SYSTEM_ADMIN, UNIT_HEAD

# transition, state it starts from, roles of the dossier's unit allowed to do it, state it leads to
TRANSITIONS = [
    ("submit", "draft", {RECORDS_STAFF}, "submitted"),
    ("withdraw", "submitted", {RECORDS_STAFF}, "draft"),
    ("approve", "submitted", {UNIT_HEAD}, "approved"),
    ("return", "submitted", {UNIT_HEAD}, "draft"),
    ("archive", "approved", {RECORDS_STAFF, UNIT_HEAD}, "archived"),
]


def perform(session, actor: Actor, transition: str, dossier_id: int):
    if transition == "return":
        return dossiers.return_dossier(session, actor, dossier_id, "Thiếu văn bản số 2")
    function = {"submit": dossiers.submit, "withdraw": dossiers.withdraw, "approve": dossiers.approve,
                "archive": dossiers.archive}[transition]
    return function(session, actor, dossier_id)


def event_count(database) -> int:
    with database.session(Actor.system("count")) as session:
        return session.query(AuditEvent).count()


@pytest.mark.parametrize("role", sorted(ROLES))
@pytest.mark.parametrize(("transition", "start", "allowed", "end"), TRANSITIONS, ids=[t[0] for t in TRANSITIONS])
def test_transition_by_role(database, factory, province, role, transition, start, allowed, end):
    unit = province["A"]
    dossier_id, creator = factory.in_state(unit, start)
    actor = creator if role == RECORDS_STAFF else unit.actor(role)
    before = event_count(database)
    with database.session(Actor.system("look")) as session:
        offered = dossiers.allowed_actions(actor, session.get(Dossier, dossier_id))
    assert (transition in offered) == (role in allowed or role == SYSTEM_ADMIN), offered
    if role in allowed or role == SYSTEM_ADMIN:
        with database.session(actor) as session:
            assert perform(session, actor, transition, dossier_id).state == end
        assert event_count(database) == before + 1
        with database.session(actor) as session:
            last = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).one()
        assert last.action == f"dossier.{transition}" and last.object_id == str(dossier_id)
    else:
        with pytest.raises((PermissionDenied, NotFound)), database.session(actor) as session:
            perform(session, actor, transition, dossier_id)
        assert event_count(database) == before
        with database.session(Actor.system("check")) as session:
            assert session.get(Dossier, dossier_id).state == start


@pytest.mark.parametrize(("transition", "start", "allowed", "end"), TRANSITIONS, ids=[t[0] for t in TRANSITIONS])
def test_staff_of_another_unit_cannot_see_the_dossier(database, factory, province, transition, start, allowed, end):
    dossier_id, _ = factory.in_state(province["A"], start)
    for role in allowed:
        outsider = province["B"].actor(role)
        with pytest.raises(NotFound), database.session(outsider) as session:
            perform(session, outsider, transition, dossier_id)


@pytest.mark.parametrize("state", ["draft", "approved", "archived"])
def test_transitions_from_the_wrong_state_conflict(database, factory, province, state):
    dossier_id, staff = factory.in_state(province["A"], state)
    head = province["A"].actor(UNIT_HEAD)
    with pytest.raises(Conflict) as refused, database.session(head) as session:
        dossiers.approve(session, head, dossier_id)
    assert refused.value.field == "state"


def test_only_the_creator_withdraws(database, factory, province):
    dossier_id, _ = factory.in_state(province["A"], "submitted")
    colleague = province["A"].actor(RECORDS_STAFF)
    with pytest.raises(InvalidInput), database.session(colleague) as session:
        dossiers.withdraw(session, colleague, dossier_id)


def test_return_needs_a_reason_and_keeps_it(database, factory, province):
    dossier_id, _ = factory.in_state(province["A"], "submitted")
    head = province["A"].actor(UNIT_HEAD)
    with pytest.raises(InvalidInput) as refused, database.session(head) as session:
        dossiers.return_dossier(session, head, dossier_id, "  ")
    assert refused.value.field == "reason"
    with database.session(head) as session:
        returned = dossiers.return_dossier(session, head, dossier_id, "Bổ sung văn bản số 2")
    assert (returned.state, returned.return_reason) == ("draft", "Bổ sung văn bản số 2")


def test_an_archived_dossier_is_sealed_and_corrections_are_audited(database, factory, province, complete_document):
    dossier_id, staff = factory.in_state(province["A"], "archived")
    with database.session(staff) as session:
        document_id = session.get(Dossier, dossier_id).documents[0].id
    for attempt in (
        lambda s: dossiers.update_dossier(s, staff, dossier_id, {"keywords": "sửa lén"}),
        lambda s: dossiers.add_document(s, staff, dossier_id, complete_document),
        lambda s: dossiers.update_document(s, staff, document_id, {"summary": "sửa lén"}),
    ):
        with pytest.raises(Conflict) as refused, database.session(staff) as session:
            attempt(session)
        assert "hiệu chỉnh" in refused.value.message("vi")
    before = event_count(database)
    with pytest.raises(InvalidInput), database.session(staff) as session:
        dossiers.correct(session, staff, dossier_id, {"keywords": "kế hoạch"}, reason="")
    with database.session(staff) as session:
        corrected = dossiers.correct(session, staff, dossier_id, {"keywords": "kế hoạch; văn thư"},
                                     reason="Bổ sung từ khóa theo biên bản kiểm tra")
        assert corrected.keywords == "kế hoạch; văn thư" and corrected.state == "archived"
        correction = session.scalars(select(DossierCorrection).where(DossierCorrection.dossier_id == dossier_id)).one()
        assert correction.changes == {"keywords": [None, "kế hoạch; văn thư"]}
    with database.session(Actor.system("verify")) as session:
        assert audit.verify(session).ok
    assert event_count(database) == before + 1
