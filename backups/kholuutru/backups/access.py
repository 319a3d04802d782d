"""Who may see the backups and start a drill (DOMAIN.md § roles) — the one rule the console's page and menu follow.

System administrators and on-call operators run drills; inspectors read the history to check that backups are made
and restores proven. Everyone else has no business with the off-site copies.
"""

from __future__ import annotations

from kholuutru.archive import roles
from kholuutru.archive.access import Actor
from kholuutru.archive.errors import PermissionDenied

VIEWERS = frozenset({roles.SYSTEM_ADMIN, roles.OPERATOR, roles.INSPECTOR})
DRILL_RUNNERS = frozenset({roles.SYSTEM_ADMIN, roles.OPERATOR})


def may_view(actor: Actor) -> bool:
    return actor.has(*VIEWERS)


def may_run_drill(actor: Actor) -> bool:
    return actor.has(*DRILL_RUNNERS)


def require_view(actor: Actor) -> None:
    if not may_view(actor):
        raise PermissionDenied("Chỉ quản trị hệ thống, trực vận hành và thanh tra được xem sao lưu.",
                               "Only system administrators, on-call operators and inspectors may see the backups.")


def require_drill(actor: Actor) -> None:
    if not may_run_drill(actor):
        raise PermissionDenied("Chỉ quản trị hệ thống và trực vận hành được chạy diễn tập phục hồi.",
                               "Only system administrators and on-call operators may start a restore drill.")
