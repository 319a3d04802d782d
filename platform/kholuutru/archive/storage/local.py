"""Documents in a folder of this machine (``file:///…``), the embedded default (ARCHITECTURE §3).

A key is a relative path under the root (content keys are already sharded: ``sha256/ab/cd/<hex>``). Writes go to a
temporary file inside the root, are fsynced, then *hard-linked* into place: unlike ``rename``, ``link`` fails when the
target exists, so two writers can never replace each other's object, and a crash leaves either the whole object or
none. Temporary files live in ``.tmp/``, which listings skip because no key segment may start with a dot.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .base import (
    CHUNK,
    ObjectConflict,
    ObjectInfo,
    ObjectMissing,
    Source,
    check_key,
    invalid_key,
    seekable,
    sha256_of,
)

_TMP = ".tmp"


@dataclass
class LocalStorage:
    """Documents in a folder; stored files are made read-only as a guard against accidental edits."""

    root: Path

    def put(self, key: str, source: Source) -> None:
        target = self._path(key)
        temporary = self._write_temporary(source)
        try:
            self._make_dirs(target.parent)
            try:
                os.link(temporary, target)
            except FileExistsError:
                if not _same_content(temporary, target):
                    raise ObjectConflict(key) from None
                return
            _fsync_dir(target.parent)
        finally:
            temporary.unlink()

    def open(self, key: str) -> BinaryIO:
        try:
            return open(self._path(key), "rb")
        except FileNotFoundError:
            raise ObjectMissing(key) from None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        path = self._path(key)
        try:
            path.unlink()
        except FileNotFoundError:
            return
        _fsync_dir(path.parent)

    def iter_keys(self, prefix: str = "") -> Iterator[ObjectInfo]:
        # Walk only the deepest folder the prefix names in full, not the whole tree.
        folder = prefix.rpartition("/")[0]
        start = self._path(folder) if folder else self.root.resolve()
        root = self.root.resolve()
        for directory, subdirectories, files in os.walk(start):
            subdirectories[:] = sorted(name for name in subdirectories if not name.startswith("."))
            for name in sorted(files):
                path = Path(directory) / name
                key = path.relative_to(root).as_posix()
                if name.startswith(".") or not key.startswith(prefix) or path.is_symlink():
                    continue
                stat = path.stat()
                yield ObjectInfo(key, dt.datetime.fromtimestamp(stat.st_mtime, dt.UTC), stat.st_size)

    def ping(self) -> bool:
        """Whether a file can be written and removed in the folder now."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.root, prefix=".health-"):
                pass
            return os.access(self.root, os.W_OK)
        except OSError:
            return False

    def _path(self, key: str) -> Path:
        """The file of ``key``, refusing any key or planted symlink that would lead outside the root."""
        root = self.root.resolve()
        path = root / check_key(key)
        if not path.resolve().is_relative_to(root):
            raise invalid_key(key)
        return path

    def _write_temporary(self, source: Source) -> Path:
        """Copy ``source`` into a durable (fsynced), read-only temporary file inside the root."""
        folder = self.root.resolve() / _TMP
        folder.mkdir(parents=True, exist_ok=True)
        descriptor, name = tempfile.mkstemp(dir=folder)
        try:
            with os.fdopen(descriptor, "wb") as out, seekable(source) as stream:
                shutil.copyfileobj(stream, out, CHUNK)
                out.flush()
                os.fchmod(out.fileno(), 0o440)
                os.fsync(out.fileno())
        except BaseException:
            os.unlink(name)
            raise
        return Path(name)

    def _make_dirs(self, directory: Path) -> None:
        """Create the shard folders one by one, syncing each parent so a new folder survives a crash."""
        missing = []
        while not directory.exists():
            missing.append(directory)
            directory = directory.parent
        for folder in reversed(missing):
            folder.mkdir(exist_ok=True)
            _fsync_dir(folder.parent)


def _same_content(a: Path, b: Path) -> bool:
    with open(a, "rb") as first, open(b, "rb") as second:
        return sha256_of(first) == sha256_of(second)


def _fsync_dir(directory: Path) -> None:
    """Make a folder's entries (a new link or name) durable."""
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
