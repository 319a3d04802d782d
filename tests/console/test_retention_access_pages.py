"""Retention, destruction and access-request screens through the Flask test client, logged in through the login form.

Two units of this module: records staff and head of the owning unit, a reader of the other. A dossier of the owning
unit that ended in 2010 and was kept ten years is due for review; it goes through the whole destruction workflow on
the pages, and another one is asked for, granted, read and downloaded (watermarked) by the reader.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import pytest
from console_support import CSRF, PASSWORD, field, form_login, text
from pypdf import PdfReader
from retention_support import archived, make_province
from sqlalchemy import select

from kholuutru.archive.access import Actor
from kholuutru.archive.dossier_models import Document, DocumentFile, Dossier
from kholuutru.archive.retention_models import DestructionBatch

ADMIN = Actor.system("test")


@pytest.fixture(scope="module")
def province(database, demo) -> dict:
    return make_province(database, "000.00.70.H47", "000.00.71.H47")


def token_of(page: str) -> str:
    return CSRF.search(page).group(1)


def test_a_dossier_goes_through_review_and_destruction_on_the_pages(app, database, storage, settings,
                                                                    pki, province) -> None:
    dossier_id = archived(database, storage, settings, pki, province, "destroy me")
    staff, head = form_login(app, "ht.canbo", PASSWORD), form_login(app, "ht.lanhdao", PASSWORD)
    page = staff.get("/retention/")
    assert page.status_code == 200 and f'data-dossier-id="{dossier_id}"' in text(page)
    refused = staff.post("/retention/propose", data={"csrf_token": token_of(text(page)),
                                                     "dossier_ids": str(dossier_id), "note": ""})
    assert refused.status_code == 422 and "Bản thuyết minh" in field(text(refused), "note")
    with database.session(ADMIN) as session:
        assert session.scalars(select(DestructionBatch)).all() == []
    proposed = staff.post("/retention/propose", data={"csrf_token": token_of(text(page)),
                                                      "dossier_ids": str(dossier_id), "note": "Hết thời hạn"})
    assert proposed.status_code == 302
    batch_path = proposed.headers["Location"]
    today = dt.date.today().strftime("%d/%m/%Y")
    steps = ((staff, "appraise", {"council_members": "Ông A, Bà B", "council_minutes_number": "01/BB",
                                  "council_date": today, "council_opinion": "Đồng ý"}),
             (head, "approve", {"decision_number": "02/QĐ", "decision_date": today}),
             (staff, "destroy", {"destruction_minutes_number": "03/BB"}))
    for client, step, values in steps:
        token = token_of(text(client.get(batch_path)))
        answer = client.post(f"{batch_path}/{step}", data={"csrf_token": token, **values})
        assert answer.status_code == 302, text(answer)[:400]
    shown = text(staff.get(batch_path))
    assert 'data-state="destroyed"' in shown and "03/BB" in shown
    with database.session(ADMIN) as session:
        assert session.get(Dossier, dossier_id).state == "destroyed"
    assert "02/QĐ" in text(staff.get("/retention/"))
    destroyed = staff.get(f"/dossiers/{dossier_id}")
    assert destroyed.status_code == 200 and "Đã tiêu hủy" in text(destroyed)


def test_the_head_places_a_legal_hold_from_the_dossier_page(app, database, storage, settings, pki,
                                                           province) -> None:
    dossier_id = archived(database, storage, settings, pki, province, "hold me")
    head = form_login(app, "ht.lanhdao", PASSWORD)
    page = text(head.get(f"/dossiers/{dossier_id}"))
    assert "kholuutru-legal-hold-form" in page
    answer = head.post(f"/retention/dossiers/{dossier_id}/hold",
                       data={"csrf_token": token_of(page), "action": "hold", "reason": "Đang thanh tra"})
    assert answer.status_code == 302
    assert "Đang thanh tra" in text(head.get(f"/dossiers/{dossier_id}"))
    staff = form_login(app, "ht.canbo", PASSWORD)
    assert "kholuutru-legal-hold-form" not in text(staff.get(f"/dossiers/{dossier_id}"))


def test_the_schedule_page_lists_tt_10_2022_groups(app, province) -> None:
    admin = form_login(app, "ht.quantri", PASSWORD)
    page = text(admin.get("/retention/schedule"))
    assert "Chứng từ kế toán" in page and "kholuutru-schedule-form" in page
    reader = form_login(app, "ht.khaithac", PASSWORD)
    assert "kholuutru-schedule-form" not in text(reader.get("/retention/schedule"))


def test_a_reader_asks_is_granted_reads_and_downloads_a_watermarked_copy(app, database, storage, settings,
                                                                         pki, province) -> None:
    dossier_id = archived(database, storage, settings, pki, province, "read me")
    reader = form_login(app, "ht.khaithac", PASSWORD)
    found = text(reader.get("/access-requests/?q=Kế hoạch công tác"))
    assert f'data-dossier-id="{dossier_id}"' in found
    form = text(reader.get(f"/access-requests/new/{dossier_id}"))
    bad = reader.post(f"/access-requests/new/{dossier_id}", data={"csrf_token": token_of(form), "purpose": "",
                                                                 "wanted_from": "01/01/2026",
                                                                 "wanted_until": "31/12/2099"})
    assert bad.status_code == 422 and "Mục đích khai thác" in field(text(bad), "purpose")
    sent = reader.post(f"/access-requests/new/{dossier_id}", data={
        "csrf_token": token_of(form), "purpose": "Nghiên cứu", "wanted_from": "01/01/2026",
        "wanted_until": "31/12/2099"})
    assert sent.status_code == 302

    head = form_login(app, "ht.lanhdao", PASSWORD)
    queue = text(head.get("/access-requests/queue"))
    request_id = int(queue.split('data-request-id="')[1].split('"')[0])
    approved = head.post(f"/access-requests/{request_id}/approve",
                         data={"csrf_token": token_of(queue), "valid_until": "31/12/2099"})
    assert approved.status_code == 302

    read = reader.get(f"/access-requests/{request_id}/read")
    assert read.status_code == 200 and "kholuutru-granted-documents" in text(read)
    with database.session(ADMIN) as session:
        file_id, sha = session.execute(select(DocumentFile.id, DocumentFile.sha256).join(Document)
                                       .where(Document.dossier_id == dossier_id)
                                       .order_by(DocumentFile.version.desc())).first()  # the signed version
    download = reader.get(f"/access-requests/{request_id}/files/{file_id}")
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    assert hashlib.sha256(download.data).hexdigest() != sha
    assert "Bản khai thác" in PdfReader(io.BytesIO(download.data)).pages[0].extract_text()
    assert reader.get(f"/dossiers/{dossier_id}").status_code == 404, "the grant opens the dossier only here"

    report = head.get("/access-requests/report")
    assert report.status_code == 200 and "Sở Xây dựng" in text(report)
    csv = head.get("/access-requests/report?format=csv")
    assert csv.status_code == 200 and "Lượt tải" in csv.data.decode("utf-8-sig")
