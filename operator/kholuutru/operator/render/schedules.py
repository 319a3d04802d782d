"""CronJobs: off-site backups and restore drills (never suspended: they keep running while the platform is
suspended, ARCHITECTURE invariant 4), and the LGSP sync jobs (paused while suspended)."""

from __future__ import annotations

from typing import Any

from ..naming import SYNC_KINDS, Owner
from ..spec import PlatformSpec
from .pods import command_job_spec


def cronjob(owner: Owner, spec: PlatformSpec, name: str, component: str, schedule: str, args: list[str],
            suspend: bool) -> dict[str, Any]:
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": owner.metadata(name, component),
        "spec": {
            "schedule": schedule,
            "suspend": suspend,
            "concurrencyPolicy": "Forbid",
            "startingDeadlineSeconds": 3600,
            "successfulJobsHistoryLimit": 3,
            "failedJobsHistoryLimit": 3,
            "jobTemplate": {
                "metadata": {"labels": owner.labels(component)},
                "spec": command_job_spec(owner, spec, component, args),
            },
        },
    }


def children(owner: Owner, spec: PlatformSpec) -> list[dict[str, Any]]:
    wanted = [
        cronjob(owner, spec, owner.backup, "backup", spec.backups.schedule, ["backup", "run", "--json"], False),
        cronjob(owner, spec, owner.drill, "drill", spec.drill_schedule, ["drill", "run", "--json"], False),
    ]
    if spec.lgsp is not None:
        wanted += [
            cronjob(owner, spec, owner.sync(kind), "sync", spec.lgsp.sync_schedule, ["sync", kind, "--json"],
                    suspend=spec.suspended)
            for kind in SYNC_KINDS
        ]
    return wanted
