"""Document objects laid out for restic, each one checked against the database on the way (invariant 3).

An object altered or lost in primary storage must never be backed up as good: an object is re-hashed and its SHA-256
and size compared with ``document_files`` unless the fixity plan (``fixity``) can vouch for it; a mismatch is named
and refuses the backup.

Objects of a local folder are hard-linked into the staging folder (no copy, same inode, same modification time);
their re-hashing is left to :func:`hash_staged`, which the run overlaps with restic's own reading. When linking is
impossible (another file system) they are copied, as objects of a bucket are, and hashed in the same pass.

Objects of an S3 bucket (production) are downloaded, hashed on the way, and given a constant mtime, so the next
backup sees the same name, size and mtime and restic does not read them again. Downloading the whole archive every
night would make each incremental backup as slow and costly as a full one (terabytes for a province), so the bucket
is listed once per run instead — one request per thousand objects, never one per object — and each object's listed
(size, last-modified) is its stat for the fixity plan (why that stat can be trusted: ``fixity``). A copy left by an
earlier run (one link, the object's size, the constant mtime) of an object whose listed stat is the one recorded
when that copy was hashed and found good is kept without a download, unless the plan picks the object for
re-hashing; every other object is downloaded (several at once) and hashed anew, and recorded with its listed
stat once found good.
The kept copy is the backup's own file in its private folder, replaced by a fresh download whenever the slice or a
full pass picks its object. An object the listing lacks is missing, whatever an earlier run staged for it.

The staged objects stay between runs: creating a thousand folders and links and removing them again cost an
incremental backup more than its upload. A link left by an earlier run is reused only while it is still the same
inode as the stored object (so it holds exactly the bytes storage holds; the checks above apply to it unchanged);
anything else is linked or copied anew, and what the manifest no longer lists (a destroyed document) is removed
from the staging folder before restic runs, so no snapshot holds it.
"""

from __future__ import annotations

import datetime as dt
import os
import stat as filemode
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kholuutru.archive.storage import LocalStorage, ObjectMissing, Storage
from kholuutru.archive.storage.base import check_key

from .fixity import FixityPlan, Stat
from .manifest import ObjectEntry
from .processes import COPIES, HASHING_THREADS, lowest_priority, pump

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
# mtime (ns) given to copied objects: constant, so restic recognises an unchanged object by name, size and mtime alone,
# and a later run tells a finished copy from one a killed run left half-written (whose mtime is still the clock's).
_COPY_MTIME = int(dt.datetime(2000, 1, 1, tzinfo=dt.UTC).timestamp()) * 10**9


@dataclass
class Staged:
    """What staging found: objects refused so far, linked objects still to re-hash, objects found good, and how many
    objects were copied (downloaded) and hashed on the way."""

    problems: list[dict[str, Any]] = field(default_factory=list)
    pending: list[tuple[ObjectEntry, Path, Stat]] = field(default_factory=list)
    verified: dict[str, Stat] = field(default_factory=dict)
    copied: int = 0


def problem(entry: ObjectEntry, actual: tuple[str, int] | None) -> dict[str, Any]:
    """How a missing or altered object is reported (CLI JSON, the run's record)."""
    return {"key": entry.key, "expected_sha256": entry.sha256, "expected_size": entry.size,
            "actual_sha256": actual[0] if actual else None, "actual_size": actual[1] if actual else None,
            "problem": "missing" if actual is None else "altered"}


def stage_objects(storage: Storage, objects: list[ObjectEntry], target: Path, plan: FixityPlan,
                  advance: Callable[[int], None]) -> Staged:
    """Place every object under ``target``/<key>; what ``plan`` cannot vouch for is hashed: copies now, links later."""
    staged = Staged()
    root = storage.root.resolve() if isinstance(storage, LocalStorage) else None
    listed = {} if root else _listing(storage)
    copies: list[_Copy] = []
    for entry in objects:
        path = target / check_key(entry.key)
        try:
            copy = (_stage_local(root, entry, path, plan, staged) if root
                    else _stage_listed(listed, entry, path, plan, staged))
        except ObjectMissing:
            staged.problems.append(problem(entry, None))
            copy = None
        if copy is None:
            advance(1)
        else:
            copies.append(copy)
    _copy_all(storage, copies, staged, advance)
    _remove_unlisted(target, {entry.key for entry in objects})
    return staged


