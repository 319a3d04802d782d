"""Units: identifier codes, the tree's shape, who may change it, one audit event per change."""

from __future__ import annotations

import pytest

from kholuutru.archive import units
from kholuutru.archive.access import Actor
from kholuutru.archive.errors import Conflict, InvalidInput, PermissionDenied
from kholuutru.archive.models import AuditEvent
from kholuutru.archive.roles import UNIT_ADMIN

ADMIN = Actor.system("test")


@pytest.fixture(scope="module")
def province(database):
    with database.session(ADMIN) as session:
        return units.create_unit(session, ADMIN, code="000.00.00.h47", name="  UBND tỉnh  ", level="province").id


def events(database) -> int:
    with database.session(ADMIN) as session:
        return session.query(AuditEvent).count()


def test_codes_are_normalised_and_validated(database, province):
    with database.session(ADMIN) as session:
        unit = session.get(units.Unit, province)
        assert (unit.code, unit.name) == ("000.00.00.H47", "UBND tỉnh")
    for bad in ("H47", "000.00.00.47", "000-00-00-H47", ""):
        with pytest.raises(InvalidInput) as refused, database.session(ADMIN) as session:
            units.create_unit(session, ADMIN, code=bad, name="X", level="department", parent_id=province)
        assert refused.value.field == "code"
        assert "000.00.00.H47" in refused.value.message("vi")


def test_the_tree_has_the_shape_of_the_administration(database, province):
    with pytest.raises(InvalidInput) as refused, database.session(ADMIN) as session:
        units.create_unit(session, ADMIN, code="000.01.00.H47", name="Xã lạc", level="commune", parent_id=province)
    assert refused.value.field == "parent_id"
    with database.session(ADMIN) as session:
        district = units.create_unit(session, ADMIN, code="000.00.20.H47", name="UBND TP Tam Kỳ", level="district",
                                     parent_id=province)
        units.create_unit(session, ADMIN, code="000.01.20.H47", name="UBND phường An Mỹ", level="commune",
                          parent_id=district.id)
    with database.session(ADMIN) as session:
        tree = units.unit_tree(session)
    assert [root.code for root in tree] == ["000.00.00.H47"]
    assert tree[0].children[0].children[0].name == "UBND phường An Mỹ"


def test_duplicate_codes_conflict(database, province):
    with pytest.raises(Conflict) as refused, database.session(ADMIN) as session:
        units.create_unit(session, ADMIN, code="000.00.00.H47", name="Trùng", level="province")
    assert refused.value.field == "code"


def test_only_the_system_admin_changes_units(database, province):
    unit_admin = Actor(user_id=None, username="qt", unit_id=province, roles=frozenset({UNIT_ADMIN}))
    before = events(database)
    with pytest.raises(PermissionDenied), database.session(unit_admin) as session:
        units.update_unit(session, unit_admin, province, name="Đổi tên")
    assert events(database) == before


def test_update_and_delete_write_one_event_each(database, province):
    with database.session(ADMIN) as session:
        unit = units.create_unit(session, ADMIN, code="000.00.05.H47", name="Sở Y tế", level="department",
                                 parent_id=province)
    before = events(database)
    with database.session(ADMIN) as session:
        units.update_unit(session, ADMIN, unit.id, name="Sở Y tế tỉnh")
    assert events(database) == before + 1
    with pytest.raises(InvalidInput), database.session(ADMIN) as session:
        units.update_unit(session, ADMIN, province, parent_id=unit.id, level="province")
    with pytest.raises(Conflict), database.session(ADMIN) as session:
        units.delete_unit(session, ADMIN, province)
    with database.session(ADMIN) as session:
        units.delete_unit(session, ADMIN, unit.id)
    assert events(database) == before + 2
