"""Document objects laid out for restic, each one checked against the database on the way (invariant 3).

An object altered or lost in primary storage must never be backed up as good: an object is re-hashed and its SHA-256
and size compared with ``document_files`` unless the fixity plan (``fixity``) can vouch for it; a mismatch is named
and refuses the backup.

Objects of a local folder are hard-linked into the staging folder (no copy, same inode, same modification time);
their re-hashing is left to :func:`hash_staged`, which the run overlaps with restic's own reading. When linking is
impossible (another file system, an S3 bucket) they are copied and hashed in the same pass, and the copy's mtime is
set to a constant, so the next backup sees the same name, size and mtime and restic does not read it again.

The staged objects stay between runs: creating a thousand folders and links and removing them again cost an
incremental backup more than its upload. A link left by an earlier run is reused only while it is still the same
inode as the stored object (so it holds exactly the bytes storage holds; the checks above apply to it unchanged);
anything else is linked or copied anew, and what the manifest no longer lists (a destroyed document) is removed
from the staging folder before restic runs, so no snapshot holds it.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kholuutru.archive.storage import LocalStorage, ObjectMissing, Storage
from kholuutru.archive.storage.base import check_key

from .fixity import FixityPlan, Stat
from .manifest import ObjectEntry
from .processes import HASHING_THREADS, pump

# mtime given to copied objects: constant, so restic recognises an unchanged object by name, size and mtime alone.
_COPY_MTIME = dt.datetime(2000, 1, 1, tzinfo=dt.UTC).timestamp()


@dataclass
class Staged:
    """What staging found: objects refused so far, linked objects still to re-hash, and objects found good."""

    problems: list[dict[str, Any]] = field(default_factory=list)
    pending: list[tuple[ObjectEntry, Path, Stat]] = field(default_factory=list)
    verified: dict[str, Stat] = field(default_factory=dict)


def problem(entry: ObjectEntry, actual: tuple[str, int] | None) -> dict[str, Any]:
    """How a missing or altered object is reported (CLI JSON, the run's record)."""
    return {"key": entry.key, "expected_sha256": entry.sha256, "expected_size": entry.size,
            "actual_sha256": actual[0] if actual else None, "actual_size": actual[1] if actual else None,
            "problem": "missing" if actual is None else "altered"}


def stage_objects(storage: Storage, objects: list[ObjectEntry], target: Path, plan: FixityPlan,
                  advance: Callable[[int], None]) -> Staged:
    """Place every object under ``target``/<key>; copies are verified now, links as ``plan`` says."""
    staged = Staged()
    root = storage.root.resolve() if isinstance(storage, LocalStorage) else None
    for entry in objects:
        path = target / check_key(entry.key)
        try:
            stat = _link(root, entry.key, path) if root else None
            actual = None if stat else _copy(storage, entry.key, path)
        except ObjectMissing:
            staged.problems.append(problem(entry, None))
        else:
            if stat is None and actual != (entry.sha256, entry.size):
                path.unlink(missing_ok=True)
                staged.problems.append(problem(entry, actual))
            elif stat is not None and (stat[0] != entry.size or plan.must_hash(entry, stat)):
                staged.pending.append((entry, path, stat))
            elif stat is not None:
                staged.verified[entry.key] = stat
        advance(1)
    _remove_unlisted(target, {entry.key for entry in objects})
    return staged


def _remove_unlisted(target: Path, keys: set[str]) -> None:
    """Remove what an earlier run staged and the manifest no longer lists, and the folders that leaves empty."""
    for folder, _subfolders, names in os.walk(target, topdown=False):
        here = Path(folder)
        for name in names:
            if (here / name).relative_to(target).as_posix() not in keys:
                (here / name).unlink(missing_ok=True)
        if here != target and not any(here.iterdir()):
            here.rmdir()


def hash_staged(pending: Iterable[tuple[ObjectEntry, Path, Stat]],
                advance: Callable[[int], None]) -> tuple[list[dict[str, Any]], dict[str, Stat]]:
    """Re-hash linked objects on several threads; return those altered, and the stat of those found good."""
    problems, verified = [], {}

    def digest(item: tuple[ObjectEntry, Path, Stat]) -> tuple[str, int]:
        with open(item[1], "rb") as stream:
            return pump(stream)

    items = list(pending)
    with ThreadPoolExecutor(HASHING_THREADS) as pool:
        for (entry, _path, stat), actual in zip(items, pool.map(digest, items), strict=True):
            if actual == (entry.sha256, entry.size):
                verified[entry.key] = stat
            else:
                problems.append(problem(entry, actual))
            advance(1)
    return problems, verified


def _link(root: Path, key: str, path: Path) -> Stat | None:
    """Hard-link a local object into place (or keep the link an earlier run made to the same inode); its (size,
    mtime) then, or None when linking is not possible."""
    try:
        primary = (root / key).stat()
    except FileNotFoundError:
        raise ObjectMissing(key) from None
    try:
        staged = path.lstat()
    except FileNotFoundError:
        staged = None
    if staged is not None and (staged.st_dev, staged.st_ino) == (primary.st_dev, primary.st_ino):
        return primary.st_size, primary.st_mtime_ns
    path.unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(root / key, path)
    except FileNotFoundError:
        raise ObjectMissing(key) from None
    except OSError:
        return None
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns


def _copy(storage: Storage, key: str, path: Path) -> tuple[str, int]:
    """Copy an object into place while hashing it (a new file: what was staged there may be a link)."""
    path.unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    with storage.open(key) as source, open(path, "wb") as out:
        actual = pump(source, out)
    os.utime(path, (_COPY_MTIME, _COPY_MTIME))
    return actual
