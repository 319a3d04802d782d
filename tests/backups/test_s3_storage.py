"""Documents in an S3 bucket (moto): objects are copied into the backup while re-hashed, the drill passes, and a
repository in the documents' own bucket is refused (invariant 5).

A later backup lists the bucket once and downloads only what the fixity plan cannot vouch for (new or changed
objects, the rotating slice, everything on a full pass): the downloads are counted on the storage's own boto3 client,
which observes the real requests to moto without standing in for them.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator
from contextlib import contextmanager

import boto3
import pytest
from fixity_support import add_pdf, in_slice, keys_and_hashes
from pydantic import SecretStr

from kholuutru.archive.database import provision
from kholuutru.archive.seed import seed_demo
from kholuutru.archive.settings import Settings
from kholuutru.archive.storage import S3Storage, Storage, open_storage
from kholuutru.backups.drill import run_drill
from kholuutru.backups.errors import BadBackupSetting, FixityFailure
from kholuutru.backups.fixity import FixityRecord
from kholuutru.backups.manifest import OBJECTS
from kholuutru.backups.repository import open_repository
from kholuutru.backups.restore import restore_snapshot
from kholuutru.backups.run import run_backup
from kholuutru.backups.workspace import staging_root

KEYS = {"storage_access_key_id": SecretStr("testing"), "storage_secret_access_key": SecretStr("testing")}


@pytest.fixture(scope="module")
def on_s3(settings, s3_endpoint, make_bucket) -> Settings:
    url = f"s3://{make_bucket()}?endpoint_url={s3_endpoint}&region=us-east-1"
    return settings.model_copy(update={"storage_url": url, **KEYS})


@pytest.fixture(scope="module")
def s3_archive(database, on_s3) -> Storage:
    storage = open_storage(on_s3)
    seed_demo(database, storage, on_s3, echo=lambda _line: None)
    return storage


def test_backup_of_s3_documents_then_drill_passes(on_s3, database, s3_archive):
    first = run_backup(on_s3, database, s3_archive)
    second = run_backup(on_s3, database, s3_archive)
    assert first.objects > 0 and second.parent == first.snapshot_id
    drill = run_drill(on_s3, database)
    assert drill["verdict"] == "passed", drill["checks"]


def test_a_repository_in_the_documents_bucket_is_refused(on_s3, s3_endpoint):
    bucket = on_s3.storage_url.split("?")[0].removeprefix("s3://")
    same = on_s3.model_copy(update={"backup_repository": f"s3:{s3_endpoint}/{bucket}/restic"})
    with pytest.raises(BadBackupSetting) as refused:
        open_repository(same)
    assert refused.value.field == "backup_repository"
    assert "KHOLUUTRU_STORAGE_URL" in refused.value.message_en
    other = on_s3.model_copy(update={"backup_repository": f"s3:{s3_endpoint}/another-bucket/restic"})
    assert open_repository(other).location.endswith("another-bucket/restic")


@pytest.fixture(scope="module")
def outsider(s3_endpoint):
    """A client of the same bucket that writes as anything but the platform does: replacing keys, deleting."""
    return boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1", aws_access_key_id="testing",
                        aws_secret_access_key="testing")


@contextmanager
def _requests(storage: S3Storage) -> Iterator[list[tuple[str, str | None]]]:
    """The S3 operations the storage's client makes meanwhile, each with the key it names."""
    made: list[tuple[str, str | None]] = []

    def note(params, model, **_kwargs) -> None:
        made.append((model.name, params.get("Key")))

    storage.client.meta.events.register("before-parameter-build.s3", note)
    try:
        yield made
    finally:
        storage.client.meta.events.unregister("before-parameter-build.s3", note)


def _downloads(made: list[tuple[str, str | None]]) -> list[str]:
    return sorted(key for operation, key in made if operation == "GetObject")


def _recorded_runs(settings: Settings) -> int:
    return FixityRecord.load(staging_root(settings)).runs


def test_a_later_backup_downloads_only_new_objects_and_the_slice(on_s3, database, s3_archive):
    run_backup(on_s3, database, s3_archive)  # the record now vouches for every object as it is
    new_key = add_pdf(database, s3_archive, on_s3)
    runs, stored = _recorded_runs(on_s3), len(list(s3_archive.iter_keys()))

    with _requests(s3_archive) as made:
        later = run_backup(on_s3, database, s3_archive)

    expected = sorted(key for key, sha256 in keys_and_hashes(database).items()
                      if key == new_key or in_slice(sha256, runs))
    assert not later.full_fixity_pass and new_key in expected
    assert _downloads(made) == expected and later.objects_hashed == len(expected) < later.objects
    operations = [operation for operation, _key in made]
    assert operations.count("ListObjectsV2") == math.ceil(stored / 1000) and "HeadObject" not in operations
    with _requests(s3_archive) as made:
        again = run_backup(on_s3, database, s3_archive)
    # The slice moves on; the new object, downloaded and found good once, is trusted like the rest.
    assert _downloads(made) == sorted(key for key, sha256 in keys_and_hashes(database).items()
                                      if in_slice(sha256, runs + 1))
    assert again.objects_hashed == len(_downloads(made))


