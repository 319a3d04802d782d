"""End to end: ``kholuutru up --demo`` in its own process, and a real browser that logs in and sees the unit tree.

The platform starts exactly as a person starts it (its own embedded PostgreSQL in a fresh data dir, migrations,
demo seed, waitress on 127.0.0.1), Debian's chromium drives the console through Playwright, and SIGTERM must stop
everything cleanly, the embedded server included.
"""

from __future__ import annotations

import signal
from pathlib import Path


def test_the_demo_admin_logs_in_and_sees_the_unit_tree(platform, browser, tmp_path: Path):
    assert "admin" in platform.passwords, "\n".join(platform.output)
    page = browser.new_page()
    page.goto(platform.url)
    assert "/login/" in page.url  # anonymous: sent to the login page
    assert page.title() == "Hệ thống Lưu trữ điện tử dùng chung"
    assert "Đăng nhập" in page.inner_text("body")

    page.fill("#username", "admin")
    page.fill("#password", platform.passwords["admin"])
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_selector("#kholuutru-unit-tree")

    tree = page.inner_text("#kholuutru-unit-tree")
    assert "Ủy ban nhân dân tỉnh Quảng Nam" in tree  # the province
    assert "Ủy ban nhân dân xã Tam Phú" in tree  # a commune
    assert "Quản trị hệ thống" in page.inner_text("#kholuutru-my-roles")
    assert "Trung tâm Công nghệ thông tin và Truyền thông" in page.inner_text("#kholuutru-my-unit")
    page.screenshot(path=str(tmp_path / "home.png"), full_page=True)
    assert (tmp_path / "home.png").stat().st_size > 0
    page.close()


def test_sigterm_stops_the_console_and_the_embedded_database(platform):
    platform.process.send_signal(signal.SIGTERM)
    assert platform.process.wait(timeout=120) == 0
    pid_file = platform.data_dir / "postgres" / "data" / "postmaster.pid"
    assert not pid_file.exists(), "the embedded PostgreSQL is still running"
