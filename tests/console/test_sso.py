"""Single sign-on through a real OpenID Connect provider process (oidc-provider-mock on 127.0.0.1).

The console is configured for the provider as a deployment would be (issuer discovery, client id, secret from a
file); each login goes the whole way: the console's redirect to the provider, the provider's authorisation form,
the redirect back with a code, and the console's token request (with its PKCE verifier) to the provider.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from kholuutru.archive.access import Actor
from kholuutru.archive.database import Database
from kholuutru.archive.models import Account, AuditEvent
from kholuutru.archive.settings import Settings
from kholuutru.archive.sso_accounts import claimable_roles, password_login_allowed
from kholuutru.console.app import create_app
from kholuutru.console.context import console_context
from kholuutru.console.sso import person_from_claims

sys.path.insert(0, str(Path(__file__).parents[1] / "shared"))
from oidc_support import free_port, running_provider, set_claims  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
from console_support import csrf_token, text  # noqa: E402

NEWCOMER = "Tran.Van.Moi@QuangNam.gov.vn"
PEOPLE = [
    # a person the archive does not know yet; the claims ask for a province-wide role too
    {"sub": "moi", "email": NEWCOMER, "given_name": "Mới", "family_name": "Trần", "middle_name": "Văn",
     "unit_code": "000.00.02.H47", "roles": ["records_staff", "system_admin"]},
    # the demo records officer of Sở Nội vụ; the provider names another unit
    {"sub": "canbo", "email": "CanBo@demo.kholuutru.local", "given_name": "Dung", "family_name": "Phạm Thị",
     "unit_code": "000.00.02.H47", "roles": ["reader"]},
    {"sub": "no-mail", "name": "Không Có Thư"},
]
SECRET = "bi-mat-cua-may-khach"


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    with running_provider(PEOPLE) as issuer:
        yield issuer


@pytest.fixture(scope="module")
def settings(database: Database, tmp_path_factory: pytest.TempPathFactory, provider: str) -> Settings:
    """This module's database, with the console configured for the provider (the secret read from a file)."""
    secret_file = tmp_path_factory.mktemp("sso") / "client-secret"
    secret_file.write_text(SECRET + "\n")
    return Settings(
        data_dir=tmp_path_factory.mktemp("data"), database_url=database.app_url,
        database_owner_url=database.owner_url, oidc_issuer=provider + "/", oidc_client_id="kholuutru",
        oidc_client_secret_file=secret_file,
    )


def sso_login(client: FlaskClient, sub: str, *, next_url: str | None = None):
    """Click the SSO button, authorise as ``sub`` on the provider's form, follow the redirect back; the answer."""
    start = client.get("/login/sso", query_string={"next": next_url} if next_url else None)
    assert start.status_code == 302, text(start)[:300]
    authorise = httpx.post(start.headers["Location"], data={"sub": sub}, follow_redirects=False)
    assert authorise.status_code == 302, authorise.text[:300]
    back = urlsplit(authorise.headers["Location"])
    assert back.path == "/oauth-authorized/sso"
    return client.get(f"{back.path}?{back.query}")


def account(database: Database, email: str) -> SimpleNamespace | None:
    """The account's columns, its unit code and role codes, read province-wide."""
    with database.session(Actor.system("test")) as session:
        found = session.scalar(select(Account).where(Account.email == email))
        if found is None:
            return None
        return SimpleNamespace(
            id=found.id, username=found.username, password=found.password, active=found.active,
            first_name=found.first_name, last_name=found.last_name, unit_code=found.unit.code if found.unit else None,
            role_codes=sorted(role.name for role in found.roles),
        )


def events(database: Database, action: str, object_id: int) -> list[AuditEvent]:
    with database.session(Actor.system("test")) as session:
        return list(session.scalars(select(AuditEvent).where(
            AuditEvent.action == action, AuditEvent.object_id == str(object_id))))


def test_the_login_page_offers_sso_and_the_break_glass_form(client: FlaskClient):
    page = text(client.get("/login/"))
    assert "Đăng nhập qua hệ thống xác thực tập trung" in page
    assert 'id="kholuutru-break-glass"' in page and 'name="password"' in page
    assert "chỉ dành cho quản trị hệ thống" in page


def test_the_authorisation_request_uses_discovery_the_code_flow_and_pkce(client: FlaskClient, provider: str):
    start = client.get("/login/sso")
    location = urlsplit(start.headers["Location"])
    assert f"{location.scheme}://{location.netloc}" == provider
    query = parse_qs(location.query)
    assert query["response_type"] == ["code"]
    assert query["client_id"] == ["kholuutru"]
    assert query["scope"] == ["openid email profile"]
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) == 43  # base64url of a SHA-256 digest
    assert query["nonce"] and query["state"]
    assert query["redirect_uri"] == ["http://localhost/oauth-authorized/sso"]


