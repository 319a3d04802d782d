"""FAB's own user screens keep to the archive's account rules, should a unit role ever be given their permissions:
the list shows only the actor's unit, and a write outside the unit or above the actor's role is refused."""

from __future__ import annotations

import pytest
from flask_appbuilder.security.sqla.models import Role
from sqlalchemy import select

from kholuutru.archive import roles
from kholuutru.archive.access import Actor
from kholuutru.archive.models import Unit
from kholuutru.console.actor import set_actor
from kholuutru.console.errors import ServiceRefusal
from kholuutru.console.security import ConsoleUser, ConsoleUserDBModelView, check_account_write

UNIT, OTHER = 7, 8


def user(unit_id: int, *codes: str) -> ConsoleUser:
    return ConsoleUser(username="nv", unit_id=unit_id, roles=[Role(name=code) for code in codes])


@pytest.mark.parametrize(("target", "allowed"), [
    (user(UNIT, roles.RECORDS_STAFF, roles.UNIT_ADMIN), True),
    (user(UNIT, roles.SYSTEM_ADMIN), False),
    (user(UNIT, roles.INSPECTOR), False),
    (user(OTHER, roles.READER), False),
])
def test_a_unit_admin_writes_only_own_unit_accounts_with_roles_up_to_their_own(app, target, allowed):
    unit_admin = Actor(user_id=99, username="qt", unit_id=UNIT, roles=frozenset({roles.UNIT_ADMIN}))
    with app.test_request_context():
        set_actor(unit_admin)
        if allowed:
            check_account_write(target)
        else:
            with pytest.raises(ServiceRefusal) as refused:
                check_account_write(target)
            assert refused.value.http_status == 403
        set_actor(Actor.system("test"))
        check_account_write(target)  # the system administrator manages every account


def test_the_user_list_shows_a_unit_admin_only_their_unit(app, database):
    with database.session(Actor.system("test")) as session:
        unit_id = session.scalar(select(Unit.id).where(Unit.code == "000.00.01.H47"))
    view = next(v for v in app.appbuilder.baseviews if isinstance(v, ConsoleUserDBModelView))
    with app.test_request_context():
        set_actor(Actor(user_id=99, username="qt", unit_id=unit_id, roles=frozenset({roles.UNIT_ADMIN})))
        _count, rows = view.datamodel.query(view._base_filters)
        assert rows and {row.unit_id for row in rows} == {unit_id}
        set_actor(Actor.system("test"))
        _count, rows = view.datamodel.query(view._base_filters)
        assert len({row.unit_id for row in rows}) > 1
