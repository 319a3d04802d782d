"""Suspension in the console (invariant 4): a banner everywhere, every write refused with 503, reads per DOMAIN.md."""

from __future__ import annotations

from kholuutru.archive.access import Actor
from kholuutru.archive.models import Unit

BANNER = 'id="kholuutru-suspension-banner"'
REFUSAL = "Hệ thống đang tạm dừng hoạt động, không thể ghi dữ liệu"


def text(answer) -> str:
    return answer.get_data(as_text=True)


def province_id(database) -> int:
    with database.session(Actor.system("test")) as session:
        return session.query(Unit).filter_by(code="000.00.00.H47").one().id


def test_no_banner_while_running(client_as):
    assert BANNER not in text(client_as("admin").get("/"))


def test_banner_on_every_page_with_reason_and_since(client, client_as, suspended):
    login_page = text(client.get("/login/"))
    assert BANNER in login_page and suspended in login_page
    admin = client_as("admin")
    for path in ("/", "/units/list/", "/users/userinfo/"):
        page = admin.get(path)
        assert page.status_code == 200, path
        assert BANNER in text(page) and suspended in text(page), path
    home = text(admin.get("/"))
    assert "Từ lúc" in home


def test_a_console_write_is_503_with_a_vietnamese_message(client_as, database, csrf_token, audit_count, suspended):
    admin = client_as("admin")
    token = csrf_token(admin, "/units/add")
    before = audit_count()
    answer = admin.post("/units/add", data={
        "code": "000.00.40.H47", "name": "Sở Y tế", "level": "department",
        "parent": str(province_id(database)), "csrf_token": token,
    })
    assert answer.status_code == 503
    page = text(answer)
    assert REFUSAL in page and suspended in page and BANNER in page
    assert audit_count() == before
    with database.session(Actor.system("test")) as session:
        assert session.query(Unit).filter_by(code="000.00.40.H47").one_or_none() is None


def test_an_api_write_is_503_json(client, demo, api_token, database, suspended):
    token = api_token(client, "admin", demo["admin"])  # logging in stays possible while suspended
    answer = client.post("/api/v1/units/", headers={"Authorization": f"Bearer {token}"}, json={
        "code": "000.00.41.H47", "name": "Sở Xây dựng", "level": "department", "parent_id": province_id(database),
    })
    assert answer.status_code == 503
    assert REFUSAL in answer.get_json()["message"]
    for method in ("put", "delete"):
        answer = getattr(client, method)(f"/api/v1/units/{province_id(database)}",
                                         headers={"Authorization": f"Bearer {token}"}, json={"name": "X"})
        assert answer.status_code == 503 and "message" in answer.get_json()


def test_login_and_language_switch_still_work(client, client_as, suspended):
    assert client.get("/lang/en").status_code == 302
    assert "The platform is suspended" in text(client.get("/login/"))
    assert client.get("/lang/vi").status_code == 302
    staff = client_as("canbo")  # logs in through the form: a POST that suspension lets through
    assert staff.get("/logout/").status_code == 302


def test_staff_heads_and_readers_see_only_the_notice(client_as, client, demo, api_token, suspended):
    for username in ("canbo", "lanhdao", "khaithac"):
        user = client_as(username)
        home = user.get("/")
        assert home.status_code == 200
        assert BANNER in text(home)
        assert 'id="kholuutru-unit-tree"' not in text(home)
        listing = user.get("/units/list/")
        assert listing.status_code == 503 and BANNER in text(listing)
    token = api_token(client, "khaithac", demo["khaithac"])
    answer = client.get("/api/v1/units/", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 503
    assert "chỉ quản trị hệ thống, trực vận hành và thanh tra" in answer.get_json()["message"]


def test_admins_operators_and_inspectors_keep_reading(client_as, client, demo, api_token, suspended):
    for username in ("admin", "trucvanhanh", "thanhtra"):
        user = client_as(username)
        assert 'id="kholuutru-unit-tree"' in text(user.get("/")), username
        assert user.get("/units/list/").status_code == 200, username
    token = api_token(client, "thanhtra", demo["thanhtra"])
    answer = client.get("/api/v1/units/", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200 and answer.get_json()["count"] >= 12


def test_writes_work_again_after_resume(client_as, database, csrf_token, audit_count):
    admin = client_as("admin")
    before = audit_count()
    answer = admin.post("/units/add", data={
        "code": "000.00.42.H47", "name": "Sở Giáo dục và Đào tạo", "level": "department",
        "parent": str(province_id(database)), "csrf_token": csrf_token(admin, "/units/add"),
    })
    assert answer.status_code == 302
    assert audit_count() == before + 1