_Copy = tuple[ObjectEntry, Path, Stat | None]
"""An object to copy (download) and hash: its entry, where it goes, and the stat it is recorded with once good."""


def _stage_local(root: Path, entry: ObjectEntry, path: Path, plan: FixityPlan, staged: Staged) -> _Copy | None:
    """Link a local object (its hashing, when due, waits for :func:`hash_staged`); one that cannot be linked is
    returned, to be copied and hashed."""
    stat = _link(root, entry.key, path)
    if stat is None:
        return entry, path, None
    if stat[0] != entry.size or plan.must_hash(entry, stat):
        staged.pending.append((entry, path, stat))
    else:
        staged.verified[entry.key] = stat
    return None


def _stage_listed(listed: dict[str, Stat], entry: ObjectEntry, path: Path, plan: FixityPlan,
                  staged: Staged) -> _Copy | None:
    """Keep the earlier copy of an object the plan vouches for by its listed stat; any other is returned, to be
    downloaded and hashed."""
    stat = listed.get(entry.key)
    if stat is None:
        raise ObjectMissing(entry.key)
    if stat[0] == entry.size and _copied_earlier(path, entry.size) and not plan.must_hash(entry, stat):
        staged.verified[entry.key] = stat
        return None
    return entry, path, stat


def _listing(storage: Storage) -> dict[str, Stat]:
    """Every object of the storage with its (size, last-modified in nanoseconds), from one paged listing."""
    return {info.key: (info.size, (info.last_modified - _EPOCH) // dt.timedelta(microseconds=1) * 1000)
            for info in storage.iter_keys()}


def _copied_earlier(path: Path, size: int) -> bool:
    """Whether ``path`` is a finished copy of ``size`` bytes made by :func:`_copy` (not a link, not half-written)."""
    try:
        copy = path.lstat()
    except FileNotFoundError:
        return False
    return (filemode.S_ISREG(copy.st_mode) and copy.st_nlink == 1 and copy.st_size == size
            and copy.st_mtime_ns == _COPY_MTIME)


def _copy_all(storage: Storage, copies: list[_Copy], staged: Staged, advance: Callable[[int], None]) -> None:
    """Copy and hash the objects, :data:`COPIES` at once (a download mostly waits on the network, and a full pass
    downloads the whole archive); a bad or missing copy is removed and refused, a good one with a stat is found
    good."""

    def fetch(copy: _Copy) -> tuple[str, int] | None:
        try:
            return _copy(storage, copy[0].key, copy[1])
        except ObjectMissing:  # deleted since the listing
            return None

    with ThreadPoolExecutor(COPIES) as pool:
        for (entry, path, stat), actual in zip(copies, pool.map(fetch, copies), strict=True):
            staged.copied += 1
            if actual != (entry.sha256, entry.size):
                path.unlink(missing_ok=True)
                staged.problems.append(problem(entry, actual))
            elif stat is not None:
                staged.verified[entry.key] = stat
            advance(1)


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
    """Re-hash linked objects on several threads of the lowest priority (beside restic, they take the CPU it
    leaves idle); return those altered, and the stat of those found good."""
    problems, verified = [], {}

    def digest(item: tuple[ObjectEntry, Path, Stat]) -> tuple[str, int]:
        with open(item[1], "rb") as stream:
            return pump(stream)

    items = list(pending)
    with ThreadPoolExecutor(HASHING_THREADS, initializer=lowest_priority) as pool:
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
    os.utime(path, ns=(_COPY_MTIME, _COPY_MTIME))
    return actual
