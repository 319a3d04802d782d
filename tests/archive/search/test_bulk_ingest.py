"""Bulk ingest: the rules of forming a dossier hold for a whole batch, which is written all or nothing."""

from __future__ import annotations

import pytest
from search_province import ADMIN, records_for
from sqlalchemy import func, select

from kholuutru.archive import bulk_ingest, suspension
from kholuutru.archive.dossier_models import Document, Dossier, IssuedCode, SearchTerm
from kholuutru.archive.errors import Conflict, InvalidInput, PermissionDenied, PlatformSuspended
from kholuutru.archive.models import AuditEvent


def count(database, model, *where) -> int:
    with database.session(ADMIN) as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def test_a_batch_gets_codes_identifiers_search_text_and_one_audit_event(database, places):
    place = places["A"]
    dossiers = count(database, Dossier, Dossier.unit_id == place.id)
    assert dossiers == len(place.records)
    assert count(database, IssuedCode, IssuedCode.unit_id == place.id) == 2 * dossiers
    assert count(database, AuditEvent, AuditEvent.action == "dossier.bulk_ingest", AuditEvent.unit_id == place.id) == 1
    with database.session(ADMIN) as session:
        identifiers = session.scalars(select(Document.identifier).where(Document.unit_id == place.id,
                                                                        Document.identifier.like("%.2017.%"))).all()
        content = session.scalar(select(Dossier.search_content).where(Dossier.unit_id == place.id).limit(1))
    assert sorted(identifiers) == [f"000.00.01.H47.2017.{n:06d}" for n in range(1, len(identifiers) + 1)]
    assert "Quyết định" in content
    assert count(database, SearchTerm, SearchTerm.term == "quyet") == 1


def test_a_code_issued_before_refuses_the_whole_batch(database, places):
    place = places["A"]
    staff = place.actor()
    before = count(database, Dossier)
    with pytest.raises(Conflict) as refused, database.session(staff) as session:
        bulk_ingest.ingest(session, staff, records_for(place.id, place.fonds_id, "SA", 3))
    assert refused.value.field == "number_symbol" and count(database, Dossier) == before


def test_staff_of_another_unit_bad_fields_and_suspension_are_refused(database, places):
    place = places["A"]
    fresh = records_for(place.id, place.fonds_id, "NEW", 2)
    outsider = places["B"].actor()
    with pytest.raises(PermissionDenied), database.session(outsider) as session:
        bulk_ingest.ingest(session, outsider, fresh)
    staff = place.actor()
    broken = records_for(place.id, place.fonds_id, "BAD", 1)
    broken[0].documents = [{"summary": "x" * 501}]
    with pytest.raises(InvalidInput) as refused, database.session(staff) as session:
        bulk_ingest.ingest(session, staff, broken)
    assert refused.value.field == "summary"
    with database.session(ADMIN) as session:
        suspension.suspend(session, ADMIN, "Kiểm tra sự cố")
    try:
        with pytest.raises(PlatformSuspended), database.session(staff) as session:
            bulk_ingest.ingest(session, staff, fresh)
    finally:
        with database.session(ADMIN) as session:
            suspension.resume(session, ADMIN, "Đã xử lý")
    with database.session(staff) as session:
        bulk_ingest.ingest(session, staff, fresh)
    assert count(database, Dossier, Dossier.number_symbol.like("%.NEW")) == 2


def test_a_later_batch_numbers_documents_after_the_last_one_issued(database, places):
    place = places["B"]
    staff = place.actor()
    prefix = "000.00.02.H47.2018."

    def numbers() -> list[int]:
        with database.session(ADMIN) as session:
            return sorted(int(identifier.removeprefix(prefix)) for identifier in session.scalars(
                select(Document.identifier).where(Document.identifier.like(f"{prefix}%"))))

    before = numbers()
    later = [record for record in records_for(place.id, place.fonds_id, "LATER", 12) if record.year == 2018]
    with database.session(staff) as session:
        bulk_ingest.ingest(session, staff, later)
    after = numbers()
    added = sum(len(record.documents) for record in later)
    assert before == list(range(1, len(before) + 1)) and after == list(range(1, len(before) + added + 1))
