"""Reports: counts, the per-unit indicators and the six-monthly report (.xlsx, .pdf), each scoped to its viewer."""

from __future__ import annotations

import io
import subprocess
from collections import Counter

import pytest
from openpyxl import load_workbook
from search_province import ADMIN, INSPECTOR_ACTOR
from sqlalchemy import select

from kholuutru.archive import reports, usage_report_files
from kholuutru.archive.digitisation_models import Digitisation
from kholuutru.archive.dossier_models import Document, DocumentFile, Dossier
from kholuutru.archive.errors import InvalidInput, PermissionDenied
from kholuutru.archive.roles import RECORDS_STAFF, UNIT_HEAD
from kholuutru.archive.signature_models import SignatureValidation

PERIOD = reports.Period.half_year(2022, 1)


def cohort(place):
    return [record for record in place.records if record.created_at.year == 2022]


@pytest.fixture(scope="module")
def signed_and_digitised(database, places):
    """One personally signed document and one digitised procedure dossier in unit A's 2022 cohort."""
    place = places["A"]
    with database.session(ADMIN) as session:
        procedure = session.scalar(select(Dossier).where(Dossier.unit_id == place.id, Dossier.year == 2022,
                                                         Dossier.procedure_code.is_not(None)).limit(1))
        document = session.scalar(select(Document).where(Document.dossier_id == procedure.id).limit(1))
        file = DocumentFile(document_id=document.id, unit_id=place.id, version=1, object_key="sha256/bb/" + "b" * 64,
                            sha256="b" * 64, size=1, media_type="application/pdf", file_name="ky.pdf")
        session.add(file)
        session.flush()
        session.add(SignatureValidation(document_file_id=file.id, unit_id=place.id, field_name="ChuKyCaNhan1",
                                        kind="personal", status="valid", signer="Nguyễn Văn A"))
        session.add(Digitisation(unit_id=place.id, document_id=document.id, source_file_id=file.id,
                                 state="succeeded", requested_by="t"))
    return procedure.id


def test_a_unit_head_gets_the_indicators_of_their_unit_only(database, places, signed_and_digitised):
    place = places["A"]
    head = place.actor(UNIT_HEAD)
    with database.session(head) as session:
        rows = reports.indicators(session, head, PERIOD)
    assert [row.unit_id for row in rows] == [place.id]
    row, expected = rows[0], cohort(place)
    assert row.created == len(expected)
    assert row.submitted == len([r for r in expected if r.state != "draft"])
    assert row.archived == len([r for r in expected if r.state == "archived"])
    assert row.documents == sum(len(r.documents) for r in expected)
    assert row.procedure_dossiers == len([r for r in expected if r.metadata.get("procedure_code")])
    assert (row.personally_signed, row.organisation_signed, row.digitised, row.extracted) == (1, 0, 1, 0)
    assert row.shares["personal_signature"] == round(1 / row.documents, 4)
    assert row.approval_hours == 48.0  # every approved test dossier waited two days


def test_province_wide_roles_see_every_unit_and_others_are_refused(database, places):
    with database.session(INSPECTOR_ACTOR) as session:
        assert {row.unit_id for row in reports.indicators(session, INSPECTOR_ACTOR, PERIOD)} == {
            places["A"].id, places["B"].id}
        by_unit = reports.counts(session, INSPECTOR_ACTOR, "unit")
    assert sum(row.dossiers for row in by_unit) == len(places["A"].records) + len(places["B"].records)
    staff = places["A"].actor(RECORDS_STAFF)
    with database.session(staff) as session, pytest.raises(PermissionDenied):
        reports.counts(session, staff, "state")


def test_counts_by_each_grouping_match_the_dossiers(database, places):
    place = places["B"]
    head = place.actor(UNIT_HEAD)
    with database.session(head) as session:
        states = {row.key: row.dossiers for row in reports.counts(session, head, "state")}
        years = {row.key: row.documents for row in reports.counts(session, head, "year", year_from=2020)}
        retention = {row.label: row.dossiers for row in reports.counts(session, head, "retention")}
        procedures = {row.key: row.dossiers for row in reports.counts(session, head, "procedure")}
        with pytest.raises(InvalidInput):
            reports.counts(session, head, "colour")
    assert states == dict(Counter(r.state for r in place.records))
    assert years == {str(y): sum(len(r.documents) for r in place.records if r.year == y) for y in range(2020, 2027)}
    assert retention["Vĩnh viễn"] == len([r for r in place.records if r.retention_permanent])
    assert procedures["1.005129"] == len([r for r in place.records if r.metadata.get("procedure_code")])


def test_the_six_monthly_report_opens_as_xlsx_with_the_right_totals(database, places, signed_and_digitised):
    with database.session(INSPECTOR_ACTOR) as session:
        report = reports.usage_report(session, INSPECTOR_ACTOR, PERIOD)
    sheet = load_workbook(io.BytesIO(usage_report_files.to_xlsx(report))).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][0] == usage_report_files.TITLE_VI and "6 tháng đầu năm 2022" in values[1][0]
    assert values[4][:3] == ["Mã đơn vị", "Đơn vị", "Hồ sơ lập"]
    body, total = values[6:-1], values[-1]
    assert [row[1] for row in body] == ["Sở A", "Sở B"]
    created = len(cohort(places["A"])) + len(cohort(places["B"]))
    assert total[1] == "Tổng cộng / Total" and total[2] == created == sum(row[2] for row in body)
    assert total[5] == sum(len(r.documents) for name in "AB" for r in cohort(places[name]))
    assert total[6].startswith("1 (")


def test_the_six_monthly_report_opens_as_pdf_with_vietnamese_text_and_only_the_viewers_units(
        database, places, tmp_path, signed_and_digitised):
    head = places["B"].actor(UNIT_HEAD)
    with database.session(head) as session:
        report = reports.usage_report(session, head, reports.Period.half_year("2022", "1"))
    path = tmp_path / "report.pdf"
    path.write_bytes(usage_report_files.to_pdf(report))
    words = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                           check=True).stdout
    assert "BÁO CÁO TÌNH HÌNH SỬ DỤNG" in words and "6 tháng đầu năm 2022" in words
    assert "Sở B" in words and "Sở A" not in words and "Tổng cộng" in words
    assert f"Tổng cộng / Total {report.total.created} {report.total.submitted}" in " ".join(words.split())


def test_a_period_is_checked():
    with pytest.raises(InvalidInput) as refused:
        reports.Period.half_year(2022, 3)
    assert refused.value.field == "half"
