"""Which objects a backup re-hashes: all of them on a full fixity pass, else only new or changed ones and a rotating
slice — and an object altered in primary storage is refused either way, never backed up as good."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from fixity_support import add_pdf, in_slice, keys_and_hashes

from kholuutru.backups.fixity import FixityPlan, FixityRecord
from kholuutru.backups.manifest import ObjectEntry


@pytest.fixture(scope="module")
def first_backup(cli, archive) -> dict:
    return cli.json("backup", "run")


def test_a_first_backup_re_hashes_every_object(first_backup):
    assert first_backup["full_fixity_pass"] is True
    assert first_backup["objects_hashed"] == first_backup["objects"] > 0


def test_later_backups_re_hash_new_objects_and_one_slice_and_trust_the_rest(first_backup, cli, archive, settings,
                                                                           database):
    new_key = add_pdf(database, archive, settings)
    second = cli.json("backup", "run")
    expected = {key for key, sha256 in keys_and_hashes(database).items() if key == new_key or in_slice(sha256, 1)}
    assert second["full_fixity_pass"] is False
    assert second["objects_hashed"] == len(expected) < second["objects"]


def test_an_object_altered_in_place_is_refused_even_between_full_passes(first_backup, cli, database, archive):
    runs = len(cli.json("backup", "list")["snapshots"])
    victim = next(key for key, sha256 in sorted(keys_and_hashes(database).items()) if not in_slice(sha256, runs))
    path = Path(archive.root) / victim
    original = path.read_bytes()
    path.chmod(0o640)
    path.write_bytes(original[:-1] + bytes([original[-1] ^ 1]))
    try:
        refused = cli.json("backup", "run", exit_code=1)
    finally:
        path.write_bytes(original)
        path.chmod(0o440)
    assert [(p["key"], p["problem"]) for p in refused["problems"]] == [(victim, "altered")]


def test_a_full_pass_catches_what_kept_its_size_and_time(first_backup, cli, settings, database, archive):
    """Bit rot keeps an object's size and modification time: the scheduled full pass is what finds it."""
    cli.json("backup", "run")  # the record now vouches for every object as it is
    victim = sorted(keys_and_hashes(database))[0]
    path = Path(archive.root) / victim
    original, stat = path.read_bytes(), path.stat()
    path.chmod(0o640)
    path.write_bytes(original[:-1] + bytes([original[-1] ^ 1]))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    every_run = type(cli)(settings.model_copy(update={"backup_full_fixity_days": 0}))
    try:
        refused = every_run.json("backup", "run", exit_code=1)
    finally:
        path.write_bytes(original)
        path.chmod(0o440)
    assert [(p["key"], p["problem"]) for p in refused["problems"]] == [(victim, "altered")]


def test_the_plan_trusts_only_a_recorded_stat_and_passes_in_full_when_due():
    now = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)
    entry = ObjectEntry("objects/sha256/ab/cd/x", "0" * 64, 10)
    record = FixityRecord(objects={entry.key: (10, 123)}, full_pass_at=now - dt.timedelta(days=2), runs=5)
    weekly = FixityPlan.for_run(record, 7, now)
    assert not weekly.full_pass and weekly.slice == 5
    assert not weekly.must_hash(entry, (10, 123))
    assert weekly.must_hash(entry, (10, 124)) and weekly.must_hash(entry, (11, 123))
    assert weekly.must_hash(ObjectEntry("objects/other", "0" * 64, 10), (10, 123))
    assert FixityPlan.for_run(record, 2, now).full_pass and FixityPlan.for_run(record, 0, now).full_pass
    assert FixityPlan.for_run(FixityRecord(), 7, now).full_pass
    assert weekly.next_record({entry.key: (10, 123)}, now).full_pass_at == record.full_pass_at
    assert FixityPlan.for_run(record, 0, now).next_record({}, now).full_pass_at == now
