"""End to end: a paper document becomes a signed electronic one, through the browser on ``kholuutru up --demo``.

The unit admin (qtdonvi) adds an extraction template; the records officer (canbo) opens the demo's returned dossier,
uploads a rendered Vietnamese scan for its first document and watches the OCR job — run by the worker thread of
``kholuutru up`` — reach 100 %; confirms the extracted values, correcting one, and gets the result code; signs the
PDF/A personally with a PKCS#12 key; the clerk (vanthu) adds the organisation signature; both show valid because the
platform trusts the test root (``KHOLUUTRU_SIGNATURE_TRUST_ROOTS_FILE``); canbo submits the dossier.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from pki_support import PASSWORD, Pki, running_pki
from scans import render_scan

OCR_LIMIT_MS = 120_000  # a safety net for a hung job, not a speed assertion
TEMPLATE_ROWS = (("so_giay_chung_nhan", "Số giấy chứng nhận", "text", "Số giấy chứng nhận:"),
                 ("chu_ho", "Họ và tên chủ hộ", "text", "Họ và tên chủ hộ:"),
                 ("ngay_cap", "Ngày cấp", "date", "Ngày cấp:"))


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pki]:
    with running_pki(tmp_path_factory.mktemp("pki")) as made:
        yield made


@pytest.fixture(scope="module")
def platform_env(pki: Pki) -> dict[str, str]:
    return {"KHOLUUTRU_SIGNATURE_TRUST_ROOTS_FILE": str(pki.roots_file)}


def signed_in(browser, platform, username: str):
    """A page of a fresh browser context, logged in through the login form as a demo account."""
    assert username in platform.passwords, "\n".join(platform.output)
    page = browser.new_context(locale="vi-VN").new_page()
    page.goto(platform.url + "login/")
    page.fill("#username", username)
    page.fill("#password", platform.passwords[username])
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_selector("#kholuutru-whoami")
    return page


def sign(page, dossier_url: str, kind: str, p12: Path, **fields: str) -> None:
    page.goto(dossier_url)
    page.click(f"tr[data-order='1'] .kholuutru-sign-{kind}")
    page.set_input_files("#pkcs12", str(p12))
    page.fill("#password", PASSWORD)
    for selector, value in fields.items():
        page.fill(selector, value)
    page.click("#kholuutru-sign-button")
    page.wait_for_url(dossier_url)


def statuses(page) -> list[tuple[str | None, str | None]]:
    rows = page.locator("tr[data-order='1'] .kholuutru-signature")
    return [(rows.nth(i).get_attribute("data-kind"), rows.nth(i).get_attribute("data-status"))
            for i in range(rows.count())]


def test_scan_ocr_extract_sign_and_submit(platform, browser, pki, tmp_path: Path):
    scan = tmp_path / "giay-chung-nhan.png"
    scan.write_bytes(render_scan(200))

    admin = signed_in(browser, platform, "qtdonvi")
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

    staff = signed_in(browser, platform, "canbo")
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

    sign(staff, dossier_url, "personal", pki.folder / "staff.p12", **{"#position": "Chuyên viên lưu trữ"})
    assert statuses(staff) == [("personal", "valid")]
    clerk = signed_in(browser, platform, "vanthu")
    sign(clerk, dossier_url, "organisation", pki.folder / "seal.p12")
    assert statuses(clerk) == [("personal", "valid"), ("organisation", "valid")]
    clerk.screenshot(path=str(tmp_path / "02-signed.png"), full_page=True)

    staff.goto(dossier_url)
    staff.click("#kholuutru-action-submit button")
    staff.wait_for_selector("#kholuutru-state:has-text('Chờ duyệt')")