def test_an_unknown_person_gets_a_locked_account_awaiting_a_unit_admin(app: Flask, database: Database):
    client = app.test_client()
    answer = sso_login(client, "moi")
    assert answer.status_code == 403
    assert "Tài khoản của bạn đang chờ quản trị đơn vị kích hoạt." in text(answer)
    assert "tran.van.moi@quangnam.gov.vn" in text(answer)

    made = account(database, "tran.van.moi@quangnam.gov.vn")
    assert made is not None and made.active is False and made.password is None
    assert made.username == "tran.van.moi@quangnam.gov.vn"  # the official e-mail is the key, in lower case
    assert (made.last_name, made.first_name) == ("Trần Văn", "Mới")
    assert made.unit_code == "000.00.02.H47"  # mapped from the unit claim
    assert made.role_codes == ["records_staff"]  # a claim grants no province-wide role by default
    created = events(database, "account.create", made.id)
    assert len(created) == 1 and created[0].details["source"] == "sso"
    assert created[0].actor_name == "system:sso"
    assert client.get("/").status_code == 302  # not logged in

    again = sso_login(app.test_client(), "moi")  # still locked: told so, and nothing is written again
    assert again.status_code == 403 and "Tài khoản của bạn đang bị khóa." in text(again)
    assert len(events(database, "account.create", made.id)) == 1
    assert events(database, "account.update", made.id) == []


def test_once_activated_the_person_lands_on_the_home_page_with_the_mapped_unit(app: Flask, database: Database):
    email = "tran.van.moi@quangnam.gov.vn"
    with database.session(Actor.system("test")) as session:  # what the unit administrator's activation does
        session.scalar(select(Account).where(Account.email == email)).active = True
    client = app.test_client()
    answer = sso_login(client, "moi", next_url="/dossiers/")
    assert answer.status_code == 302 and answer.headers["Location"] == "/dossiers/"
    home = text(client.get("/"))
    assert "Sở Tư pháp" in home and "Cán bộ lưu trữ" in home
    assert len(events(database, "user.login", account(database, email).id)) == 1


def test_names_follow_the_provider_but_the_unit_stays_as_assigned(app: Flask, database: Database, provider: str):
    claims = {key: value for key, value in PEOPLE[0].items() if key != "sub"}
    set_claims(provider, "moi", {**claims, "middle_name": "Đình", "unit_code": "000.00.03.H47"})
    before = account(database, "tran.van.moi@quangnam.gov.vn")
    assert sso_login(app.test_client(), "moi").status_code == 302
    after = account(database, "tran.van.moi@quangnam.gov.vn")
    assert (after.last_name, after.first_name) == ("Trần Đình", "Mới")
    assert after.unit_code == before.unit_code == "000.00.02.H47"
    updates = events(database, "account.update", after.id)
    assert len(updates) == 1 and updates[0].details == {"source": "sso"}


def test_no_account_is_created_while_the_platform_is_suspended(app: Flask, database: Database, provider: str,
                                                              suspended: str):
    set_claims(provider, "tam", {"email": "tam@quangnam.gov.vn", "name": "Phan Tâm"})
    answer = sso_login(app.test_client(), "tam")
    assert answer.status_code == 503
    assert account(database, "tam@quangnam.gov.vn") is None


def test_a_known_person_keeps_the_unit_and_roles_assigned_in_the_console(app: Flask, database: Database):
    before = account(database, "canbo@demo.kholuutru.local")
    client = app.test_client()
    assert sso_login(client, "canbo").headers["Location"] == "/"
    after = account(database, "canbo@demo.kholuutru.local")
    assert after.unit_code == before.unit_code == "000.00.01.H47"
    assert after.role_codes == ["records_staff"]
    assert (after.last_name, after.first_name) == ("Phạm Thị", "Dung")
    assert "Sở Nội vụ" in text(client.get("/"))
    profile = client.get("/users/userinfo/")
    assert profile.status_code == 200 and "canbo@demo.kholuutru.local" in text(profile)


def test_a_person_without_an_e_mail_is_refused(app: Flask, database: Database):
    answer = sso_login(app.test_client(), "no-mail")
    assert answer.status_code == 422
    assert "không cung cấp địa chỉ thư điện tử công vụ hợp lệ" in text(answer)


