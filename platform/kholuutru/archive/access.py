"""Who is acting, and which units they may see (invariant 1: unit isolation).

Every service takes an ``Actor``. The same actor sets the per-transaction PostgreSQL setting that row-level security
policies read, so a query that forgets its unit filter still returns nothing of another unit.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Connection, func, select, text
from sqlalchemy.orm import Session

from . import roles
from .errors import PermissionDenied
from .rights import RIGHTS

VISIBLE_UNITS_SETTING = "kholuutru.visible_units"
ACTOR_SETTING = "kholuutru.actor"
ALL_UNITS = "*"


@dataclass(frozen=True)
class Actor:
    """The person (or command) behind a request: account id, login name, own unit and role codes."""

    user_id: int | None
    username: str
    unit_id: int | None
    roles: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def system(cls, name: str = "cli") -> Actor:
        """The operating staff at the command line: a system administrator without an account row."""
        return cls(user_id=None, username=f"system:{name}", unit_id=None, roles=frozenset({roles.SYSTEM_ADMIN}))

    @classmethod
    def anonymous(cls) -> Actor:
        """Nobody logged in: sees no unit."""
        return cls(user_id=None, username="anonymous", unit_id=None, roles=frozenset())

    def has(self, *role_codes: str) -> bool:
        """Whether the actor holds any of ``role_codes``."""
        return bool(self.roles.intersection(role_codes))

    @property
    def is_system_admin(self) -> bool:
        return roles.SYSTEM_ADMIN in self.roles

    @property
    def sees_all_units(self) -> bool:
        """Province-wide roles (system admin, on-call operator, inspector) read every unit."""
        return any(roles.ROLES[code].province_wide for code in self.roles if code in roles.ROLES)

    def sees_unit(self, unit_id: int) -> bool:
        """The services' own unit filter, on top of row-level security: province-wide roles, or one's own unit."""
        return self.sees_all_units or self.unit_id == unit_id

    def visible_units(self) -> str:
        """The value of the row-level security setting: ``*`` or the comma-separated unit ids (maybe empty)."""
        if self.sees_all_units:
            return ALL_UNITS
        return "" if self.unit_id is None else str(self.unit_id)


def apply_rls_context(connection: Connection, actor: Actor) -> None:
    """Set the caller's visible units for the current transaction only (``set_config(..., true)``)."""
    connection.execute(
        text("SELECT set_config(:units_key, :units, true), set_config(:actor_key, :actor, true)"),
        {
            "units_key": VISIBLE_UNITS_SETTING,
            "units": actor.visible_units(),
            "actor_key": ACTOR_SETTING,
            "actor": actor.username,
        },
    )


@contextmanager
def province_wide_lookup(session: Session) -> Iterator[None]:
    """Widen the transaction's visible units to all for the read-only queries inside, then restore them.

    Only for the few questions that must be answered across units without revealing their rows to the actor: whether
    another unit's document still references a stored object, and the published catalogue of archived dossiers a
    reader may ask to consult. Callers return counts or catalogue fields only, never rows to write through.
    """
    visible = session.scalar(select(func.current_setting(VISIBLE_UNITS_SETTING, True)))
    session.execute(select(func.set_config(VISIBLE_UNITS_SETTING, ALL_UNITS, True)))
    try:
        yield
    finally:
        session.execute(select(func.set_config(VISIBLE_UNITS_SETTING, visible or "", True)))


def may(actor: Actor, right_code: str, unit_id: int | None = None) -> bool:
    """Whether ``actor`` holds ``right_code`` (rights.RIGHTS) in ``unit_id``: the system administrator always; a
    province-wide role of the right for every unit; a unit role only in the actor's own unit (rights are per unit)."""
    right = RIGHTS[right_code]
    if actor.is_system_admin or actor.has(*right.province_roles):
        return True
    return unit_id is not None and actor.unit_id == unit_id and actor.has(*right.unit_roles)


def require(actor: Actor, right_code: str, unit_id: int | None = None) -> None:
    """Refuse, naming the action, unless ``may(actor, right_code, unit_id)``."""
    if may(actor, right_code, unit_id):
        return
    right = RIGHTS[right_code]
    if unit_id is None:
        raise PermissionDenied(f"Bạn không có quyền {right.action_vi}.", f"You may not {right.action_en}.")
    raise PermissionDenied(
        f"Bạn không có quyền {right.action_vi} của đơn vị này.",
        f"You may not {right.action_en} of this unit.",
    )