def test_an_object_replaced_in_the_bucket_is_downloaded_again_and_refused(on_s3, database, s3_archive, outsider):
    run_backup(on_s3, database, s3_archive)
    runs = _recorded_runs(on_s3)
    victim = next(key for key, sha256 in sorted(keys_and_hashes(database).items()) if not in_slice(sha256, runs))
    staged = staging_root(on_s3) / "backup" / OBJECTS / victim
    assert staged.is_file()
    original = outsider.get_object(Bucket=s3_archive.bucket, Key=victim)["Body"].read()
    outsider.put_object(Bucket=s3_archive.bucket, Key=victim, Body=original[:-1] + bytes([original[-1] ^ 1]))
    try:
        with _requests(s3_archive) as made, pytest.raises(FixityFailure) as refused:
            run_backup(on_s3, database, s3_archive)
    finally:
        outsider.put_object(Bucket=s3_archive.bucket, Key=victim, Body=original)
    assert [(p["key"], p["problem"]) for p in refused.value.problems] == [(victim, "altered")]
    assert victim in _downloads(made) and not staged.exists()
    assert _recorded_runs(on_s3) == runs  # a refused backup leaves the record as it was

    with _requests(s3_archive) as made:
        run_backup(on_s3, database, s3_archive)  # the good bytes back, under a new last-modified time
    assert victim in _downloads(made) and staged.read_bytes() == original


def test_an_object_deleted_from_the_bucket_is_refused_though_an_earlier_run_staged_it(on_s3, database, s3_archive,
                                                                                   outsider):
    run_backup(on_s3, database, s3_archive)
    victim = sorted(keys_and_hashes(database))[0]
    assert (staging_root(on_s3) / "backup" / OBJECTS / victim).is_file()
    original = outsider.get_object(Bucket=s3_archive.bucket, Key=victim)["Body"].read()
    outsider.delete_object(Bucket=s3_archive.bucket, Key=victim)
    try:
        with pytest.raises(FixityFailure) as refused:
            run_backup(on_s3, database, s3_archive)
    finally:
        outsider.put_object(Bucket=s3_archive.bucket, Key=victim, Body=original)
    assert [(p["key"], p["problem"]) for p in refused.value.problems] == [(victim, "missing")]


def test_a_full_pass_downloads_every_object_again(on_s3, database, s3_archive):
    run_backup(on_s3, database, s3_archive)
    every = sorted(keys_and_hashes(database))

    with _requests(s3_archive) as made:
        due = run_backup(on_s3.model_copy(update={"backup_full_fixity_days": 0}), database, s3_archive)
    assert due.full_fixity_pass and _downloads(made) == every and due.objects_hashed == due.objects == len(every)

    # A record that knows of no full pass (the first run after a lost or older record) passes in full as well.
    record = FixityRecord.load(staging_root(on_s3))
    record.full_pass_at = None
    record.save(staging_root(on_s3))
    with _requests(s3_archive) as made:
        unknown = run_backup(on_s3, database, s3_archive)
    assert unknown.full_fixity_pass and _downloads(made) == every and unknown.objects_hashed == len(every)


def test_a_restore_stores_every_object_into_a_new_bucket(on_s3, database, s3_archive, make_bucket, s3_endpoint,
                                                         superuser_url):
    """A disaster restore into new S3 storage: every object is uploaded (several at once) with its exact bytes."""
    backup = run_backup(on_s3, database, s3_archive)
    owner_url, _app_url = provision(superuser_url, "kholuutru_restored_s3")
    target_url = f"s3://{make_bucket()}?endpoint_url={s3_endpoint}&region=us-east-1"
    restored = restore_snapshot(on_s3, "latest", owner_url, target_url)
    assert restored["ok"] and restored["snapshot_id"] == backup.snapshot_id, restored["checks"]
    target = open_storage(on_s3.model_copy(update={"storage_url": target_url}))
    expected = keys_and_hashes(database)
    assert {info.key for info in target.iter_keys()} == set(expected)
    for key, sha256 in expected.items():
        with target.open(key) as stream:
            assert hashlib.sha256(stream.read()).hexdigest() == sha256
