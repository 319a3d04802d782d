"""REST API: JWT login, units read by all and written by the admin through the service, OpenAPI, JSON refusals."""

from __future__ import annotations

import pytest

from kholuutru.archive.access import Actor
from kholuutru.archive.models import Unit


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def unit_id(database, code: str) -> int | None:
    with database.session(Actor.system("test")) as session:
        unit = session.query(Unit).filter_by(code=code).one_or_none()
        return unit.id if unit else None


@pytest.fixture
def admin_token(client, demo, api_token) -> str:
    return api_token(client, "admin", demo["admin"])


def test_login_returns_a_jwt(client, demo):
    answer = client.post("/api/v1/security/login",
                         json={"username": "khaithac", "password": demo["khaithac"], "provider": "db"})
    assert answer.status_code == 200
    token = answer.get_json()["access_token"]
    assert token.count(".") == 2  # header.payload.signature


def test_a_wrong_password_is_401(client):
    answer = client.post("/api/v1/security/login",
                         json={"username": "admin", "password": "not-the-password", "provider": "db"})
    assert answer.status_code == 401


def test_units_need_a_login(client):
    assert client.get("/api/v1/units/").status_code == 401


def test_every_role_lists_units(client, demo, api_token):
    for username, password in demo.items():
        answer = client.get("/api/v1/units/", headers=bearer(api_token(client, username, password)))
        assert answer.status_code == 200, username
        codes = {row["code"] for row in answer.get_json()["result"]}
        assert {"000.00.00.H47", "000.02.20.H47"} <= codes


def test_the_admin_writes_units_through_the_service(client, admin_token, database, audit_count):
    before = audit_count()
    province = unit_id(database, "000.00.00.H47")
    answer = client.post("/api/v1/units/", headers=bearer(admin_token), json={
        "code": "000.00.50.H47", "name": "Sở Tài chính", "level": "department", "parent_id": province,
    })
    assert answer.status_code == 201, answer.get_json()
    created = answer.get_json()["id"]
    assert created == unit_id(database, "000.00.50.H47")
    assert answer.get_json()["result"]["parent_id"] == province
    assert audit_count() == before + 1

    answer = client.put(f"/api/v1/units/{created}", headers=bearer(admin_token), json={"name": "Sở Tài chính tỉnh"})
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["result"]["name"] == "Sở Tài chính tỉnh"
    assert audit_count() == before + 2

    shown = client.get(f"/api/v1/units/{created}", headers=bearer(admin_token)).get_json()["result"]
    assert (shown["code"], shown["name"], shown["level"]) == ("000.00.50.H47", "Sở Tài chính tỉnh", "department")

    answer = client.delete(f"/api/v1/units/{created}", headers=bearer(admin_token))
    assert answer.status_code == 200
    assert unit_id(database, "000.00.50.H47") is None
    assert audit_count() == before + 3


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"code": "50.H47", "name": "Mã sai", "level": "department"}, 422, "code"),
        ({"code": "000.00.00.H47", "name": "Trùng mã", "level": "province"}, 409, "code"),
        ({"code": "000.00.51.H47", "name": "Cấp lạ", "level": "ministry"}, 422, "level"),
        ({"code": "000.00.52.H47", "name": "Không cấp trên", "level": "department", "parent_id": 999999}, 422,
         "parent_id"),
    ],
)
def test_a_refused_write_is_a_4xx_json_message(client, admin_token, audit_count, body, status, field):
    before = audit_count()
    answer = client.post("/api/v1/units/", headers=bearer(admin_token), json=body)
    assert answer.status_code == status, answer.get_json()
    assert answer.get_json()["message"]
    assert answer.get_json()["field"] == field
    assert audit_count() == before


def test_refusals_speak_the_language_asked_for(client, admin_token):
    body = {"code": "50.H47", "name": "Mã sai", "level": "department"}
    vietnamese = client.post("/api/v1/units/", headers=bearer(admin_token), json=body).get_json()["message"]
    english = client.post("/api/v1/units/?_l_=en", headers=bearer(admin_token), json=body).get_json()["message"]
    assert "Mã định danh" in vietnamese
    assert english.startswith("The unit identifier")


def test_deleting_a_unit_in_use_is_409(client, admin_token, database):
    answer = client.delete(f"/api/v1/units/{unit_id(database, '000.00.20.H47')}", headers=bearer(admin_token))
    assert answer.status_code == 409
    assert "message" in answer.get_json()


def test_unknown_unit_is_404(client, admin_token):
    assert client.put("/api/v1/units/999999", headers=bearer(admin_token), json={"name": "X"}).status_code == 404


def test_only_the_admin_writes(client, demo, api_token, database, audit_count):
    token = api_token(client, "qtdonvi", demo["qtdonvi"])
    before = audit_count()
    answer = client.post("/api/v1/units/", headers=bearer(token), json={
        "code": "000.00.53.H47", "name": "Không được", "level": "department",
        "parent_id": unit_id(database, "000.00.00.H47"),
    })
    assert answer.status_code == 403
    assert "message" in answer.get_json()
    assert client.delete(f"/api/v1/units/{unit_id(database, '000.02.20.H47')}",
                         headers=bearer(token)).status_code == 403
    assert audit_count() == before


def test_openapi_describes_the_units_resource(client, demo, api_token):
    token = api_token(client, "khaithac", demo["khaithac"])
    answer = client.get("/api/v1/_openapi", headers=bearer(token))
    assert answer.status_code == 200
    spec = answer.get_json()
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/units/" in spec["paths"] and "/api/v1/units/{pk}" in spec["paths"]
    assert {"get", "post"} <= set(spec["paths"]["/api/v1/units/"])
    assert {"get", "put", "delete"} <= set(spec["paths"]["/api/v1/units/{pk}"])
    assert "/api/v1/security/login" in spec["paths"]


def test_swagger_ui_is_served(client_as):
    assert client_as("admin").get("/swagger/v1").status_code == 200
