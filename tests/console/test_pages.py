"""Console pages: Vietnamese by default, English on request, the home page's unit tree, units CRUD through services."""

from __future__ import annotations

import re

from kholuutru.archive.access import Actor
from kholuutru.archive.models import Unit

TITLE = "Hệ thống Lưu trữ điện tử dùng chung"


def text(answer) -> str:
    return answer.get_data(as_text=True)


def unit_id(database, code: str) -> int | None:
    with database.session(Actor.system("test")) as session:
        unit = session.query(Unit).filter_by(code=code).one_or_none()
        return unit.id if unit else None


def test_login_page_is_vietnamese_by_default(client):
    page = text(client.get("/login/"))
    assert "Đăng nhập" in page
    assert "Tên đăng nhập" in page and "Mật khẩu" in page
    assert f"<title>{TITLE}</title>" in page


def test_english_after_switching_language(client):
    switched = client.get("/lang/en")
    assert switched.status_code == 302
    page = text(client.get("/login/"))
    assert "Sign In" in page and "Password" in page
    assert "Đăng nhập" not in page
    client.get("/lang/vi")
    assert "Đăng nhập" in text(client.get("/login/"))


def test_anonymous_visitors_are_sent_to_login(client):
    answer = client.get("/")
    assert answer.status_code == 302
    assert "/login/" in answer.headers["Location"]


def test_home_shows_the_unit_tree_the_unit_and_the_role(client_as):
    page = text(client_as("canbo").get("/"))
    assert "Ủy ban nhân dân tỉnh Quảng Nam" in page  # the province, at the root
    assert "Ủy ban nhân dân xã Tam Phú" in page  # a commune, two levels down
    assert re.search(r'id="kholuutru-my-unit">\s*Sở Nội vụ', page)
    assert re.search(r'id="kholuutru-my-roles">\s*Cán bộ lưu trữ', page)
    tree = page[page.index('id="kholuutru-unit-tree"'):]
    # nesting: the commune sits inside its district, which sits inside the province
    assert tree.index("Ủy ban nhân dân tỉnh Quảng Nam") < tree.index("Ủy ban nhân dân thành phố Tam Kỳ")
    assert tree.index("Ủy ban nhân dân thành phố Tam Kỳ") < tree.index("Ủy ban nhân dân phường An Mỹ")


def test_role_labels_follow_the_language(client_as):
    client = client_as("thanhtra")
    assert "Thanh tra, kiểm tra" in text(client.get("/"))
    client.get("/lang/en")
    page = text(client.get("/"))
    assert "Inspector" in page and "Your unit" in page


def test_every_role_lists_units(client_as, demo):
    for username in demo:
        page = client_as(username).get("/units/list/")
        assert page.status_code == 200, username
        assert "000.00.00.H47" in text(page)


def test_the_admin_adds_edits_and_deletes_a_unit_with_one_audit_event_each(client_as, database, csrf_token,
                                                                            audit_count):
    admin = client_as("admin")
    province = unit_id(database, "000.00.00.H47")

    before = audit_count()
    answer = admin.post("/units/add", data={
        "code": "000.00.30.H47", "name": "Sở Văn hóa, Thể thao và Du lịch", "level": "department",
        "parent": str(province), "csrf_token": csrf_token(admin, "/units/add"),
    })
    assert answer.status_code == 302
    created = unit_id(database, "000.00.30.H47")
    assert created is not None
    assert audit_count() == before + 1

    answer = admin.post(f"/units/edit/{created}", data={
        "code": "000.00.30.H47", "name": "Sở Văn hóa và Thể thao", "level": "department",
        "parent": str(province), "csrf_token": csrf_token(admin, f"/units/edit/{created}"),
    })
    assert answer.status_code == 302
    with database.session(Actor.system("test")) as session:
        assert session.get(Unit, created).name == "Sở Văn hóa và Thể thao"
    assert audit_count() == before + 2

    answer = admin.post(f"/units/delete/{created}", data={"csrf_token": csrf_token(admin, "/units/list/")})
    assert answer.status_code == 302
    assert unit_id(database, "000.00.30.H47") is None
    assert audit_count() == before + 3


def test_a_refused_change_is_a_flashed_message_not_a_500(client_as, database, csrf_token, audit_count):
    admin = client_as("admin")
    before = audit_count()
    answer = admin.post("/units/add", data={
        "code": "H47", "name": "Mã sai", "level": "department",
        "parent": str(unit_id(database, "000.00.00.H47")), "csrf_token": csrf_token(admin, "/units/add"),
    }, follow_redirects=True)
    assert answer.status_code == 200
    assert "Mã định danh đơn vị phải có dạng 000.00.00.H47" in text(answer)
    assert audit_count() == before

    district = unit_id(database, "000.00.20.H47")  # still has communes: the service refuses to delete it
    answer = admin.post(f"/units/delete/{district}", data={"csrf_token": csrf_token(admin, "/units/list/")},
                        follow_redirects=True)
    assert answer.status_code == 200
    assert "còn đơn vị trực thuộc" in text(answer)
    assert unit_id(database, "000.00.20.H47") == district

    commune = unit_id(database, "000.01.20.H47")  # a commune must sit under a district, not a department
    answer = admin.post(f"/units/edit/{commune}", data={
        "code": "000.01.20.H47", "name": "Ủy ban nhân dân phường An Mỹ", "level": "commune",
        "parent": str(unit_id(database, "000.00.01.H47")), "csrf_token": csrf_token(admin, f"/units/edit/{commune}"),
    }, follow_redirects=True)
    assert answer.status_code == 200
    assert "phải trực thuộc" in text(answer)
    assert audit_count() == before


def test_only_the_system_admin_writes_units(client_as, database, csrf_token, audit_count):
    staff = client_as("qtdonvi")
    before = audit_count()
    assert staff.get("/units/add").status_code in (302, 403)
    answer = staff.post("/units/add", data={
        "code": "000.00.31.H47", "name": "Không được thêm", "level": "department",
        "parent": str(unit_id(database, "000.00.00.H47")), "csrf_token": csrf_token(staff, "/units/list/"),
    })
    assert answer.status_code in (302, 403)
    assert unit_id(database, "000.00.31.H47") is None
    assert audit_count() == before
    listing = text(staff.get("/units/list/"))
    assert "/units/add" not in listing  # no add button for those who may not add


def test_a_get_cannot_delete(client_as, database, audit_count):
    """FAB accepts GET on its delete URL; with CSRF protection on, such a GET is refused (no link-click deletes)."""
    admin = client_as("admin")
    before = audit_count()
    commune = unit_id(database, "000.01.22.H47")
    answer = admin.get(f"/units/delete/{commune}")
    assert answer.status_code == 302
    assert unit_id(database, "000.01.22.H47") == commune
    assert audit_count() == before
