"""Who is acting, and which units they may see (invariant 1: unit isolation).

Every service takes an ``Actor``. The same actor sets the per-transaction PostgreSQL setting that row-level security
policies read, so a query that forgets its unit filter still returns nothing of another unit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection, text

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
