"""The rights table: per-unit rights hold only in the actor's own unit, province-wide ones everywhere, and the
system administrator holds all — the rule both the services and the console's buttons read."""

from __future__ import annotations

import pytest

from kholuutru.archive import roles
from kholuutru.archive.access import Actor, may, require
from kholuutru.archive.errors import PermissionDenied
from kholuutru.archive.rights import RIGHTS, holders

OWN_UNIT, OTHER_UNIT = 1, 2


def actor_with(role: str) -> Actor:
    return Actor(user_id=10, username=f"user-{role}", unit_id=OWN_UNIT, roles=frozenset({role}))


def test_every_right_names_known_roles_and_says_what_it_allows() -> None:
    for right in RIGHTS.values():
        assert right.unit_roles | right.province_roles <= set(roles.ROLES), right.code
        assert right.action_vi and right.action_en, right.code
        assert not right.unit_roles & right.province_roles, right.code


@pytest.mark.parametrize("code", sorted(RIGHTS))
@pytest.mark.parametrize("role", sorted(roles.ROLES))
def test_role_holds_a_right_exactly_as_the_table_says(role: str, code: str) -> None:
    actor = actor_with(role)
    right = RIGHTS[code]
    everywhere = role == roles.SYSTEM_ADMIN or role in right.province_roles
    assert may(actor, code, OWN_UNIT) == (everywhere or role in right.unit_roles)
    assert may(actor, code, OTHER_UNIT) == everywhere
    assert may(actor, code) == everywhere
    assert (role in holders(code)) == (everywhere or role in right.unit_roles)


def test_an_actor_without_a_unit_holds_no_unit_right() -> None:
    homeless = Actor(user_id=11, username="nobody", unit_id=None, roles=frozenset({roles.RECORDS_STAFF}))
    assert not may(homeless, "dossier.form", None)
    assert not Actor.anonymous().has(*roles.ROLES) and not may(Actor.anonymous(), "backups.view")


def test_refusal_names_the_action_in_both_languages() -> None:
    clerk = actor_with(roles.CLERK)
    with pytest.raises(PermissionDenied) as refused:
        require(clerk, "dossier.approve", OWN_UNIT)
    assert "duyệt hồ sơ" in refused.value.message_vi and "approve dossiers" in refused.value.message_en
    with pytest.raises(PermissionDenied) as refused:
        require(clerk, "platform.suspend")
    assert refused.value.message_en == "You may not suspend or resume the platform."
