"""End to end: a paper document becomes a signed electronic one, through the browser on ``kholuutru up --demo``.

The unit admin (qtdonvi) adds an extraction template; the records officer (canbo) opens the demo's returned dossier,
uploads a rendered Vietnamese scan for its first document and watches the OCR job — run by the worker thread of
``kholuutru up`` — reach 100 %; confirms the extracted values, correcting one, and gets the result code; signs the
PDF/A personally with the demo PKCS#12 key the seed made for canbo; the clerk (vanthu) adds the organisation signature
with the unit's demo seal key; both show valid because the demo data dir trusts its demo CA; canbo submits the
dossier, which the platform allows only now that every document carries both signatures.
"""

from __future__ import annotations

import re
from pathlib import Path

from scans import render_scan

OCR_LIMIT_MS = 120_000  # a safety net for a hung job, not a speed assertion
TEMPLATE_ROWS = (("so_giay_chung_nhan", "Số giấy chứng nhận", "text", "Số giấy chứng nhận:"),
                 ("chu_ho", "Họ và tên chủ hộ", "text", "Họ và tên chủ hộ:"),
                 ("ngay_cap", "Ngày cấp", "date", "Ngày cấp:"))


def statuses(page, order: int = 1) -> list[tuple[str | None, str | None]]:
    rows = page.locator(f"tr[data-order='{order}'] .kholuutru-signature")
    return [(rows.nth(i).get_attribute("data-kind"), rows.nth(i).get_attribute("data-status"))
            for i in range(rows.count())]


def test_scan_ocr_extract_sign_and_submit(platform, login, sign, tmp_path: Path):
    scan = tmp_path / "giay-chung-nhan.png"
    scan.write_bytes(render_scan(200))

    admin = login("qtdonvi")
    admin.goto(platform.url + "extraction/templates/")
    admin.fill("#procedure_code", "1.001612")
    admin.fill("#name", "Giấy chứng nhận đăng ký hộ kinh doanh")
    for row, (key, label, kind, anchor) in enumerate(TEMPLATE_ROWS):
        admin.fill(f"[id='fields[{row}].key']", key)
        admin.fill(f"[id='fields[{row}].label']", label)
        admin.select_option(f"[id='fields[{row}].type']", kind)
        admin.fill(f"[id='fields[{row}].rule']", anchor)
    admin.click("#kholuutru-template-save")
    admin.wait_for_selector(".alert-success:has-text('1.001612')")

    staff = login("canbo")
    staff.goto(platform.url + "dossiers/?q=kiểm tra công tác văn thư")
    with staff.expect_navigation():
        staff.locator("tr[data-dossier-id] a").first.click()
    dossier_url = staff.url
    assert staff.inner_text("#kholuutru-state") == "Đang lập"
    staff.click("tr[data-order='1'] .kholuutru-digitise")
    staff.set_input_files("#file", str(scan))
    staff.click("#kholuutru-digitise-button")
    staff.wait_for_selector("#kholuutru-ocr-progress")
    staff.wait_for_selector("#kholuutru-ocr-done:not([hidden])", timeout=OCR_LIMIT_MS)
    assert staff.inner_text("#kholuutru-ocr-percent") == "100 %"
    assert staff.locator("#kholuutru-no-findings:not([hidden])").count() == 1
    staff.screenshot(path=str(tmp_path / "01-ocr-done.png"), full_page=True)

    staff.click("#kholuutru-ocr-extract")
    staff.click("#kholuutru-extract-button")
    staff.wait_for_selector("#kholuutru-extraction-form")
    assert staff.input_value("[id='values.so_giay_chung_nhan']") == "40A8012345"
    assert staff.input_value("[id='values.ngay_cap']") == "2026-03-15"
    staff.fill("[id='values.chu_ho']", "Nguyễn Thị Hồng Nhung")
    staff.click("#kholuutru-confirm")
    code = staff.wait_for_selector("#kholuutru-result-code").inner_text()
    assert re.fullmatch(r"KQ\.H47\.\d{6}", code)

    # The new PDF/A is not signed yet, so the dossier cannot be submitted (regulation Đ15.5).
    staff.goto(dossier_url)
    assert statuses(staff) == [("none", "unsigned")]
    problem = staff.locator("#kholuutru-submit-problems li[data-field='documents[1].signatures.personal']")
    assert problem.inner_text() == "Văn bản số 1: tệp hiện hành chưa có chữ ký cá nhân hợp lệ."

    sign(staff, dossier_url, 1, "personal", **{"#position": "Chuyên viên lưu trữ"})
    assert statuses(staff) == [("personal", "valid")]
    clerk = login("vanthu")
    sign(clerk, dossier_url, 1, "organisation")
    assert statuses(clerk) == [("personal", "valid"), ("organisation", "valid")]
    assert statuses(clerk, 2) == [("personal", "valid"), ("organisation", "valid")]  # signed by the demo seed
    clerk.screenshot(path=str(tmp_path / "02-signed.png"), full_page=True)

    staff.goto(dossier_url)
    assert staff.locator("#kholuutru-submit-problems").count() == 0
    staff.click("#kholuutru-action-submit button")
    staff.wait_for_selector("#kholuutru-state:has-text('Chờ duyệt')")
