"""Objects hashed while they are being restored: a file counts only once complete, and a digest taken early spares a
second read only when it matches the manifest."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

from kholuutru.archive.storage import LocalStorage
from kholuutru.backups.early_hashing import Digests, hashed_as_restored
from kholuutru.backups.manifest import Manifest, ObjectEntry
from kholuutru.backups.restoring import check_objects

MiB = 1024 * 1024


def _holes_supported(folder: Path) -> bool:
    probe = folder / "probe"
    with open(probe, "wb") as stream:
        stream.truncate(MiB)
    try:
        with open(probe, "rb") as stream:
            return os.lseek(stream.fileno(), 0, os.SEEK_HOLE) < MiB
    finally:
        probe.unlink()


def _wait_for(taken: Digests, key: str, expected: tuple[str, int]) -> None:
    """Until the watcher has taken ``key`` with the digest ``expected`` (it runs at the lowest priority, so it may
    take a moment; a look it took while the file was still being written is replaced by the look at its close)."""
    deadline = time.monotonic() + 60
    while taken.get(key) != expected:
        assert time.monotonic() < deadline, f"{key} was never hashed as {expected}; taken: {taken}"
        time.sleep(0.01)


def test_a_file_is_hashed_when_closed_complete_and_not_while_restic_has_left_a_hole(tmp_path):
    holes = _holes_supported(tmp_path)
    first, second = os.urandom(MiB), os.urandom(MiB)
    root = tmp_path / "objects"
    with hashed_as_restored(root) as taken:
        folder = root / "sha256" / "ab"  # made after the watch began, as restic makes its folders
        folder.mkdir(parents=True)
        with open(folder / "partial", "wb") as stream:  # restic's way: the size first, then pack by pack
            stream.truncate(2 * MiB)
            stream.seek(MiB)
            stream.write(second)
        (folder / "whole").write_bytes(first)
        _wait_for(taken, "sha256/ab/whole", (hashlib.sha256(first).hexdigest(), MiB))
        if holes:
            assert "sha256/ab/partial" not in taken  # closed before "whole" was, but with a hole: left alone
        else:  # a file system without holes: read as it was, a candidate that can never match the manifest
            assert taken.get("sha256/ab/partial") != (hashlib.sha256(first + second).hexdigest(), 2 * MiB)

        with open(folder / "partial", "r+b") as stream:
            stream.write(first)
        _wait_for(taken, "sha256/ab/partial", (hashlib.sha256(first + second).hexdigest(), 2 * MiB))
    assert set(taken) == {"sha256/ab/whole", "sha256/ab/partial"}


def test_a_digest_taken_early_spares_a_read_only_when_it_matches_the_manifest(tmp_path):
    storage = LocalStorage(tmp_path / "objects")
    bodies = {key: os.urandom(1000 + number) for number, key in enumerate(("a/kept", "a/stale", "a/altered"))}
    for key, body in bodies.items():
        storage.put(key, _file(tmp_path / "upload", body))
    entries = [ObjectEntry(key, hashlib.sha256(body).hexdigest(), len(body)) for key, body in bodies.items()]
    manifest = Manifest(created_at="2026-11-26T00:00:00+00:00", platform_version="test", schema_revision=None,
                        server_version="test", row_counts={}, audit_head={}, objects=entries)
    altered = b"not what was backed up"
    taken = {
        "a/kept": (entries[0].sha256, entries[0].size),  # complete when it was hashed
        "a/stale": (hashlib.sha256(b"half").hexdigest(), 4),  # hashed too early: read again, and found good
        "a/altered": (hashlib.sha256(altered).hexdigest(), len(altered)),
    }
    (tmp_path / "objects" / "a" / "kept").unlink()  # not read again: its removal goes unseen
    (tmp_path / "objects" / "a" / "altered").write_bytes(altered)

    check = check_objects(storage, manifest, lambda _units: None, None, taken)
    assert check.failed and [problem["key"] for problem in check.problems] == ["a/altered"]

    (tmp_path / "objects" / "a" / "altered").write_bytes(bodies["a/altered"])  # taken says altered; it is read
    check = check_objects(storage, manifest, lambda _units: None, None, taken)
    assert not check.failed and check.detail.endswith("(1 hashed during the restore)")


def _file(path: Path, body: bytes) -> Path:
    path.write_bytes(body)
    return path
