"""End to end (regulation Đ11.3): a unit admin locks an account in one browser while its owner is working in another;
the owner's very next click is refused and the session ends; the locked accounts page says who, why and on whose
request."""

from __future__ import annotations

from pathlib import Path


def log_in(browser, platform, username: str):
    context = browser.new_context()
    page = context.new_page()
    page.goto(platform.url + "login/")
    page.fill("#username", username)
    page.fill("#password", platform.passwords[username])
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_selector("#kholuutru-my-roles")
    return context, page


def test_a_locked_users_open_session_is_refused_on_the_next_click(platform, browser, tmp_path: Path):
    staff_context, staff = log_in(browser, platform, "canbo")
    staff.goto(platform.url + "dossiers/")
    staff.wait_for_selector("a[href^='/dossiers/']")

    admin_context, admin = log_in(browser, platform, "qtdonvi")
    admin.click("text=Tài khoản đơn vị")
    admin.click("#kholuutru-account-list tr[data-username='canbo'] a")
    admin.fill("#lock-reason", "Chuyển công tác theo quyết định")
    admin.fill("#lock-document_number", "27/QĐ-SNV")
    admin.fill("#lock-document_date", "20/11/2026")
    admin.fill("#lock-requested_by", "Văn phòng Sở Nội vụ")
    admin.click("#kholuutru-lock")
    admin.wait_for_selector("#kholuutru-account-lock")
    assert "Bị khóa" in admin.inner_text("#kholuutru-account-state")

    staff.click("a[href^='/dossiers/']")  # the next click of the session opened before the lock
    refusal = staff.wait_for_selector(".kholuutru-refused")
    assert "đã bị khóa" in refusal.inner_text()
    staff.screenshot(path=str(tmp_path / "refused.png"), full_page=True)
    staff.goto(platform.url + "dossiers/")
    assert "/login/" in staff.url  # the session is gone

    admin.goto(platform.url + "accounts/locked")
    row = admin.inner_text("#kholuutru-locked-list tr[data-username='canbo']")
    assert "Chuyển công tác theo quyết định" in row and "27/QĐ-SNV" in row and "Văn phòng Sở Nội vụ" in row
    assert "qtdonvi" in row
    staff_context.close()
    admin_context.close()
