"""Dossier and document metadata: codes, mandatory fields per profile, limits, and bad input that writes nothing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from kholuutru.archive import dossiers
from kholuutru.archive.access import Actor
from kholuutru.archive.dossier_models import Document, Dossier
from kholuutru.archive.errors import Conflict, InvalidInput
from kholuutru.archive.metadata_profiles import CURRENT_PROFILE, LEGACY_PROFILE, PROFILES
from kholuutru.archive.models import AuditEvent


def counts(database) -> tuple[int, int, int]:
    with database.session(Actor.system("count")) as session:
        return (session.query(Dossier).count(), session.query(Document).count(), session.query(AuditEvent).count())


def test_codes_follow_the_rules(database, factory, province):
    staff = province["A"].actor()
    dossier_id = factory.draft(province["A"], staff)
    with database.session(staff) as session:
        dossier = session.get(Dossier, dossier_id)
        document = dossier.documents[0]
        assert re.fullmatch(r"F01\.2026\.\d{2}\.TH", dossier.code) and len(dossier.code) <= 30
        assert dossier.office_code == f"000.00.01.H47.2026.{dossier.number_symbol}"
        assert re.fullmatch(r"000\.00\.01\.H47\.2026\.\d{6}", document.identifier) and len(document.identifier) <= 25
        assert document.order_in_dossier == 1
        assert dossier.retention_permanent or dossier.retention_years == 10


def test_a_code_is_never_issued_twice(database, province):
    staff = province["A"].actor()
    entry = province["A"].entries.pop(0)
    with database.session(staff) as session:
        dossiers.create_dossier(session, staff, unit_id=province["A"].id, year=2026, list_entry_id=entry)
    before = counts(database)
    with pytest.raises(Conflict) as refused, database.session(staff) as session:
        dossiers.create_dossier(session, staff, unit_id=province["A"].id, year=2026, list_entry_id=entry)
    assert refused.value.field == "number_symbol" and counts(database) == before


def test_legacy_dossiers_without_a_list_entry(database, province):
    staff = province["A"].actor()
    with database.session(staff) as session:
        dossier = dossiers.create_dossier(
            session, staff, unit_id=province["A"].id, year=2019, number_symbol_value="05.VP",
            title="Hồ sơ hội nghị tổng kết năm 2019", retention_years="20", profile_code=LEGACY_PROFILE)
        assert (dossier.code, dossier.profile, dossier.retention_years) == ("F01.2019.05.VP", LEGACY_PROFILE, 20)


@pytest.mark.parametrize(("overrides", "field"), [
    ({"title": "x" * 10_000}, "title"),
    ({"number_symbol_value": "01 TH; DROP"}, "number_symbol"),
    ({"number_symbol_value": "0123456789.ABCDEFGHIJ"}, "number_symbol"),
    ({"number_symbol_value": "../../01"}, "number_symbol"),
    ({"number_symbol_value": "01/TH"}, "number_symbol"),
    ({"retention_years": "0"}, "retention_years"),
    ({"retention_years": "vài năm"}, "retention_years"),
    ({"retention_years": "10", "retention_permanent": True}, "retention_years"),
    ({"year": "hai nghìn"}, "year"),
    ({"profile_code": "tt99"}, "profile"),
    ({"metadata": {"start_date": "31/02/2026"}}, "start_date"),
    ({"metadata": {"start_date": "2026-03-01", "end_date": "2026-02-01"}}, "end_date"),
    ({"metadata": {"access_level": "bí mật quốc gia"}}, "access_level"),
    ({"metadata": {"keywords": "k" * 101}}, "keywords"),
    ({"metadata": {"procedure_code": "1-005129"}}, "procedure_code"),
    ({"metadata": {"colour": "đỏ"}}, "colour"),
])
def test_bad_dossier_input_names_the_field_and_writes_nothing(database, province, overrides, field):
    staff = province["A"].actor()
    values = {"unit_id": province["A"].id, "year": 2026, "number_symbol_value": "99.TH", "title": "Hồ sơ thử",
              "retention_years": "5"} | overrides
    before = counts(database)
    with pytest.raises(InvalidInput) as refused, database.session(staff) as session:
        dossiers.create_dossier(session, staff, **values)
    assert refused.value.field == field
    assert refused.value.message("vi") and refused.value.message("en")
    assert counts(database) == before


@pytest.mark.parametrize("profile_code", [CURRENT_PROFILE, LEGACY_PROFILE])
def test_every_mandatory_field_blocks_submission(database, province, profile_code, complete_dossier,
                                                 complete_document):
    staff = province["A"].actor()
    rules = PROFILES[profile_code]
    for missing in rules.dossier_required + tuple(f"documents[1].{key}" for key in rules.document_required):
        dossier_values = {k: v for k, v in complete_dossier.items() if k != missing}
        document_values = {k: v for k, v in complete_document.items() if f"documents[1].{k}" != missing}
        with database.session(staff) as session:
            dossier = dossiers.create_dossier(
                session, staff, unit_id=province["A"].id, year=2026, list_entry_id=province["A"].entries.pop(0),
                profile_code=profile_code,
                metadata={k: v for k, v in dossier_values.items() if k != "title"})
            if missing == "title":
                session.execute(text("UPDATE dossiers SET title = '' WHERE id = :i"), {"i": dossier.id})
                session.refresh(dossier)
            dossiers.add_document(session, staff, dossier.id, document_values)
            dossier_id = dossier.id
        with pytest.raises(InvalidInput) as refused, database.session(staff) as session:
            dossiers.submit(session, staff, dossier_id)
        assert refused.value.field == missing, (missing, refused.value.message("en"))


def test_a_dossier_without_documents_or_files_cannot_be_submitted(database, province, complete_dossier,
                                                                  complete_document):
    staff = province["A"].actor()
    with database.session(staff) as session:
        dossier = dossiers.create_dossier(session, staff, unit_id=province["A"].id, year=2026,
                                          list_entry_id=province["A"].entries.pop(0), metadata=complete_dossier)
    with pytest.raises(InvalidInput) as refused, database.session(staff) as session:
        dossiers.submit(session, staff, dossier.id)
    assert refused.value.field == "documents"
    with database.session(staff) as session:
        dossiers.add_document(session, staff, dossier.id, complete_document)
    with pytest.raises(InvalidInput) as refused, database.session(staff) as session:
        dossiers.submit(session, staff, dossier.id)
    assert refused.value.field == "documents[1].file"


def test_the_submit_hook_takes_new_rules(database, factory, province):
    staff = province["A"].actor()
    dossier_id = factory.draft(province["A"], staff)

    def needs_signature(dossier):
        return [dossiers.Problem("signature", "Thiếu chữ ký số.", "A signature is missing.")]

    dossiers.register_submit_check(needs_signature)
    try:
        with pytest.raises(InvalidInput) as refused, database.session(staff) as session:
            dossiers.submit(session, staff, dossier_id)
        assert refused.value.field == "signature"
    finally:
        dossiers._SUBMIT_CHECKS.remove(needs_signature)


def test_listing_is_scoped_to_the_unit(database, factory, province):
    factory.draft(province["B"], province["B"].actor())
    staff_a = province["A"].actor()
    with database.session(staff_a) as session:
        rows, total = dossiers.list_dossiers(session, staff_a, limit=1000)
        raw = session.execute(text("SELECT DISTINCT unit_id FROM dossiers")).scalars().all()
    assert total == len(rows) > 0 and {d.unit_id for d in rows} == {province["A"].id}
    assert raw == [province["A"].id]
    with database.session(staff_a) as session:
        assert dossiers.list_dossiers(session, staff_a, search="kế hoạch số")[1] > 0
        assert dossiers.list_dossiers(session, staff_a, search="%")[1] == 0, "wildcards are matched literally"
