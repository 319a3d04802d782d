"""The one way the console turns a FAB user into the archive's Actor."""

from __future__ import annotations

from types import SimpleNamespace

from kholuutru.archive.access import Actor
from kholuutru.console.actor import actor_for_user


def test_an_account_becomes_an_actor_with_its_unit_and_role_codes():
    user = SimpleNamespace(
        id=7, username="canbo", unit_id=3, is_authenticated=True,
        roles=[SimpleNamespace(name="records_staff"), SimpleNamespace(name="clerk")],
    )
    assert actor_for_user(user) == Actor(7, "canbo", 3, frozenset({"records_staff", "clerk"}))


def test_nobody_is_anonymous():
    assert actor_for_user(None) == Actor.anonymous()
    assert actor_for_user(SimpleNamespace(is_authenticated=False)) == Actor.anonymous()
