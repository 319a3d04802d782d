"""Digitisation and extraction through the console and the REST API: a rendered Vietnamese scan is uploaded, the
job worker of ``kholuutru up`` OCRs it, the progress page follows it, the text becomes searchable; a 100-dpi scan is
flagged; a unit admin's template proposes values that staff correct and confirm, audited, with a result code."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable, Iterator

import pytest
from console_support import bearer, csrf_token, draft_document, text
from scans import render_scan
from sqlalchemy import select

from kholuutru.archive import digitisation, extraction
from kholuutru.archive.access import Actor
from kholuutru.archive.models import AuditEvent, Unit
from kholuutru.archive.roles import UNIT_ADMIN
from kholuutru.console import job_worker

UNIT = "000.00.01.H47"
POLLS = 600  # a safety net for a hung job, not a speed assertion


@pytest.fixture(scope="module")
def worker(database, storage, settings) -> Iterator[None]:
    """The job worker thread exactly as ``kholuutru up`` runs it."""
    with job_worker.running(database, storage, settings):
        yield


def finished(client, digitisation_id: int) -> dict:
    """Poll the status JSON as the progress page does until the job has ended."""
    for _ in range(POLLS):
        status = client.get(f"/digitisation/{digitisation_id}/status").get_json()
        if status["state"] in ("succeeded", "failed"):
            return status
        time.sleep(0.5)
    pytest.fail(f"digitisation {digitisation_id} did not finish: {status}")


@pytest.fixture
def digitise(client_as) -> Callable[[int, bytes], tuple[int, str]]:
    def send(document_id: int, scan: bytes) -> tuple[int, str]:
        staff = client_as("canbo")
        token = csrf_token(staff, f"/digitisation/documents/{document_id}")
        answer = staff.post(f"/digitisation/documents/{document_id}", content_type="multipart/form-data",
                            data={"csrf_token": token, "file": (io.BytesIO(scan), "ban-quet.png")})
        assert answer.status_code == 302, text(answer)[:1000]
        digitisation_id = int(answer.headers["Location"].rstrip("/").rsplit("/", 1)[1])
        return digitisation_id, text(staff.get(answer.headers["Location"]))

    return send


def test_a_vietnamese_scan_is_digitised_through_the_queue_and_searchable(client_as, database, worker, digitise):
    dossier_id, document_id = draft_document(database, UNIT, "SH01")
    digitisation_id, page = digitise(document_id, render_scan(200))
    assert 'id="kholuutru-ocr-progress"' in page and "Đáp ứng yêu cầu kỹ thuật" not in page
    status = finished(client_as("canbo"), digitisation_id)
    assert status["state"] == "succeeded" and status["progress"] is not None and status["findings"] == []
    assert status["result_file_id"] is not None
    with database.session(Actor.system("test")) as session:
        found = digitisation.search(session, Actor.system("test"), "Nguyễn Thị Hồng Nhung")
        assert document_id in [row.document_id for row in found]
    dossier = text(client_as("canbo").get(f"/dossiers/{dossier_id}"))
    assert "kholuutru-extract" in dossier and ".SH01.1.pdf" in dossier


def test_a_100_dpi_scan_is_flagged_and_a_corrupt_one_refused(client_as, database, digitise):
    _, document_id = draft_document(database, UNIT, "SH02")
    _, page = digitise(document_id, render_scan(100))
    findings = re.search(r'<ul id="kholuutru-findings">(.*?)</ul>', page, re.S).group(1)
    assert "100" in findings and "200" in findings and 'data-field="resolution"' in findings
    staff = client_as("canbo")
    token = csrf_token(staff, f"/digitisation/documents/{document_id}")
    refused = staff.post(f"/digitisation/documents/{document_id}", content_type="multipart/form-data",
                         data={"csrf_token": token, "file": (io.BytesIO(b"\x89PNG\r\n\x1a\n" + bytes(300)), "x.png")})
    assert refused.status_code == 422
    assert re.search(r'id="field-file">.*kholuutru-field-error', text(refused), re.S)


def test_extraction_template_proposal_correction_and_result_code(client_as, database, worker, digitise):
    admin = client_as("qtdonvi")
    token = csrf_token(admin, "/extraction/templates/")
    rows = {"fields[0].key": "so_giay_chung_nhan", "fields[0].label": "Số giấy chứng nhận", "fields[0].type": "text",
            "fields[0].rule_kind": "anchor", "fields[0].rule": "Số giấy chứng nhận:",
            "fields[1].key": "chu_ho", "fields[1].label": "Họ và tên chủ hộ", "fields[1].type": "text",
            "fields[1].rule_kind": "anchor", "fields[1].rule": "Họ và tên chủ hộ:",
            "fields[2].key": "ngay_cap", "fields[2].label": "Ngày cấp", "fields[2].type": "date",
            "fields[2].rule_kind": "pattern", "fields[2].rule": r"Ngày cấp:\s*([0-9/]+)"}
    bad = admin.post("/extraction/templates/", data={"csrf_token": token, "procedure_code": "1.001612",
                                                     "name": "Giấy chứng nhận hộ kinh doanh",
                                                     **rows, "fields[2].rule": "Ngày cấp: [0-9/]+"})
    assert bad.status_code == 422 and re.search(r'id="field-fields\[2\].rule">.*nhóm', text(bad), re.S)
    saved = admin.post("/extraction/templates/", data={"csrf_token": token, "procedure_code": "1.001612",
                                                       "name": "Giấy chứng nhận hộ kinh doanh", **rows})
    assert saved.status_code == 302, text(saved)[:1000]

    _, document_id = draft_document(database, UNIT, "SH03")
    digitisation_id, _ = digitise(document_id, render_scan(200))
    staff = client_as("canbo")
    assert finished(staff, digitisation_id)["state"] == "succeeded"
    page = text(staff.get(f"/extraction/documents/{document_id}"))
    template_id = re.search(r'<option value="(\d+)" selected>1\.001612', page).group(1)
    token = csrf_token(staff, f"/extraction/documents/{document_id}")
    proposed = staff.post(f"/extraction/documents/{document_id}", data={"csrf_token": token,
                                                                         "template_id": template_id})
    assert proposed.status_code == 302
    form = text(staff.get(proposed.headers["Location"]))
    assert 'value="40A8012345"' in form and 'value="2026-03-15"' in form
    token = csrf_token(staff, proposed.headers["Location"])
    values = {"csrf_token": token, "values.so_giay_chung_nhan": "40A8012345",
              "values.chu_ho": "Nguyễn Thị Hồng Nhung (đã sửa)", "values.ngay_cap": "15/03/2026"}
    wrong = staff.post(proposed.headers["Location"], data={**values, "values.ngay_cap": "ngày mười lăm"})
    assert wrong.status_code == 422 and re.search(r'id="field-values.ngay_cap">.*không đúng kiểu', text(wrong), re.S)
    confirmed = staff.post(proposed.headers["Location"], data=values)
    assert confirmed.status_code == 302
    code = re.search(r'id="kholuutru-result-code">([^<]+)<', text(staff.get(proposed.headers["Location"]))).group(1)
    assert re.fullmatch(r"KQ\.H47\.\d{6}", code)
    with database.session(Actor.system("test")) as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "extraction.confirm")
                                .order_by(AuditEvent.seq.desc()).limit(1)).one()
        assert event.actor_name == "canbo" and event.details["result_code"] == code
        assert event.details["corrections"] == {"chu_ho": {"proposed": "Nguyễn Thị Hồng Nhung",
                                                           "confirmed": "Nguyễn Thị Hồng Nhung (đã sửa)"}}


def test_the_api_digitises_reports_the_job_and_extracts(client, api_token, demo, database, worker):
    staff = bearer(api_token(client, "canbo", demo["canbo"]))
    _, document_id = draft_document(database, UNIT, "SH04")
    queued = client.post(f"/api/v1/documents/{document_id}/digitise", headers=staff,
                         content_type="multipart/form-data", data={"file": (io.BytesIO(render_scan(200)), "a.png")})
    assert queued.status_code == 202, queued.get_json()
    job_url = queued.get_json()["job"]
    for _ in range(POLLS):
        job = client.get(job_url, headers=staff).get_json()
        if job["state"] in ("succeeded", "failed"):
            break
        time.sleep(0.5)
    assert job["state"] == "succeeded" and job["progress"] == 100, job
    stranger = bearer(api_token(client, "canbotp", demo["canbotp"]))
    assert client.get(job_url, headers=stranger).status_code == 404

    with database.session(Actor.system("test")) as session:
        unit_id = session.scalar(select(Unit.id).where(Unit.code == UNIT))
        admin = Actor(user_id=None, username="qtdonvi", unit_id=unit_id, roles=frozenset({UNIT_ADMIN}))
        extraction.create_template(session, admin, unit_id=unit_id, procedure_code="2.000001", name="Mẫu API",
                                   fields=[{"key": "so_giay_chung_nhan", "type": "text",
                                            "anchor": "Số giấy chứng nhận:"},
                                           {"key": "ngay_cap", "type": "date", "anchor": "Ngày cấp:"}])
    templates = client.get("/api/v1/extractions/templates", headers=staff).get_json()["result"]
    template_id = next(t["id"] for t in templates if t["procedure_code"] == "2.000001")
    proposal = client.post(f"/api/v1/documents/{document_id}/extract", headers=staff,
                           json={"template_id": template_id})
    assert proposal.status_code == 201, proposal.get_json()
    assert proposal.get_json()["proposed"]["so_giay_chung_nhan"] == "40A8012345"
    confirmed = client.post(f"/api/v1/extractions/{proposal.get_json()['id']}/confirm", headers=staff,
                            json={"values": {"ngay_cap": "15/03/2026"}})
    assert confirmed.status_code == 200, confirmed.get_json()
    assert re.fullmatch(r"KQ\.H47\.\d{6}", confirmed.get_json()["result_code"])
