"""Document objects laid out for restic, each one re-hashed against the database on the way (invariant 3).

An object altered or lost in primary storage must never be backed up as good: each is read in full and its SHA-256
and size compared with ``document_files`` before the manifest is written; a mismatch is left out and named.

Objects of a local folder are hard-linked into the staging folder (no copy, same inode); when that is impossible
(another file system, an S3 bucket) they are copied, and the copy's mtime is set from the database, so the next
backup sees the same name, size and mtime and restic does not read it again.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kholuutru.archive.storage import LocalStorage, ObjectMissing, Storage
from kholuutru.archive.storage.base import check_key

from .manifest import ObjectEntry
from .processes import pump

# mtime given to copied objects: constant, so restic recognises an unchanged object by name, size and mtime alone.
_COPY_MTIME = dt.datetime(2000, 1, 1, tzinfo=dt.UTC).timestamp()


def stage_objects(storage: Storage, objects: list[ObjectEntry], target: Path,
                  advance: Callable[[int], None]) -> list[dict[str, Any]]:
    """Place every object under ``target``/<key>, verified; return the objects that are missing or altered."""
    problems = []
    for entry in objects:
        path = target / check_key(entry.key)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            actual = _link(storage, entry.key, path) or _copy(storage, entry.key, path)
        except ObjectMissing:
            actual = None
        if actual != (entry.sha256, entry.size):
            path.unlink(missing_ok=True)
            problems.append({"key": entry.key, "expected_sha256": entry.sha256, "expected_size": entry.size,
                             "actual_sha256": actual[0] if actual else None,
                             "actual_size": actual[1] if actual else None,
                             "problem": "missing" if actual is None else "altered"})
        advance(1)
    return problems


def _link(storage: Storage, key: str, path: Path) -> tuple[str, int] | None:
    """Hard-link a local object into place and hash it; None when linking is not possible."""
    if not isinstance(storage, LocalStorage):
        return None
    source = storage.root.resolve() / key
    try:
        os.link(source, path)
    except FileNotFoundError:
        raise ObjectMissing(key) from None
    except OSError:
        return None
    with open(path, "rb") as stream:
        return pump(stream)


def _copy(storage: Storage, key: str, path: Path) -> tuple[str, int]:
    """Copy an object into place while hashing it."""
    with storage.open(key) as source, open(path, "wb") as out:
        actual = pump(source, out)
    os.utime(path, (_COPY_MTIME, _COPY_MTIME))
    return actual

