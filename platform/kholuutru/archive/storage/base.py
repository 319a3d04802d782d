"""What every document storage backend promises, so the services and the tests never care which one is in use.

Objects are immutable (invariant 3): ``put`` refuses to replace a key with different bytes and accepts the same bytes
again, so a retried upload is harmless and a stored document can never be silently changed through this interface.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import BinaryIO, Protocol

from ..errors import ArchiveError, Conflict, InvalidInput, NotFound

CHUNK = 1024 * 1024
# Segments of letters, digits, "-", "_" and "."; none may start with "." (no "..", no hidden or temporary names).
_KEY = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*")
_MAX_KEY_LENGTH = 1024

Source = BinaryIO | str | os.PathLike[str]


@dataclass(frozen=True)
class ObjectInfo:
    """One stored object as a listing reports it; ``last_modified`` is what the orphan sweeper's grace period reads."""

    key: str
    last_modified: dt.datetime
    size: int


class Storage(Protocol):
    """A place for document bytes: local folder or S3-compatible bucket."""

    def put(self, key: str, source: Source) -> None:
        """Store the bytes of ``source`` (a binary stream or a file path) under ``key``; never overwrite."""

    def open(self, key: str) -> BinaryIO:
        """A binary stream of the object, to be read in chunks and closed by the caller."""

    def exists(self, key: str) -> bool:
        """Whether an object is stored under ``key``."""

    def delete(self, key: str) -> None:
        """Remove the object; removing one that is not there is not an error."""

    def iter_keys(self, prefix: str = "") -> Iterator[ObjectInfo]:
        """Every object whose key starts with ``prefix``, with its last-modified time."""

    def ping(self) -> bool:
        """Whether the storage can be reached (and, for a folder, written) now."""


class ObjectMissing(NotFound):
    """No object is stored under the key."""

    def __init__(self, key: str) -> None:
        super().__init__(f"Không tìm thấy tệp lưu trữ {key}.", f"No stored object {key}.", field="key")
        self.key = key


class ObjectConflict(Conflict):
    """Another content is already stored under the key: stored documents are never overwritten."""

    def __init__(self, key: str) -> None:
        super().__init__(
            f"Đã có nội dung khác được lưu với khóa {key}; tệp lưu trữ không bao giờ bị ghi đè.",
            f"Different content is already stored under {key}; stored objects are never overwritten.",
            field="key",
        )
        self.key = key


class StorageUnavailable(ArchiveError):
    """The storage backend failed or could not be reached; nothing is assumed about the object."""

    http_status = 503

    def __init__(self, detail: str) -> None:
        super().__init__(f"Kho lưu trữ tài liệu không phản hồi: {detail}", f"Document storage failed: {detail}")


def check_key(key: str) -> str:
    """Refuse keys that could name something outside the storage (``..``, absolute paths, odd characters)."""
    if not isinstance(key, str) or len(key) > _MAX_KEY_LENGTH or not _KEY.fullmatch(key):
        raise invalid_key(key)
    return key


def invalid_key(key: object) -> InvalidInput:
    """The refusal of a key that is malformed or would lead outside the storage."""
    return InvalidInput(f"Khóa lưu trữ không hợp lệ: {key!r}.", f"Invalid storage key: {key!r}.", field="key")


@contextmanager
def seekable(source: Source) -> Iterator[BinaryIO]:
    """``source`` as a seekable binary file at the start of its content (a path is opened, a pipe is spooled).

    Backends read the content once to store it and maybe again to compare it with an object already there.
    """
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as file:
            yield file
    elif source.seekable():
        yield source
    else:
        with tempfile.TemporaryFile() as spool:
            shutil.copyfileobj(source, spool, CHUNK)
            spool.seek(0)
            yield spool


def sha256_of(stream: BinaryIO) -> tuple[str, int]:
    """SHA-256 (hex) and size of the rest of ``stream``, read in chunks so a large file never sits in memory."""
    digest, size = hashlib.sha256(), 0
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size
