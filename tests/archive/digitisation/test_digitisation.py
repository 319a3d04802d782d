"""Scans → OCR (Tesseract vie) → PDF/A-2b with a text layer, as a queued job with progress; checks and refusals."""

from __future__ import annotations

import io
import json

import pikepdf
import pytest
from click.testing import CliRunner
from pypdf import PdfWriter
from sqlalchemy import select

from kholuutru.archive import digitisation, jobs, scan_checks, suspension
from kholuutru.archive.cli import main
from kholuutru.archive.dossier_models import DocumentFile
from kholuutru.archive.errors import InvalidInput
from kholuutru.archive.models import AuditEvent

from .conftest import ADMIN, SOURCE_TEXT, render_scan, staff


def _character_error_rate(reference: str, hypothesis: str) -> float:
    """Levenshtein distance over characters, whitespace runs counted as one space, divided by the reference length."""
    ref, hyp = " ".join(reference.split()), " ".join(hypothesis.split())
    previous = list(range(len(hyp) + 1))
    for i, ref_char in enumerate(ref, start=1):
        current = [i]
        for j, hyp_char in enumerate(hyp, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ref_char != hyp_char)))
        previous = current
    return previous[-1] / len(ref)


def test_a_200_dpi_vietnamese_scan_becomes_a_searchable_pdfa(database, storage, settings, unit_ids,
                                                             scanned_document):
    document_id = scanned_document(render_scan(200))
    with database.session(staff(unit_ids[0])) as session:
        requested = digitisation.request(session, staff(unit_ids[0]), storage, settings, document_id=document_id)
        assert requested.findings == []
        queued = digitisation.status(session, staff(unit_ids[0]), requested.id)
    assert (queued["state"], queued["progress"]) == ("queued", 0)

    job = jobs.run_next(database, storage, settings)
    assert job.state == "succeeded", job.message
    assert job.progress == 100 and "PDF/A-2B" in job.message

    with database.session(staff(unit_ids[0])) as session:
        done = digitisation.status(session, staff(unit_ids[0]), requested.id)
        assert done["state"] == "succeeded" and done["page_count"] == 1
        result = session.get(DocumentFile, done["result_file_id"])
        assert (result.version, result.media_type) == (2, "application/pdf")
        assert result.file_name == f"{result.document.dossier.code}.1.pdf"
        with storage.open(result.object_key) as stream, pikepdf.open(io.BytesIO(stream.read())) as pdf:
            assert pdf.open_metadata().pdfa_status == "2B"
        row = session.get(digitisation.Digitisation, requested.id)
        assert _character_error_rate(SOURCE_TEXT, row.ocr_text) <= 0.05, row.ocr_text
        assert [found.id for found in digitisation.search(session, staff(unit_ids[0]), "Hồng Nhung")] == [row.id]
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "digitisation")
                                  .where(AuditEvent.object_id == str(row.id)).order_by(AuditEvent.seq)).all()
        assert actions == ["document.digitise_request", "document.digitise"]
    other_unit = staff(unit_ids[1])
    with database.session(other_unit) as session:
        assert digitisation.search(session, other_unit, "Hồng Nhung") == []


def test_a_100_dpi_grey_scan_is_flagged_naming_the_field(database, storage, settings, unit_ids, scanned_document):
    report = scan_checks.check_scan(render_scan(100, mode="L"), settings.scan_min_dpi)
    assert not report.meets_standard
    by_field = {finding.field: finding for finding in report.findings}
    assert set(by_field) == {"resolution", "colour"}
    assert "100 dpi" in by_field["resolution"].message_vi and "below the minimum of 200 dpi" in \
        by_field["resolution"].message_en
    assert "không phải ảnh màu" in by_field["colour"].message_vi

    document_id = scanned_document(render_scan(100))
    with database.session(staff(unit_ids[0])) as session:
        requested = digitisation.request(session, staff(unit_ids[0]), storage, settings, document_id=document_id)
        assert [finding["field"] for finding in requested.findings] == ["resolution"]


def test_a_pdf_page_without_any_image_has_no_resolution_to_measure(settings):
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    report = scan_checks.check_scan(buffer.getvalue(), settings.scan_min_dpi)
    assert (report.pages, report.dpi, report.findings) == (1, [None], [])


def test_a_corrupt_image_is_refused_clearly(settings, tmp_path):
    broken = render_scan(200)[:400]  # a PNG cut short: the header is right, the image data is not there
    with pytest.raises(InvalidInput) as refused:
        scan_checks.check_scan(broken, settings.scan_min_dpi)
    assert refused.value.field == "file"
    assert "hỏng" in refused.value.message_vi and "damaged" in refused.value.message_en

    path = tmp_path / "hong.png"
    path.write_bytes(broken)
    outcome = CliRunner().invoke(main, ["--data-dir", str(tmp_path), "digitise", str(path), "--json"])
    assert outcome.exit_code == 2
    reported = json.loads(outcome.stdout)
    assert reported["ok"] is False and reported["files"][0]["field"] == "file"


def test_the_command_line_digitises_a_scan(settings, tmp_path):
    path = tmp_path / "giay-chung-nhan.jpg"
    path.write_bytes(render_scan(200, image_format="JPEG"))
    outcome = CliRunner().invoke(main, ["--data-dir", str(tmp_path), "digitise", str(path), "--json",
                                        "--output-dir", str(tmp_path / "out")])
    assert outcome.exit_code == 0, outcome.output
    reported = json.loads(outcome.stdout)["files"][0]
    assert reported["pdfa"] == "2B" and reported["meets_standard"] and reported["dpi"] == [200.0]
    with pikepdf.open(tmp_path / "out" / "giay-chung-nhan.pdfa.pdf") as pdf:
        assert len(pdf.pages) == 1


def test_no_job_is_claimed_while_the_platform_is_suspended(database, storage, settings, unit_ids,
                                                           scanned_document):
    document_id = scanned_document(render_scan(200, text="Biên bản bàn giao"))
    with database.session(staff(unit_ids[0])) as session:
        digitisation.request(session, staff(unit_ids[0]), storage, settings, document_id=document_id)
    with database.session(ADMIN) as session:
        suspension.suspend(session, ADMIN, "Sự cố an ninh thử nghiệm")
    try:
        assert jobs.run_next(database, storage, settings) is None
    finally:
        with database.session(ADMIN) as session:
            suspension.resume(session, ADMIN, "Đã khắc phục")
    assert jobs.run_next(database, storage, settings).state == "succeeded"


def test_the_worker_command_runs_queued_jobs(database, storage, settings, unit_ids, scanned_document, tmp_path):
    document_id = scanned_document(render_scan(200, text="Quyết định số 45/QĐ-UBND"))
    with database.session(staff(unit_ids[0])) as session:
        requested = digitisation.request(session, staff(unit_ids[0]), storage, settings, document_id=document_id)
    environment = {"KHOLUUTRU_DATABASE_URL": database.app_url, "KHOLUUTRU_DATABASE_OWNER_URL": database.owner_url,
                   "KHOLUUTRU_STORAGE_URL": settings.documents_url}
    outcome = CliRunner().invoke(main, ["--data-dir", str(tmp_path), "jobs", "work", "--json"], env=environment)
    assert outcome.exit_code == 0, outcome.output
    reported = json.loads(outcome.stdout)
    # Every job still queued by this module's earlier tests is run too, in order; the queue is then empty.
    assert reported["ok"] and requested.job_id == reported["jobs"][-1]["id"]
    assert {job["state"] for job in reported["jobs"]} == {"succeeded"}
    assert jobs.run_next(database, storage, settings) is None
