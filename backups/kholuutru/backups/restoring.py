"""Steps shared by ``kholuutru restore`` and the drill: read the manifest, restore the database, check objects."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from typing import BinaryIO

from kholuutru.archive.storage import ObjectMissing, Storage
from kholuutru.archive.storage.base import sha256_of

from . import postgres_tools
from .errors import BackupFailed, ToolFailed
from .manifest import MANIFEST, Manifest, ObjectEntry
from .processes import HASHING_THREADS
from .restic_runner import Restic
from .verify import Check, failed, passed


def read_manifest(restic: Restic, snapshot_id: str) -> Manifest:
    """The snapshot's manifest; a snapshot without a readable one cannot be restored with any proof."""
    try:
        return Manifest.from_json(restic.read(snapshot_id, MANIFEST))
    except (ToolFailed, ValueError, TypeError, KeyError) as error:
        raise BackupFailed(
            f"Không đọc được bản kê (manifest) của bản sao lưu {snapshot_id[:8]}: {error}",
            f"The manifest of snapshot {snapshot_id[:8]} cannot be read: {error}",
            field="snapshot",
        ) from error


def restore_database(open_dump: Callable[[], AbstractContextManager[BinaryIO]], manifest: Manifest, url: str,
                     options: list[str]) -> Check:
    """Stream the dump (from restic, or a restored file) into pg_restore, hashing it on the way; check it against
    the manifest."""
    try:
        with open_dump() as stream:
            sha256, size = postgres_tools.restore(stream, url, options, int(manifest.database["pg_dump_major"]))
    except ToolFailed as error:
        return failed("database", error.message_en)
    except FileNotFoundError:
        return failed("database", "the database dump was not restored")
    expected = (manifest.database["sha256"], manifest.database["size"])
    if (sha256, size) != expected:
        return failed("database", f"the dump read back ({sha256}, {size} bytes) differs from the manifest "
                                  f"({expected[0]}, {expected[1]} bytes)")
    return passed("database", f"pg_restore of {size} bytes; SHA-256 matches the manifest")


def check_objects(storage: Storage, manifest: Manifest, advance: Callable[[int], None],
                  hashed: Callable[[ObjectEntry], None] | None = None,
                  taken: Mapping[str, tuple[str, int]] | None = None) -> Check:
    """Re-hash every object of the manifest in ``storage`` (on several threads); name each one missing or altered.

    ``hashed`` is called on the hashing thread once an object is read (the drill drops its scratch copy there).
    ``taken`` holds digests already read from ``storage`` by key (the drill's, while restic restored): an object
    whose digest there equals the manifest's is not read again; any other is.
    """
    taken = taken or {}

    def digest(entry: ObjectEntry) -> tuple[str, int] | None:
        actual = taken.get(entry.key)
        if actual != (entry.sha256, entry.size):
            try:
                with storage.open(entry.key) as stream:
                    actual = sha256_of(stream)
            except ObjectMissing:
                return None
        if hashed is not None:
            hashed(entry)
        return actual

    problems = []
    with ThreadPoolExecutor(HASHING_THREADS) as pool:
        for entry, actual in zip(manifest.objects, pool.map(digest, manifest.objects), strict=True):
            if actual != (entry.sha256, entry.size):
                problems.append({"key": entry.key, "problem": "missing" if actual is None else "altered",
                                 "expected_sha256": entry.sha256, "actual_sha256": actual[0] if actual else None})
            advance(1)
    if problems:
        named = ", ".join(problem["key"] for problem in problems[:20])
        return failed("objects", f"{len(problems)} of {len(manifest.objects)} objects missing or altered: {named}",
                      problems)
    early = sum(1 for entry in manifest.objects if taken.get(entry.key) == (entry.sha256, entry.size))
    return passed("objects", f"{len(manifest.objects)} objects, {manifest.object_bytes} bytes: every SHA-256 "
                             "matches the manifest" + (f" ({early} hashed during the restore)" if early else ""))
