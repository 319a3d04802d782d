"""The unit accounts screens and the lock taking effect on the next request (regulation Ch. II, Đ11.3–4).

Real console app over the seeded demo province; forms posted with their CSRF token, API calls with FAB's JWT.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from kholuutru.archive import accounts, roles
from kholuutru.archive.models import Account, AuditEvent, Unit

sys.path.insert(0, str(Path(__file__).parent))
from console_support import ADMIN, PASSWORD, bearer, create_people, field, form_login, text  # noqa: E402

OWN, OTHER = "000.00.01.H47", "000.00.02.H47"
REQUEST = {"reason": "Nghỉ việc theo quyết định", "document_number": "15/QĐ-SNV", "document_date": "20/11/2026",
           "requested_by": "Văn phòng Sở Nội vụ"}


@pytest.fixture(scope="module")
def unit_ids(database, demo) -> dict[str, int]:
    with database.session(ADMIN) as session:
        return dict(session.execute(select(Unit.code, Unit.id)).all())


@pytest.fixture(scope="module")
def account_ids(database, demo) -> dict[str, int]:
    with database.session(ADMIN) as session:
        return dict(session.execute(select(Account.username, Account.id)).all())


def people(database, unit_ids, *specs: tuple[str, str, str]):
    with database.session(ADMIN) as session:
        return create_people(session, [(name, role, unit_ids[code]) for name, role, code in specs])


def post(client, path: str, data: dict | None = None, form_path: str | None = None):
    page = client.get(form_path or path)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', text(page)).group(1)
    return client.post(path, data={"csrf_token": token, **(data or {})})


def test_unit_admin_sees_and_grants_only_inside_own_unit(client_as, account_ids):
    admin = client_as("qtdonvi")
    page = text(admin.get("/accounts/"))
    assert 'data-username="canbo"' in page and 'data-username="canbotp"' not in page
    assert 'id="role-records_staff"' in page and 'id="role-system_admin"' not in page
    assert 'id="role-inspector"' not in page
    assert admin.get(f"/accounts/{account_ids['canbotp']}").status_code == 404
    assert admin.get(f"/accounts/{account_ids['thanhtra']}").status_code == 200  # sees the inspector of the unit…
    assert 'id="kholuutru-lock-form"' not in text(admin.get(f"/accounts/{account_ids['thanhtra']}"))  # …cannot lock
    answer = post(admin, f"/accounts/{account_ids['canbo']}/roles", {"roles": [roles.RECORDS_STAFF,
                                                                                roles.SYSTEM_ADMIN]},
                  form_path=f"/accounts/{account_ids['canbo']}")
    assert answer.status_code == 403 and "Quản trị hệ thống" in field(text(answer), "roles")


def test_unit_admin_creates_an_account_with_roles_and_the_change_is_audited_once(client_as, database, audit_count):
    admin = client_as("qtdonvi")
    before = audit_count()
    answer = post(admin, "/accounts/", {"username": "nv.moi", "last_name": "Trần Văn", "first_name": "Mới",
                                        "email": "nv.moi@demo.kholuutru.local", "position": "Chuyên viên",
                                        "password": "mat-khau-ban-dau-1", "roles": [roles.CLERK, roles.READER]})
    assert answer.status_code == 302, text(answer)[:500]
    assert audit_count() == before + 1
    with database.session(ADMIN) as session:
        created = session.scalars(select(Account).where(Account.username == "nv.moi")).one()
        assert sorted(role.name for role in created.roles) == [roles.CLERK, roles.READER]
    refused = post(admin, "/accounts/", {"username": "x", "last_name": "A", "first_name": "B",
                                         "email": "x@example.vn", "password": "short", "roles": [roles.READER]})
    assert refused.status_code == 422 and "Tên đăng nhập" in field(text(refused), "username")


def test_roles_without_the_right_see_no_account_screen(client_as):
    assert client_as("canbo").get("/accounts/").status_code == 403
    assert client_as("trucvanhanh").get("/accounts/locked").status_code == 403
    assert client_as("thanhtra").get("/accounts/locked").status_code == 200
    assert client_as("qtdonvi").get("/users/list/").status_code in (302, 403)  # FAB's own screens: system admin


def test_a_lock_ends_the_open_session_on_its_next_click_and_is_listed_with_why(app, client_as, database, unit_ids,
                                                                              audit_count):
    person = people(database, unit_ids, ("nv.khoa", roles.RECORDS_STAFF, OWN))["nv.khoa"]
    victim = form_login(app, "nv.khoa")
    assert victim.get("/dossiers/").status_code == 200
    admin = client_as("qtdonvi")
    before = audit_count()
    answer = post(admin, f"/accounts/{person.user_id}/lock", REQUEST, form_path=f"/accounts/{person.user_id}")
    assert answer.status_code == 302, text(answer)[:800]
    assert audit_count() == before + 1  # the service's event only, not FAB's user.update as well
    with database.session(ADMIN) as session:
        event = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).one()
        assert event.action == "account.lock" and event.details["document_number"] == "15/QĐ-SNV"

    refused = victim.get("/dossiers/")
    assert refused.status_code == 401 and "đã bị khóa" in text(refused)
    assert victim.get("/dossiers/").status_code == 302  # logged out: back to the login form
    locked = text(admin.get("/accounts/locked"))
    assert 'data-username="nv.khoa"' in locked and "15/QĐ-SNV" in locked and "Văn phòng Sở Nội vụ" in locked
    answer = form_login_refused(app, "nv.khoa")
    assert "/login" in answer.headers["Location"]

    answer = post(admin, f"/accounts/{person.user_id}/unlock", {"unlock_reason": "Đã xác minh"},
                  form_path=f"/accounts/{person.user_id}")
    assert answer.status_code == 302
    assert form_login(app, "nv.khoa").get("/dossiers/").status_code == 200


def form_login_refused(app, username: str):
    client = app.test_client()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', text(client.get("/login/"))).group(1)
    return client.post("/login/", data={"username": username, "password": PASSWORD, "csrf_token": token})


def test_a_lock_refuses_the_accounts_api_token_on_its_next_call(app, database, unit_ids, api_token):
    person = people(database, unit_ids, ("nv.api", roles.RECORDS_STAFF, OWN))["nv.api"]
    token = api_token(app.test_client(), "nv.api", PASSWORD)
    assert app.test_client().get("/api/v1/dossiers/", headers=bearer(token)).status_code == 200
    with database.session(ADMIN) as session:
        accounts.lock_account(session, ADMIN, person.user_id, accounts.AccountRequest.clean(**REQUEST))
    answer = app.test_client().get("/api/v1/dossiers/", headers=bearer(token))
    assert answer.status_code == 401 and "locked" not in answer.get_json()["message"]  # Vietnamese by default
    assert "khóa" in answer.get_json()["message"]


def test_system_admin_transfers_and_retires(client_as, database, unit_ids):
    made = people(database, unit_ids, ("nv.chuyen", roles.UNIT_HEAD, OWN), ("nv.huu", roles.CLERK, OWN))
    admin = client_as("admin")
    moved = made["nv.chuyen"].user_id
    answer = post(admin, f"/accounts/{moved}/transfer", {"unit_id": str(unit_ids[OTHER]), **REQUEST},
                  form_path=f"/accounts/{moved}")
    assert answer.status_code == 302, text(answer)[:800]
    retired = made["nv.huu"].user_id
    refused = post(admin, f"/accounts/{retired}/retire", {**REQUEST, "document_number": ""},
                   form_path=f"/accounts/{retired}")
    assert refused.status_code == 422 and "Số văn bản đề nghị" in field(text(refused), "retire-document_number")
    assert post(admin, f"/accounts/{retired}/retire", REQUEST, form_path=f"/accounts/{retired}").status_code == 302
    with database.session(ADMIN) as session:
        assert (session.get(Account, moved).unit_id, session.get(Account, moved).roles) == (unit_ids[OTHER], [])
        assert session.get(Account, retired).active is False
    assert client_as("qtdonvi").get(f"/accounts/{moved}").status_code == 404  # gone from the old unit's reach
