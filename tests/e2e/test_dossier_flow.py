"""End to end: a dossier's whole life through the browser, on ``kholuutru up --demo`` in its own process.

The demo seed gives Sở Nội vụ (000.00.01.H47) a fonds, an approved 2026 dossier list with unused entries, a store room
with boxes, dossiers in every state and demo signing keys; its records officer (canbo) forms a new dossier from an
unused entry, fills the mandatory metadata of the TT 05/2025 profile, adds two documents and uploads a PDF to each,
signs each personally with the demo key the seed made for canbo, the clerk (vanthu) adds the unit's seal signature to
each, and canbo submits it (regulation Đ15.5: not before both signatures are there); the unit head (lanhdao) approves
it from the approval queue and archives it; canbo places its paper original in a box. A records officer of another
unit (canbotp, Sở Tư pháp) then gets the not-found page for the same URL.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pypdf import PdfWriter

DOSSIER_METADATA = {"#language": "Tiếng Việt", "#start_date": "05/01/2026", "#end_date": "30/06/2026"}
DOCUMENTS = (
    {"#type_name": "Quyết định", "#issued_on": "12/01/2026", "#issuing_organisation": "Sở Nội vụ tỉnh Quảng Nam",
     "#summary": "Quyết định thành lập tổ kiểm tra công tác văn thư, lưu trữ", "#page_count": "1"},
    {"#type_name": "Báo cáo", "#issued_on": "20/06/2026", "#issuing_organisation": "Sở Nội vụ tỉnh Quảng Nam",
     "#summary": "Báo cáo kết quả kiểm tra công tác văn thư, lưu trữ", "#page_count": "2"},
)


@pytest.fixture
def pdfs(tmp_path: Path) -> list[Path]:
    """Two small real PDFs (one and two pages), named as a scanner might name them."""
    made = []
    for pages, name in ((1, "Quyết định thành lập tổ kiểm tra.pdf"), (2, "Báo cáo kết quả kiểm tra.pdf")):
        writer = PdfWriter()
        for _ in range(pages):
            writer.add_blank_page(width=595, height=842)
        path = tmp_path / name
        with path.open("wb") as out:
            writer.write(out)
        made.append(path)
    return made


def test_a_dossier_from_the_annual_list_to_its_box(platform, login, sign, pdfs, tmp_path: Path):
    shots = iter(range(1, 100))

    def shot(page, name: str) -> None:
        page.screenshot(path=str(tmp_path / f"{next(shots):02d}-{name}.png"), full_page=True)

    # canbo forms a dossier from an unused entry of the approved 2026 list
    staff = login("canbo")
    staff.click("a[href='/dossiers/']")
    staff.wait_for_selector("#kholuutru-dossier-search")
    staff.click("#kholuutru-new-dossier")
    staff.fill("#year-choice", "2026")
    with staff.expect_navigation():
        staff.click("#kholuutru-year-chooser button")
    free = staff.locator("#list_entry_id option:not([disabled])[value]:not([value=''])")
    assert free.count() > 0, "the demo list has no unused 2026 entry"
    assert staff.locator("#list_entry_id option[disabled]").count() > 0  # entries already formed show as taken
    entry_value, entry_text = free.first.get_attribute("value"), free.first.inner_text()
    number_symbol = entry_text.split("—")[0].strip()
    staff.select_option("#list_entry_id", entry_value)
    staff.select_option("#access_level", "public")
    staff.select_option("#reliability", "born_digital")
    for selector, value in DOSSIER_METADATA.items():
        staff.fill(selector, value)
    shot(staff, "new-dossier")
    staff.click("#kholuutru-save")
    staff.wait_for_selector("#kholuutru-dossier")
    dossier_url = staff.url
    assert staff.inner_text("#kholuutru-state") == "Đang lập"
    assert staff.inner_text("#kholuutru-code").endswith(f".2026.{number_symbol}")  # <fonds>.<year>.<number>
    assert "Hồ sơ chưa có văn bản nào." in staff.inner_text("#kholuutru-submit-problems")

    # two documents with their mandatory fields, a PDF uploaded to each (the page's script shows progress); a
    # program renamed .pdf is refused first, its message shown by the file field without leaving the page
    renamed = tmp_path / "ke-hoach.pdf"
    renamed.write_bytes(b"MZ\x90\x00\x03\x00\x00\x00" + bytes(2048))
    for metadata, pdf in zip(DOCUMENTS, pdfs, strict=True):
        staff.click("#kholuutru-add-document")
        for selector, value in metadata.items():
            staff.fill(selector, value)
        staff.select_option("#usage_mode", "public")
        staff.click("#kholuutru-save")
        staff.wait_for_selector("#kholuutru-upload-form")
        if renamed.exists():
            staff.set_input_files("#file", str(renamed))
            staff.click("#kholuutru-upload-button")
            refusal = staff.wait_for_selector("#field-file .kholuutru-field-error")
            assert "chương trình Windows (.exe, .dll)" in refusal.inner_text()
            shot(staff, "renamed-exe-refused")
            renamed.unlink()
        staff.set_input_files("#file", str(pdf))
        staff.click("#kholuutru-upload-button")
        staff.wait_for_url(dossier_url)
        assert pdf.name in staff.inner_text("#kholuutru-documents")
    shot(staff, "documents-uploaded")
    problems = staff.locator("#kholuutru-submit-problems li")
    assert [problems.nth(i).get_attribute("data-field") for i in range(problems.count())] == [
        f"documents[{order}].signatures.{kind}" for order in (1, 2) for kind in ("personal", "organisation")]

    # each document signed personally by canbo, then with the unit's seal by the clerk (vanthu)
    clerk = login("vanthu")
    for order in (1, 2):
        sign(staff, dossier_url, order, "personal", **{"#position": "Chuyên viên lưu trữ"})
        sign(clerk, dossier_url, order, "organisation")
    staff.goto(dossier_url)
    assert staff.locator("#kholuutru-submit-problems").count() == 0
    shot(staff, "documents-signed")
    staff.click("#kholuutru-action-submit button")
    staff.wait_for_selector("#kholuutru-state:has-text('Chờ duyệt')")
    assert staff.locator("#kholuutru-action-submit").count() == 0

    # lanhdao approves it from the approval queue, then archives it
    head = login("lanhdao")
    assert "chờ bạn duyệt" in head.inner_text("#kholuutru-waiting")
    with head.expect_navigation():
        head.click("a[href='/approvals/']")
    dossier_id = dossier_url.rstrip("/").rsplit("/", 1)[1]
    row = head.locator(f"#kholuutru-approval-queue tr[data-dossier-id='{dossier_id}']")
    shot(head, "approval-queue")
    row.locator("button[type=submit]").click()
    head.wait_for_selector(".alert-success:has-text('Đã duyệt hồ sơ.')")
    assert head.locator(f"tr[data-dossier-id='{dossier_id}']").count() == 0
    head.goto(dossier_url)
    assert head.inner_text("#kholuutru-state") == "Đã duyệt"
    assert head.locator("#kholuutru-place").count() == 0  # placing paper is the records officer's
    head.click("#kholuutru-action-archive button")
    head.wait_for_selector("#kholuutru-state:has-text('Đã lưu trữ')")

    # canbo places the paper original in a box
    staff.goto(dossier_url)
    box = staff.locator("#box_id option[value]:not([value=''])").first
    label = box.inner_text().rsplit(" (", 1)[0]  # "Kho K1 / Kệ 03 / Hộp 01 (1/20 hồ sơ)"
    assert re.fullmatch(r"Kho \S+ / Kệ \S+ / Hộp \S+", label)
    staff.select_option("#box_id", box.get_attribute("value"))
    staff.click("#kholuutru-place button[type=submit]")
    staff.wait_for_selector("#kholuutru-box-label")
    assert staff.inner_text("#kholuutru-state") == "Đã lưu trữ"
    assert staff.inner_text("#kholuutru-box-label") == label
    shot(staff, "archived-in-box")

    # another unit's records officer gets the not-found page
    stranger = login("canbotp")
    answer = stranger.goto(dossier_url)
    assert answer is not None and answer.status == 404
    assert f"Không tìm thấy hồ sơ số {dossier_id}." in stranger.inner_text(".kholuutru-refused")
    shot(stranger, "other-unit-not-found")
    assert len(list(tmp_path.glob("*.png"))) == 7
