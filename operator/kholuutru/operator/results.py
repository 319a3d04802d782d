"""Results of finished Jobs: whether a Job succeeded, and the JSON object its ``kholuutru … --json`` command printed.

The command's stdout is also its container's termination message (``render.pods.RESULT_SCRIPT``), so the result is
read from the pod's status — the same data ``kubectl get pod -o yaml`` shows — with no access to pod logs. The
Job's own conditions say whether it succeeded; the JSON adds the details (ARCHITECTURE §4: one object; ``backup run``
and ``drill run`` report ``ok`` and ``snapshot_id``, a drill also ``rto_seconds``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

SUCCEEDED, FAILED = "Succeeded", "Failed"
JOB_NAME_LABEL = "batch.kubernetes.io/job-name"


@dataclass(frozen=True)
class JobOutcome:
    job: str
    succeeded: bool
    time: str
    output: dict[str, Any] | None

    @property
    def result(self) -> str:
        """Succeeded only when the Job completed and the command did not report a failed check."""
        reported_ok = self.output is None or self.output.get("ok", True) is not False
        return SUCCEEDED if self.succeeded and reported_ok else FAILED


def last_json_object(text: str | None) -> dict[str, Any] | None:
    """The last line of ``text`` that is a JSON object (warnings may precede it)."""
    for line in reversed((text or "").strip().splitlines()):
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    return None


def _pod_output(pods: list[dict[str, Any]], succeeded: bool) -> dict[str, Any] | None:
    """The JSON result of the Job's pods: the one that succeeded, else the latest one to terminate."""
    found: list[tuple[str, int, dict[str, Any] | None]] = []
    for pod in pods:
        for container in (pod.get("status") or {}).get("containerStatuses") or []:
            terminated = (container.get("state") or {}).get("terminated")
            if terminated:
                found.append((terminated.get("finishedAt") or "", terminated.get("exitCode", 1),
                              last_json_object(terminated.get("message"))))
    if succeeded:
        found = [entry for entry in found if entry[1] == 0] or found
    return max(found, key=lambda entry: entry[0])[2] if found else None


def outcome(job: dict[str, Any], pods: list[dict[str, Any]]) -> JobOutcome | None:
    """What a finished Job did; None while it runs."""
    status = job.get("status") or {}
    finished = {c["type"]: c for c in status.get("conditions") or []
                if c.get("type") in ("Complete", "Failed") and c.get("status") == "True"}
    if not finished:
        return None
    succeeded = "Complete" in finished
    condition = finished["Complete" if succeeded else "Failed"]
    time = status.get("completionTime") or condition.get("lastTransitionTime") or ""
    return JobOutcome(job["metadata"]["name"], succeeded, time, _pod_output(pods, succeeded))


def record(result: JobOutcome) -> dict[str, Any]:
    """``status.lastBackup`` / ``status.lastDrill`` (ARCHITECTURE §6: time, result, snapshot, rtoSeconds)."""
    entry: dict[str, Any] = {"time": result.time, "result": result.result, "job": result.job}
    output = result.output or {}
    snapshot = output.get("snapshot_id")
    if snapshot:
        entry["snapshot"] = str(snapshot)
    if isinstance(output.get("rto_seconds"), int | float):
        entry["rtoSeconds"] = output["rto_seconds"]
    return entry
