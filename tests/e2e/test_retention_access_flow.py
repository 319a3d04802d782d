"""End to end on ``kholuutru up --demo``: an access request and a destruction, through the browser.

The demo seed leaves the reader of Sở Tư pháp (khaithac) with a pending request for an archived dossier of Sở Nội vụ,
and Sở Nội vụ with a 2014 dossier kept ten years, due for review. The unit head (lanhdao) approves the request; the
reader opens the dossier and downloads a copy stamped "Bản khai thác". The records officer (canbo) proposes the 2014
dossier for destruction and records the council's appraisal, the head decides, and canbo carries it out: the dossier
page then shows it destroyed.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from pypdf import PdfReader


def test_a_reader_is_granted_access_and_an_expired_dossier_is_destroyed(platform, login, tmp_path: Path):
    head = login("lanhdao")
    head.goto(platform.url + "access-requests/queue")
    pending = head.locator("#kholuutru-access-queue tr[data-state='pending']")
    assert pending.count() == 1
    pending.locator("button.btn-success").click()
    head.wait_for_selector("#kholuutru-access-queue tr[data-state='approved']")

    reader = login("khaithac")
    reader.goto(platform.url + "access-requests/")
    reader.locator("#kholuutru-my-requests a.btn-primary").click()
    reader.wait_for_selector("#kholuutru-granted-documents")
    with reader.expect_download() as download_info:
        reader.locator("#kholuutru-granted-documents a").first.click()
    copy = Path(download_info.value.path()).read_bytes()
    assert "Bản khai thác" in PdfReader(io.BytesIO(copy)).pages[0].extract_text()
    reader.screenshot(path=str(tmp_path / "granted-dossier.png"), full_page=True)

    staff = login("canbo")
    staff.goto(platform.url + "retention/")
    due = staff.locator("#kholuutru-due tr[data-dossier-id]")
    assert due.count() == 1
    dossier_id = due.first.get_attribute("data-dossier-id")
    due.first.locator("input[type=checkbox]").check()
    staff.fill("#note", "Hồ sơ hội nghị năm 2014 đã hết thời hạn bảo quản 10 năm.")
    staff.click("#kholuutru-propose button[type=submit]")
    staff.wait_for_selector("#kholuutru-batch[data-state='proposed']")
    batch_url = staff.url
    today = dt.date.today().strftime("%d/%m/%Y")
    staff.fill("#appraise-council_members", "Lê Văn Cường (Chủ tịch), Phạm Thị Dung, Trần Thị Bình")
    staff.fill("#appraise-council_minutes_number", "01/BB-HĐXĐGTTL")
    staff.fill("#appraise-council_date", today)
    staff.fill("#appraise-council_opinion", "Nhất trí hủy hồ sơ hết giá trị.")
    staff.click("#kholuutru-step-appraise button[type=submit]")
    staff.wait_for_selector("#kholuutru-batch[data-state='appraised']")

    head.goto(batch_url)
    head.fill("#approve-decision_number", "25/QĐ-SNV")
    head.fill("#approve-decision_date", today)
    head.click("#kholuutru-step-approve button[type=submit]")
    head.wait_for_selector("#kholuutru-batch[data-state='approved']")

    staff.goto(batch_url)
    staff.fill("#destroy-destruction_minutes_number", "02/BB-HTL")
    staff.click("#kholuutru-step-destroy button[type=submit]")
    staff.wait_for_selector("#kholuutru-batch[data-state='destroyed']")
    staff.screenshot(path=str(tmp_path / "destroyed-batch.png"), full_page=True)
    staff.goto(platform.url + f"dossiers/{dossier_id}")
    assert "kholuutru-state-destroyed" in staff.locator("#kholuutru-state").get_attribute("class")