def test_a_refusal_at_the_provider_ends_on_the_login_page(client: FlaskClient):
    start = client.get("/login/sso")
    denied = httpx.post(start.headers["Location"], data={"action": "deny"}, follow_redirects=False)
    back = urlsplit(denied.headers["Location"])
    answer = client.get(f"{back.path}?{back.query}", follow_redirects=True)
    assert "Hệ thống xác thực tập trung không xác nhận việc đăng nhập" in text(answer)


def test_only_the_system_administrator_may_log_in_with_a_password(client: FlaskClient, demo: dict[str, str]):
    token = csrf_token(client, "/login/")
    refused = client.post("/login/local", data={"username": "canbo", "password": demo["canbo"], "csrf_token": token})
    assert refused.headers["Location"].endswith("/login/")
    assert "chỉ quản trị hệ thống được đăng nhập bằng mật khẩu" in text(client.get("/login/"))
    for username in ("canbo", "admin"):  # FAB closes its REST password login under SSO, for everyone
        api = client.post("/api/v1/security/login",
                          json={"username": username, "password": demo[username], "provider": "db"})
        assert api.status_code == 400

    admitted = client.post("/login/local", data={"username": "admin", "password": demo["admin"], "csrf_token": token})
    assert admitted.status_code == 302 and "/login" not in admitted.headers["Location"]
    assert "Quản trị hệ thống" in text(client.get("/"))


def test_the_break_glass_login_can_be_turned_off(settings, database, storage, demo: dict[str, str]):
    # without CSRF checks, so that the POST below reaches the view rather than being refused before it
    app = create_app(settings.model_copy(update={"oidc_local_login": False}), database, storage,
                     config={"WTF_CSRF_ENABLED": False})
    try:
        client = app.test_client()
        page = text(client.get("/login/"))
        assert "Đăng nhập qua hệ thống xác thực tập trung" in page and 'name="password"' not in page
        assert client.post("/login/local", data={"username": "admin", "password": demo["admin"]}).status_code == 404
    finally:
        with app.app_context():
            console_context(app).db.engine.dispose()


def test_an_unreachable_provider_leaves_the_console_up_with_the_break_glass_login(settings, database, storage):
    down = settings.model_copy(update={"oidc_issuer": f"http://127.0.0.1:{free_port()}"})
    app = create_app(down, database, storage)  # discovery is read at the first login, not at start
    try:
        client = app.test_client()
        answer = client.get("/login/sso", follow_redirects=True)
        assert answer.status_code == 200
        assert "Đăng nhập không thành công. Vui lòng thử lại." in text(answer)
        assert 'id="kholuutru-break-glass"' in text(answer)
    finally:
        with app.app_context():
            console_context(app).db.engine.dispose()


def test_the_client_secret_is_read_from_its_file_and_never_shown(settings: Settings, app: Flask):
    assert settings.sso_client_secret() == SECRET
    assert app.config["OAUTH_PROVIDERS"][0]["remote_app"]["client_secret"] == SECRET
    shown = {row["name"]: row["value"] for row in settings.described()}
    assert SECRET not in str(shown)
    assert Settings(oidc_client_secret=SECRET).described() and all(
        SECRET not in str(row["value"]) for row in Settings(oidc_client_secret=SECRET).described())


def test_claims_map_to_a_person_in_vietnamese_name_order():
    settings = Settings(oidc_unit_claim="ma_don_vi", oidc_roles_claim="vai_tro")
    person = person_from_claims({"email": "a@b.vn", "name": "Nguyễn Văn An", "ma_don_vi": "000.00.01.H47",
                                 "vai_tro": "clerk reader"}, settings)
    assert (person.last_name, person.first_name, person.unit_code) == ("Nguyễn Văn", "An", "000.00.01.H47")
    assert person.role_codes == {"clerk", "reader"}
    assert person_from_claims({"email": "a@b.vn"}, Settings(oidc_unit_claim="", oidc_roles_claim="")).role_codes is None


def test_which_roles_a_claim_may_grant_and_who_may_use_a_password():
    assert claimable_roles(["clerk", "inspector", "nonsense"], province_roles_from_claim=False) == ["clerk"]
    assert claimable_roles(["clerk", "inspector"], province_roles_from_claim=True) == ["clerk", "inspector"]
    assert password_login_allowed(["clerk"], sso_enabled=False, local_login=False)
    assert not password_login_allowed(["clerk"], sso_enabled=True, local_login=True)
    assert password_login_allowed(["system_admin"], sso_enabled=True, local_login=True)
    assert not password_login_allowed(["system_admin"], sso_enabled=True, local_login=False)


def test_an_issuer_needs_a_client_id():
    with pytest.raises(ValueError, match="KHOLUUTRU_OIDC_CLIENT_ID"):
        Settings(oidc_issuer="https://sso.quangnam.gov.vn")
