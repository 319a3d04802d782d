"""Extraction templates find certificate number, holder and issue date in OCR text; staff confirm; result codes."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from kholuutru.archive import extraction, result_codes
from kholuutru.archive.errors import InvalidInput, PermissionDenied
from kholuutru.archive.models import AuditEvent, Unit

from .conftest import CERTIFICATE, staff, unit_admin

FIELDS = [
    {"key": "certificate_number", "label": "Số giấy chứng nhận", "type": "text",
     "pattern": r"Số giấy chứng nhận\s*:\s*([0-9A-Z]{10})"},
    {"key": "holder_name", "label": "Họ và tên chủ hộ", "type": "text", "anchor": "Họ và tên chủ hộ"},
    {"key": "issued_on", "label": "Ngày cấp", "type": "date", "anchor": "Ngày cấp"},
]


@pytest.fixture(scope="module")
def template_id(database, unit_id) -> int:
    with database.session(unit_admin(unit_id)) as session:
        template = extraction.create_template(session, unit_admin(unit_id), unit_id=unit_id,
                                              procedure_code="1.001612", name="Giấy chứng nhận đăng ký hộ kinh doanh",
                                              fields=FIELDS)
        return template.id


def test_only_unit_admins_manage_templates_and_rules_are_checked(database, unit_id):
    with pytest.raises(PermissionDenied), database.session(staff(unit_id)) as session:
        extraction.create_template(session, staff(unit_id), unit_id=unit_id, procedure_code="1.000001",
                                   name="Mẫu", fields=FIELDS)
    broken = [{"key": "so", "label": "Số", "type": "text", "pattern": "Số: [0-9]+"}]  # no capturing group
    with pytest.raises(InvalidInput) as refused, database.session(unit_admin(unit_id)) as session:
        extraction.create_template(session, unit_admin(unit_id), unit_id=unit_id, procedure_code="1.000001",
                                   name="Mẫu", fields=broken)
    assert refused.value.field == "fields[0].pattern"


def test_a_template_extracts_the_result_fields_from_ocr_text(database, unit_id, template_id, digitised_certificate,
                                                              settings):
    document_id = digitised_certificate()
    with database.session(staff(unit_id)) as session:
        proposal = extraction.propose(session, staff(unit_id), document_id=document_id, template_id=template_id)
        assert proposal.proposed == {"certificate_number": "40A8012345", "holder_name": "Nguyễn Thị Hồng Nhung",
                                     "issued_on": "2026-03-15"}
        assert proposal.state == "proposed" and proposal.result_code is None


def test_corrections_are_audited_and_a_result_code_is_issued(database, unit_id, template_id, digitised_certificate,
                                                             settings):
    document_id = digitised_certificate(CERTIFICATE.replace("Nguyễn Thị Hồng Nhung", "Trần Văn Bình"))
    with database.session(staff(unit_id)) as session:
        proposal = extraction.propose(session, staff(unit_id), document_id=document_id, template_id=template_id)
    with database.session(staff(unit_id)) as session:
        confirmed = extraction.confirm(session, staff(unit_id), settings, proposal.id,
                                       {"holder_name": "Trần Văn Bính", "issued_on": "16/03/2026"})
        assert confirmed.values == {"certificate_number": "40A8012345", "holder_name": "Trần Văn Bính",
                                    "issued_on": "2026-03-16"}
        assert re.fullmatch(r"KQ\.H47\.\d{6}", confirmed.result_code)
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "extraction.confirm")
                                .where(AuditEvent.object_id == str(proposal.id))).one()
        assert event.actor_name == "canbo-boc-tach"
        assert event.details["corrections"] == {
            "holder_name": {"proposed": "Trần Văn Bình", "confirmed": "Trần Văn Bính"},
            "issued_on": {"proposed": "2026-03-15", "confirmed": "2026-03-16"},
        }
        assert event.details["result_code"] == confirmed.result_code
        assert [row.id for row in extraction.find(session, staff(unit_id), holder_name="Trần Văn Bính")] == [
            proposal.id]
        exported = extraction.export_rows(session, staff(unit_id), template_id)
        assert {"result_code": confirmed.result_code, "document_id": document_id,
                "certificate_number": "40A8012345", "holder_name": "Trần Văn Bính",
                "issued_on": "2026-03-16"} in exported

    with pytest.raises(InvalidInput) as refused, database.session(staff(unit_id)) as session:
        extraction.confirm(session, staff(unit_id), settings, proposal.id, {"issued_on": "không rõ"})
    assert refused.value.field == "values.issued_on"


def test_result_codes_follow_the_pattern_and_never_repeat(database, unit_id, settings):
    with database.session(staff(unit_id)) as session:
        unit = session.get(Unit, unit_id)
        codes = [result_codes.issue(session, settings, unit) for _ in range(3)]
    assert len(set(codes)) == 3
    numbers = [int(code.rsplit(".", 1)[1]) for code in codes]
    assert numbers == sorted(numbers) and numbers[2] - numbers[0] == 2
    assert all(re.fullmatch(r"KQ\.H47\.\d{6}", code) for code in codes)
    custom = settings.model_copy(update={"result_code_pattern": "KQ-{level1}-{number:08d}"})
    with database.session(staff(unit_id)) as session:
        assert result_codes.issue(session, custom, session.get(Unit, unit_id)) == "KQ-H47-00000001"
