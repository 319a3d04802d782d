"""End to end: a records officer reports a security incident through the online form; the system administrator
suspends the platform from it; another user sees the suspension banner and notice only; the administrator resumes
with a reason, and the incident's timeline shows both. On ``kholuutru up --demo`` in its own process."""

from __future__ import annotations

import re
from pathlib import Path

BANNER = "#kholuutru-suspension-banner"


def signed_in(browser, platform, username: str, ready: str = "#kholuutru-whoami"):
    """A page of a fresh browser context, logged in through the login form as a demo account."""
    assert username in platform.passwords, "\n".join(platform.output)
    page = browser.new_context(locale="vi-VN").new_page()
    page.goto(platform.url + "login/")
    page.fill("#username", username)
    page.fill("#password", platform.passwords[username])
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_selector(ready)
    return page


def test_report_suspend_see_the_banner_resume(platform, browser, tmp_path: Path):
    staff = signed_in(browser, platform, "canbo")
    staff.goto(platform.url + "incidents/report")
    staff.fill("#title", "Tài khoản bị đăng nhập từ nơi lạ")
    staff.fill("#description", "Nhận thư báo đăng nhập lúc 2 giờ sáng từ địa chỉ IP nước ngoài.")
    staff.select_option("#category", "security")
    staff.select_option("#severity", "critical")
    staff.click("#kholuutru-incident-submit")
    staff.wait_for_selector("#kholuutru-incident")
    incident_id = int(re.search(r"/incidents/(\d+)", staff.url).group(1))
    assert "Tài khoản bị đăng nhập từ nơi lạ" in staff.inner_text("h2")
    assert staff.locator("#kholuutru-suspend").count() == 0  # staff may not suspend

    admin = signed_in(browser, platform, "admin")
    admin.goto(f"{platform.url}incidents/{incident_id}")
    admin.click("#kholuutru-suspend")  # without a reason: refused, naming it
    admin.wait_for_selector(".alert-danger")
    assert "lý do" in admin.inner_text("body").lower() and admin.locator(BANNER).count() == 0
    admin.fill("#suspend-reason", "Ngăn chặn truy cập trái phép")
    admin.click("#kholuutru-suspend")
    admin.wait_for_selector(BANNER)
    assert "Ngăn chặn truy cập trái phép" in admin.inner_text(BANNER)
    assert f"#{incident_id}" in admin.inner_text(BANNER)
    admin.screenshot(path=str(tmp_path / "suspended-admin.png"), full_page=True)

    other = signed_in(browser, platform, "lanhdao", ready=BANNER)
    assert "Ngăn chặn truy cập trái phép" in other.inner_text(BANNER)
    assert other.locator("#kholuutru-unit-tree").count() == 0  # the notice only
    answer = other.goto(platform.url + "incidents/")
    assert answer.status == 503 and other.locator(BANNER).count() == 1
    other.screenshot(path=str(tmp_path / "suspended-other.png"), full_page=True)

    admin.goto(f"{platform.url}incidents/{incident_id}")
    admin.fill("#entry-text", "Đã khóa tài khoản bị lộ.")  # the investigation goes on while suspended
    admin.click("#kholuutru-add-entry")
    admin.wait_for_selector("#kholuutru-incident-timeline tr[data-kind=note]")
    admin.fill("#resume-reason", "Đã đổi mật khẩu và chặn địa chỉ IP")
    admin.click("#kholuutru-resume")
    admin.wait_for_selector("#kholuutru-suspend")
    assert admin.locator(BANNER).count() == 0
    kinds = admin.eval_on_selector_all("#kholuutru-incident-timeline tbody tr", "rows => rows.map(r => r.dataset.kind)")
    assert kinds == ["report", "suspend", "note", "resume"]
    assert "Đã đổi mật khẩu và chặn địa chỉ IP" in admin.inner_text("#kholuutru-incident-timeline")

    other.goto(platform.url)
    other.wait_for_selector("#kholuutru-whoami")
    assert other.locator(BANNER).count() == 0
