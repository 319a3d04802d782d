"""Writes FAB makes itself (accounts, roles, logins) each leave one audit event, and the chain stays whole."""

from __future__ import annotations

from sqlalchemy import select

from kholuutru.archive import audit
from kholuutru.archive.access import Actor
from kholuutru.archive.models import AuditEvent


def last_event(database) -> AuditEvent:
    with database.session(Actor.system("test")) as session:
        row = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).one()
        assert audit.verify(session).ok
        return row


def test_a_login_is_audited_as_the_user(app, database, client_as):
    client_as("canbo")
    event = last_event(database)
    assert (event.action, event.actor_name, event.object_type) == ("user.login", "canbo", "user")


def test_a_failed_login_is_audited(app, database, client, csrf_token):
    token = csrf_token(client, "/login/")
    client.post("/login/", data={"username": "canbo", "password": "sai mật khẩu", "csrf_token": token})
    event = last_event(database)
    assert event.action == "user.login_failed" and event.actor_name == "canbo"


def test_the_admin_adding_a_role_through_fab_is_audited(app, database, client_as, csrf_token, audit_count):
    admin = client_as("admin")
    before = audit_count()
    token = csrf_token(admin, "/roles/add")
    response = admin.post("/roles/add", data={"name": "vai_tro_thu", "csrf_token": token}, follow_redirects=True)
    assert response.status_code == 200
    event = last_event(database)
    assert audit_count() == before + 1
    assert (event.action, event.actor_name, event.object_type) == ("role.create", "admin", "role")
    assert event.object_id is not None
