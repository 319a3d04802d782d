"""The staged objects a backup leaves for the next one: reused only while they are the stored object itself (a link)
or a finished copy of a bucket's object whose listed stat the fixity record vouches for, and gone once the manifest
no longer lists them."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
from pathlib import Path

import boto3

from kholuutru.archive.storage import LocalStorage, S3Storage, Storage
from kholuutru.backups.fixity import FixityPlan, FixityRecord
from kholuutru.backups.manifest import ObjectEntry
from kholuutru.backups.staging import stage_objects

NOW = dt.datetime(2026, 11, 26, tzinfo=dt.UTC)


def _store(root: Path, key: str, content: bytes) -> ObjectEntry:
    path = root / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return ObjectEntry(key, hashlib.sha256(content).hexdigest(), len(content))


def _stage(storage: Storage, entries: list[ObjectEntry], target: Path, record: FixityRecord | None = None):
    return stage_objects(storage, entries, target, FixityPlan.for_run(record or FixityRecord(), 7, NOW),
                         lambda _n: None)


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


def test_a_copy_from_a_bucket_is_kept_while_the_record_vouches_for_its_listed_stat(tmp_path, make_bucket, s3_endpoint):
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1", aws_access_key_id="testing",
                          aws_secret_access_key="testing")
    storage, target = S3Storage(make_bucket(), client), tmp_path / "staged"
    content = b"stored once, never rewritten"
    entry = ObjectEntry("sha256/aa/bb/object", hashlib.sha256(content).hexdigest(), len(content))
    storage.put(entry.key, io.BytesIO(content))
    (listed,) = storage.iter_keys()
    listed_stat = (len(content), round(listed.last_modified.timestamp() * 1000) * 10**6)
    downloads: list[str] = []
    client.meta.events.register("before-parameter-build.s3.GetObject",
                                lambda params, **_kwargs: downloads.append(params["Key"]))
    target.mkdir()

    first = _stage(storage, [entry], target)
    # The next run, whose slice is not this object's.
    record = FixityRecord(objects=first.verified, full_pass_at=NOW, runs=int(entry.sha256[:8], 16) + 1)
    second = _stage(storage, [entry], target, record)
    os.utime(target / entry.key)  # the copy changed here, or a killed run left it before giving it the copy's mtime
    third = _stage(storage, [entry], target, record)

    assert downloads == [entry.key, entry.key] and (first.copied, second.copied, third.copied) == (1, 0, 1)
    assert first.verified == second.verified == third.verified == {entry.key: listed_stat}
    assert (target / entry.key).read_bytes() == content and not (first.problems or second.problems or third.problems)
