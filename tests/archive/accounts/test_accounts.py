"""Delegated account administration (regulation Ch. II, Đ11.2–4): the unit admin's reach and rank, locks with the
request behind them, transfers that drop the old unit's rights, retirement, audit and suspension."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from kholuutru.archive import accounts, roles, suspension
from kholuutru.archive.access import Actor
from kholuutru.archive.database import Database
from kholuutru.archive.errors import Conflict, InvalidInput, NotFound, PermissionDenied, PlatformSuspended
from kholuutru.archive.models import Account, AuditEvent
from kholuutru.archive.units import create_unit

SYSTEM = Actor.system("test")
REQUEST = dict(reason="Chuyển công tác", document_number="42/SNV-TCCB", document_date="20/11/2026",
               requested_by="Phòng Tổ chức cán bộ")


@pytest.fixture(scope="module")
def units(database: Database) -> tuple[int, int]:
    with database.session(SYSTEM) as session:
        province = create_unit(session, SYSTEM, code="000.00.00.H47", name="UBND tỉnh", level="province")
        first = create_unit(session, SYSTEM, code="000.00.01.H47", name="Sở Nội vụ", level="department",
                            parent_id=province.id)
        second = create_unit(session, SYSTEM, code="000.00.02.H47", name="Sở Tư pháp", level="department",
                             parent_id=province.id)
        return first.id, second.id


def make_account(database: Database, username: str, unit_id: int | None, *codes: str) -> Actor:
    with database.session(SYSTEM) as session:
        account = accounts.create_account(
            session, SYSTEM, username=username, password="mat-khau-du-dai-1", first_name="Tên", last_name="Họ",
            email=f"{username}@example.vn", unit_id=unit_id, role_codes=codes)
        return Actor(account.id, username, unit_id, frozenset(codes))


def events(database: Database, account_id: int) -> list[str]:
    with database.session(SYSTEM) as session:
        return list(session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "account",
                                                                    AuditEvent.object_id == str(account_id))
                                    .order_by(AuditEvent.seq)))


def test_unit_admin_grants_unit_roles_in_own_unit_only_and_never_above_own(database, units):
    own, other = units
    admin = make_account(database, "qt.rank", own, roles.UNIT_ADMIN)
    with database.session(admin) as session:
        created = accounts.create_account(
            session, admin, username="nv.rank", password="mat-khau-du-dai-1", first_name="A", last_name="B",
            email="nv.rank@example.vn", unit_id=own, role_codes=[roles.RECORDS_STAFF])
        accounts.grant_role(session, admin, created.id, roles.UNIT_ADMIN)
        assert accounts.grantable_roles(admin, own) == accounts.UNIT_ROLES
        assert accounts.grantable_roles(admin, other) == frozenset()
    for above in (roles.SYSTEM_ADMIN, roles.OPERATOR, roles.INSPECTOR):
        with pytest.raises(PermissionDenied) as refused, database.session(admin) as session:
            accounts.grant_role(session, admin, created.id, above)
        assert refused.value.field == "roles" and roles.ROLES[above].name_vi in refused.value.message_vi
    with pytest.raises(PermissionDenied), database.session(admin) as session:
        accounts.create_account(session, admin, username="nv.khac", password="mat-khau-du-dai-1", first_name="A",
                                last_name="B", email="nv.khac@example.vn", unit_id=other,
                                role_codes=[roles.READER])
    with database.session(admin) as session:
        assert [a.username for a in accounts.list_accounts(session, admin, own)] == ["nv.rank", "qt.rank"]
    assert events(database, created.id) == ["account.create", "account.roles"]


def test_unit_admin_cannot_touch_a_province_wide_account_of_their_unit_or_another_units_account(database, units):
    own, other = units
    admin = make_account(database, "qt.reach", own, roles.UNIT_ADMIN)
    inspector = make_account(database, "tt.reach", own, roles.INSPECTOR)
    stranger = make_account(database, "nv.reach", other, roles.RECORDS_STAFF)
    lock = accounts.AccountRequest.clean(**REQUEST)
    with pytest.raises(PermissionDenied) as refused, database.session(admin) as session:
        accounts.lock_account(session, admin, inspector.user_id, lock)
    assert "above" in refused.value.message_en
    with pytest.raises(NotFound), database.session(admin) as session:
        accounts.lock_account(session, admin, stranger.user_id, lock)
    with pytest.raises(Conflict), database.session(admin) as session:
        accounts.lock_account(session, admin, admin.user_id, lock)


def test_lock_records_the_request_until_unlocked_and_is_audited_once(database, units):
    own, _ = units
    admin = make_account(database, "qt.lock", own, roles.UNIT_ADMIN)
    staff = make_account(database, "nv.lock", own, roles.RECORDS_STAFF)
    with database.session(admin) as session:
        lock = accounts.lock_account(session, admin, staff.user_id, accounts.AccountRequest.clean(**REQUEST))
        assert (lock.kind, lock.document_number, lock.document_date, lock.requested_by, lock.locked_by) == (
            "lock", "42/SNV-TCCB", dt.date(2026, 11, 20), "Phòng Tổ chức cán bộ", "qt.lock")
        assert session.get(Account, staff.user_id).active is False
        assert [row.account.username for row in accounts.locked_accounts(session, admin, own)] == ["nv.lock"]
    with pytest.raises(Conflict), database.session(admin) as session:
        accounts.lock_account(session, admin, staff.user_id, accounts.AccountRequest.clean(**REQUEST))
    with pytest.raises(InvalidInput) as refused, database.session(admin) as session:
        accounts.unlock_account(session, admin, staff.user_id, " ")
    assert refused.value.field == "reason"
    with database.session(admin) as session:
        accounts.unlock_account(session, admin, staff.user_id, "Đã xác minh")
        assert session.get(Account, staff.user_id).active is True
        assert accounts.locked_accounts(session, admin, own) == []
    assert events(database, staff.user_id) == ["account.create", "account.lock", "account.unlock"]


@pytest.mark.parametrize(("field", "value"), [("reason", ""), ("document_number", "  "), ("document_date", ""),
                                              ("document_date", "31/02/2026"), ("document_date", "01/01/2999"),
                                              ("requested_by", None), ("document_number", "x" * 51)])
def test_a_lock_names_the_missing_or_bad_field_of_the_request(field, value):
    with pytest.raises(InvalidInput) as refused:
        accounts.AccountRequest.clean(**{**REQUEST, field: value})
    assert refused.value.field == field


def test_transfer_drops_every_role_of_the_old_unit_and_only_the_system_admin_moves_accounts(database, units):
    own, other = units
    admin = make_account(database, "qt.move", own, roles.UNIT_ADMIN)
    head = make_account(database, "ld.move", own, roles.UNIT_HEAD, roles.RECORDS_STAFF)
    request = accounts.AccountRequest.clean(**REQUEST)
    with pytest.raises(PermissionDenied), database.session(admin) as session:
        accounts.transfer_account(session, admin, head.user_id, other, request)
    with database.session(SYSTEM) as session:
        moved = accounts.transfer_account(session, SYSTEM, head.user_id, other, request)
        assert (moved.unit_id, moved.roles) == (other, [])
    with pytest.raises(NotFound), database.session(admin) as session:
        accounts.get_account(session, admin, head.user_id)
    assert events(database, head.user_id)[-1] == "account.transfer"


def test_retirement_disables_for_good(database, units):
    own, _ = units
    staff = make_account(database, "nv.retire", own, roles.CLERK)
    request = accounts.AccountRequest.clean(**REQUEST)
    with database.session(SYSTEM) as session:
        accounts.lock_account(session, SYSTEM, staff.user_id, request)
        retired = accounts.retire_account(session, SYSTEM, staff.user_id, request)
        assert retired.kind == "retire" and retired.account.active is False and retired.account.roles == []
    with pytest.raises(Conflict), database.session(SYSTEM) as session:
        accounts.unlock_account(session, SYSTEM, staff.user_id, "Quay lại")
    assert events(database, staff.user_id) == ["account.create", "account.lock", "account.retire"]


def test_account_writes_are_refused_while_suspended(database, units):
    own, _ = units
    admin = make_account(database, "qt.susp", own, roles.UNIT_ADMIN)
    staff = make_account(database, "nv.susp", own, roles.READER)
    operator = Actor(None, "trucvanhanh", None, frozenset({roles.OPERATOR}))
    with database.session(operator) as session:
        suspension.suspend(session, operator, "Sự cố an ninh")
    request = accounts.AccountRequest.clean(**REQUEST)
    try:
        for write in (lambda s: accounts.grant_role(s, admin, staff.user_id, roles.CLERK),
                      lambda s: accounts.lock_account(s, admin, staff.user_id, request),
                      lambda s: accounts.create_account(s, admin, username="nv.moi", password="mat-khau-du-dai-1",
                                                        first_name="A", last_name="B", email="nv.moi@example.vn",
                                                        unit_id=own, role_codes=[roles.READER])):
            with pytest.raises(PlatformSuspended), database.session(admin) as session:
                write(session)
    finally:
        with database.session(operator) as session:
            suspension.resume(session, operator, "Đã khắc phục")
