"""End to end: single sign-on through a real OpenID Connect provider, with ``kholuutru up --demo`` configured for it.

A newcomer logs in through the provider's own authorisation page, is told the new account awaits activation, the
system administrator (over the break-glass password login) activates it in the console, and the newcomer's next SSO
login lands on the home page showing the unit mapped from the provider's claim.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "shared"))
from oidc_support import running_provider  # noqa: E402

NEWCOMER = "le.thi.hoa@quangnam.gov.vn"
PEOPLE = [
    {"sub": "hoa", "email": NEWCOMER, "given_name": "Hoa", "family_name": "Lê", "middle_name": "Thị",
     "unit_code": "000.00.02.H47", "roles": ["records_staff"]},
    {"sub": "canbo", "email": "canbo@demo.kholuutru.local", "given_name": "Dung", "family_name": "Phạm Thị",
     "unit_code": "000.00.01.H47"},
]


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    with running_provider(PEOPLE) as issuer:
        yield issuer


@pytest.fixture(scope="module")
def platform_env(provider: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    secret = tmp_path_factory.mktemp("sso") / "client-secret"
    secret.write_text("bi-mat-cua-may-khach")
    return {"KHOLUUTRU_OIDC_ISSUER": provider, "KHOLUUTRU_OIDC_CLIENT_ID": "kholuutru",
            "KHOLUUTRU_OIDC_CLIENT_SECRET_FILE": str(secret)}


def sso_login(browser, platform, provider: str, sub: str):
    """A new browser session that clicks the SSO button and authorises as ``sub`` on the provider's page."""
    page = browser.new_context().new_page()
    page.goto(platform.url)
    assert "/login/" in page.url
    page.click("#kholuutru-sso-login")
    page.wait_for_url(f"{provider}/oauth2/authorize*")
    page.click(f"button[name=sub][value='{sub}']")
    page.wait_for_url(f"{platform.url}**")
    return page


def test_a_newcomer_is_activated_and_lands_on_the_home_page_with_the_mapped_unit(browser, platform, provider):
    page = sso_login(browser, platform, provider, "hoa")
    assert "Tài khoản của bạn đang chờ quản trị đơn vị kích hoạt." in page.inner_text("#kholuutru-sso-pending")
    page.context.close()

    admin = browser.new_context().new_page()
    admin.goto(platform.url)
    admin.fill("#kholuutru-break-glass input[name=username]", "admin")
    admin.fill("#kholuutru-break-glass input[name=password]", platform.passwords["admin"])
    admin.click("#kholuutru-break-glass input[type=submit]")
    admin.wait_for_selector("#kholuutru-my-roles")
    admin.goto(f"{platform.url}users/list/")
    admin.locator("tr", has_text=NEWCOMER).locator("a[href*='/users/edit/']").first.click()
    admin.check("input[name=active]")
    admin.click("button[type=submit], input[type=submit]")
    admin.wait_for_url(f"{platform.url}users/list/**")
    admin.context.close()

    page = sso_login(browser, platform, provider, "hoa")
    page.wait_for_selector("#kholuutru-my-unit")
    assert "Sở Tư pháp" in page.inner_text("#kholuutru-my-unit")  # mapped from the unit claim
    assert "Cán bộ lưu trữ" in page.inner_text("#kholuutru-my-roles")
    assert "Lê Thị Hoa" in page.inner_text("h2")
    page.context.close()


def test_a_known_person_logs_in_through_sso_to_their_unit(browser, platform, provider):
    page = sso_login(browser, platform, provider, "canbo")
    page.wait_for_selector("#kholuutru-my-unit")
    assert "Sở Nội vụ" in page.inner_text("#kholuutru-my-unit")
    assert "Cán bộ lưu trữ" in page.inner_text("#kholuutru-my-roles")
    page.context.close()
