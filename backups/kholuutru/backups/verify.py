"""``kholuutru backup verify``: restic's own check of the repository, then the manifest against the snapshot.

``restic check`` proves the repository's structure and, with ``--read-data-subset``, re-reads and re-hashes a part of
the data packs. By default the part rotates with the day (``n/7``), so the whole repository is read once a week
without reading all of it every day. The manifest check reads the snapshot's manifest and compares it with the
snapshot's file list: the dump and every document object must be there, each with the size the manifest records.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from kholuutru.archive.settings import Settings

from .errors import BadBackupSetting, ToolFailed
from .manifest import DUMP, MANIFEST, Manifest
from .repository import open_repository
from .restic_runner import Restic
from .workspace import workspace

ROTATION = 7
_SUBSET = re.compile(r"(\d+/\d+|\d+(\.\d+)?%|\d+[kKmMgGtT]?)")
_MAX_NAMED = 20


@dataclass
class Check:
    """One check of a verification or drill: its name, ``passed`` / ``failed`` / ``not_applicable``, and why."""

    check: str
    result: str
    detail: str = ""
    problems: list[dict[str, Any]] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.result == "failed"

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"check": self.check, "result": self.result, "detail": self.detail}
        if self.problems:
            data["problems"] = self.problems[:_MAX_NAMED]
        return data


def passed(name: str, detail: str = "") -> Check:
    return Check(name, "passed", detail)


def failed(name: str, detail: str, problems: list[dict[str, Any]] | None = None) -> Check:
    return Check(name, "failed", detail, problems or [])


def todays_subset(today: dt.date | None = None) -> str:
    """``n/7`` for today: each day reads another seventh of the data packs."""
    day = (today or dt.date.today()).toordinal()
    return f"{day % ROTATION + 1}/{ROTATION}"


def verify_backup(settings: Settings, snapshot_id: str | None, read_data_subset: str | None) -> dict[str, Any]:
    """Run both checks; the result's ``ok`` is False when either failed, and each check says what it found."""
    subset = read_data_subset or todays_subset()
    if not _SUBSET.fullmatch(subset):
        raise BadBackupSetting(
            f"--read-data-subset không hợp lệ: {subset} (dạng n/N, x% hoặc dung lượng).",
            f"Invalid --read-data-subset: {subset} (use n/N, x% or a size).",
            field="read_data_subset",
        )
    restic = Restic(open_repository(settings))
    with workspace(settings, "verify"):
        restic.clear_stale_locks()
        snapshot = restic.resolve(snapshot_id)
        checks = [repository_check(restic, subset), manifest_check(restic, snapshot.id)]
    return {"ok": not any(check.failed for check in checks), "snapshot_id": snapshot.id,
            "short_id": snapshot.short_id, "read_data_subset": subset,
            "checks": [check.as_dict() for check in checks]}


def repository_check(restic: Restic, subset: str) -> Check:
    result = restic.check(subset)
    if result.returncode == 0:
        return passed("repository", f"restic check --read-data-subset={subset}: no errors")
    findings = [line for line in result.stderr.splitlines() if not line.startswith(("using temporary cache",
                                                                                    "create exclusive lock"))]
    return failed("repository", "restic check: " + "\n".join(findings[-_MAX_NAMED:]))


def manifest_check(restic: Restic, snapshot_id: str) -> Check:
    """The dump and every object of the manifest are in the snapshot, each with the manifest's size."""
    try:
        manifest = Manifest.from_json(restic.read(snapshot_id, MANIFEST))
        sizes = restic.files(snapshot_id)
    except (ToolFailed, ValueError) as error:
        return failed("manifest", f"the manifest cannot be read: {error}")
    expected = {DUMP: manifest.database.get("size")} | {entry.path: entry.size for entry in manifest.objects}
    problems = [{"path": path, "expected_size": size, "actual_size": sizes.get(path)}
                for path, size in expected.items() if sizes.get(path) != size]
    if problems:
        named = ", ".join(problem["path"] for problem in problems[:_MAX_NAMED])
        return failed("manifest", f"{len(problems)} file(s) missing or of another size than the manifest: {named}",
                      problems)
    return passed("manifest", f"{len(manifest.objects)} objects and the database dump match the manifest")
