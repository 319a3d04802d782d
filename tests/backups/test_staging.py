"""The staged objects a backup leaves for the next one: reused only while they are the stored object itself, and
gone once the manifest no longer lists them."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from pathlib import Path

from kholuutru.archive.storage import LocalStorage
from kholuutru.backups.fixity import FixityPlan, FixityRecord
from kholuutru.backups.manifest import ObjectEntry
from kholuutru.backups.staging import stage_objects

NOW = dt.datetime(2026, 11, 26, tzinfo=dt.UTC)


def _store(root: Path, key: str, content: bytes) -> ObjectEntry:
    path = root / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return ObjectEntry(key, hashlib.sha256(content).hexdigest(), len(content))


def _stage(storage: LocalStorage, entries: list[ObjectEntry], target: Path):
    return stage_objects(storage, entries, target, FixityPlan.for_run(FixityRecord(), 7, NOW), lambda _n: None)


def test_a_later_run_reuses_links_to_the_same_object_and_drops_what_is_no_longer_listed(tmp_path):
    storage, target = LocalStorage(tmp_path / "documents"), tmp_path / "staged"
    kept = _store(storage.root, "objects/sha256/aa/bb/kept", b"kept")
    dropped = _store(storage.root, "objects/sha256/cc/dd/dropped", b"dropped")
    target.mkdir()
    assert not _stage(storage, [kept, dropped], target).problems
    inode = (target / kept.key).stat().st_ino

    staged = _stage(storage, [kept], target)

    assert not staged.problems and [entry.key for entry, _path, _stat in staged.pending] == [kept.key]
    assert (target / kept.key).stat().st_ino == inode == (storage.root / kept.key).stat().st_ino
    assert not (target / dropped.key).exists() and not (target / "objects/sha256/cc").exists()


def test_an_object_replaced_in_storage_is_staged_anew_and_checked(tmp_path):
    storage, target = LocalStorage(tmp_path / "documents"), tmp_path / "staged"
    entry = _store(storage.root, "objects/sha256/aa/bb/object", b"original")
    target.mkdir()
    _stage(storage, [entry], target)
    replacement = storage.root / "replacement"
    replacement.write_bytes(b"tampered")
    os.replace(replacement, storage.root / entry.key)  # a new inode under the same name

    staged = _stage(storage, [entry], target)

    assert (target / entry.key).read_bytes() == b"tampered"
    assert (target / entry.key).stat().st_ino == (storage.root / entry.key).stat().st_ino
    assert [pending.key for pending, _path, _stat in staged.pending] == [entry.key]  # hashed, so it gets refused


def test_an_object_missing_from_storage_is_refused_though_an_earlier_run_staged_it(tmp_path):
    storage, target = LocalStorage(tmp_path / "documents"), tmp_path / "staged"
    entry = _store(storage.root, "objects/sha256/aa/bb/object", b"original")
    target.mkdir()
    _stage(storage, [entry], target)
    (storage.root / entry.key).unlink()

    staged = _stage(storage, [entry], target)

    assert [problem["problem"] for problem in staged.problems] == ["missing"]
