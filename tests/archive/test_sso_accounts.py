"""Accounts of single sign-on: the archive's rules, called as the console calls them after a provider's login."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kholuutru.archive import accounts, sso_accounts, units
from kholuutru.archive.access import Actor
from kholuutru.archive.errors import InvalidInput
from kholuutru.archive.models import Account, AuditEvent
from kholuutru.archive.sso_accounts import DirectoryPerson

ADMIN = Actor.system("test")
SSO = Actor.system("sso")


@pytest.fixture(scope="module")
def unit_id(database) -> int:
    with database.session(ADMIN) as session:
        province = units.create_unit(session, ADMIN, code="000.00.00.H47", name="UBND tỉnh", level="province")
        return units.create_unit(session, ADMIN, code="000.00.01.H47", name="Sở Nội vụ", level="department",
                                 parent_id=province.id).id


def sign_in(database, person: DirectoryPerson, **options) -> sso_accounts.SignIn:
    with database.session(SSO) as session:
        return sso_accounts.sign_in(session, SSO, person, **options)


def audit_of(database, account_id: int) -> list[AuditEvent]:
    with database.session(ADMIN) as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.object_type == "account",
                                                             AuditEvent.object_id == str(account_id))))


def test_an_unknown_unit_code_is_ignored_but_kept_in_the_audit_event(database, unit_id):
    person = DirectoryPerson(email=" Vo.Ha@QuangNam.gov.vn ", first_name="Hà", last_name="Võ",
                             unit_code="999.99.99.X00", role_codes=frozenset({"inspector", "clerk"}))
    outcome = sign_in(database, person, province_roles_from_claim=True)
    assert outcome.created and not outcome.active
    with database.session(ADMIN) as session:
        made = session.get(Account, outcome.account_id)
        assert (made.email, made.unit_id) == ("vo.ha@quangnam.gov.vn", None)
        assert sorted(role.name for role in made.roles) == ["clerk", "inspector"]  # allowed by the option
    [created] = audit_of(database, outcome.account_id)
    assert created.action == "account.create" and created.details["claimed_unit"] == "999.99.99.X00"


def test_a_known_account_without_roles_or_unit_takes_them_from_the_claims_once(database, unit_id):
    with database.session(ADMIN) as session:
        account = accounts.create_account(
            session, ADMIN, username="nguyen.lan", password="mat-khau-du-dai-2026", first_name="Lan",
            last_name="Nguyễn Thị", email="nguyen.lan@quangnam.gov.vn", unit_id=None, role_codes=["reader"])
        account.roles = []  # as if an administrator had taken every role away
        account_id = account.id
    person = DirectoryPerson(email="nguyen.lan@quangnam.gov.vn", first_name="Lan", last_name="Nguyễn Thị",
                             unit_code="000.00.01.H47", role_codes=frozenset({"clerk"}))
    outcome = sign_in(database, person)
    assert outcome.active and not outcome.created
    with database.session(ADMIN) as session:
        account = session.get(Account, account_id)
        assert account.unit_id == unit_id and [role.name for role in account.roles] == ["clerk"]
    updates = [event for event in audit_of(database, account_id) if event.action == "account.update"]
    assert len(updates) == 1

    sign_in(database, person)  # nothing new: nothing written
    assert len([event for event in audit_of(database, account_id) if event.action == "account.update"]) == 1


def test_an_address_is_required(database):
    for email in ("", "khong-co-a-cong", "a@localhost", "a b@quangnam.gov.vn"):
        with pytest.raises(InvalidInput) as refused, database.session(SSO) as session:
            sso_accounts.sign_in(session, SSO, DirectoryPerson(email=email, first_name="A", last_name="B"))
        assert refused.value.field == "email"
