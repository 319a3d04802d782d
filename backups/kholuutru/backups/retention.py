"""``kholuutru backup list`` and ``backup forget``: the snapshots in the repository and the retention policy.

Neither needs the database: in a disaster the operator lists what can be restored before anything else runs.
"""

from __future__ import annotations

from typing import Any

from kholuutru.archive.settings import Settings

from .repository import open_repository
from .restic_runner import Restic
from .workspace import workspace


def list_snapshots(settings: Settings) -> dict[str, Any]:
    """kholuutru's snapshots, oldest first."""
    repository = open_repository(settings)
    snapshots = Restic(repository).snapshots()
    return {"ok": True, "repository": repository.shown, "snapshots": [s.as_dict() for s in snapshots]}


def policy(settings: Settings) -> dict[str, int]:
    """The retention policy of the settings (restic's --keep-daily/weekly/monthly/yearly)."""
    return {"daily": settings.backup_keep_daily, "weekly": settings.backup_keep_weekly,
            "monthly": settings.backup_keep_monthly, "yearly": settings.backup_keep_yearly}


def forget_snapshots(settings: Settings, prune: bool) -> dict[str, Any]:
    """Forget the snapshots the policy does not keep (and, with ``prune``, delete the data only they used)."""
    repository = open_repository(settings)
    restic = Restic(repository)
    keep = policy(settings)
    with workspace(settings, "forget"):
        restic.clear_stale_locks()
        groups = restic.forget(keep, prune)
    kept = [s["id"] for group in groups for s in group.get("keep") or []]
    removed = [s["id"] for group in groups for s in group.get("remove") or []]
    return {"ok": True, "repository": repository.shown, "policy": keep, "pruned": prune, "kept": kept,
            "removed": removed}
