"""One-off Jobs the operator starts itself: suspending or resuming the platform, and the last backup before
deletion. Their names are derived from what they do, so starting one twice finds the first."""

from __future__ import annotations

from typing import Any

from ..naming import Owner
from ..spec import PlatformSpec
from .pods import command_job_spec


def _job(owner: Owner, spec: PlatformSpec, name: str, component: str, args: list[str]) -> dict[str, Any]:
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": owner.metadata(name, component),
        "spec": command_job_spec(owner, spec, component, args, backoff_limit=2),
    }


def suspension(owner: Owner, spec: PlatformSpec, generation: int) -> dict[str, Any]:
    """``kholuutru suspend`` / ``resume``: the same platform state the console sets (ARCHITECTURE invariant 4)."""
    source = f"ArchivePlatform {owner.namespace}/{owner.name}"
    if spec.suspended:
        reason = spec.suspension_reason or f"Tạm dừng theo {source} / suspended by {source}"
        args = ["suspend", "--reason", reason, "--json"]
    else:
        args = ["resume", "--reason", f"Hoạt động lại theo {source} / resumed by {source}", "--json"]
    return _job(owner, spec, owner.suspension_job(spec.suspended, generation), "suspension", args)


def final_backup(owner: Owner, spec: PlatformSpec) -> dict[str, Any]:
    return _job(owner, spec, owner.final_backup, "backup", ["backup", "run", "--json"])
