"""Restored objects hashed while restic is still restoring, on CPU restic leaves idle.

Why: a drill's ``restic restore`` keeps about 1.6 of the machine's 2 cores busy, and hashing every restored object
only once it had finished put a second pass over the whole archive on the drill's clock (the RTO it records).
restic 0.14 reports no per-file completion, so the kernel tells instead: inotify reports every file closed after
writing (``IN_CLOSE_WRITE``). restic fills a file pack by pack, closing it after each, and what it has not written
yet is a hole; a file closed with no hole left (``SEEK_HOLE`` finds none before its end) is most likely complete,
and is hashed then — on one thread at the lowest priority, so restic hardly ever waits for it.

Nothing is trusted on that guess. The digests taken here are only candidates: an object counts as checked when its
candidate equals the manifest's SHA-256 and size, which no partly written file can produce. Every other object — a
wrong guess, events lost to a full kernel queue, a file system without holes or a kernel without inotify — is
hashed after restic finishes, as it always was.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
import select
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from .processes import lowest_priority, pump

_IN_CLOSE_WRITE = 0x00000008
_IN_CREATE = 0x00000100
_IN_ISDIR = 0x40000000
_IN_NONBLOCK = os.O_NONBLOCK
_IN_CLOEXEC = os.O_CLOEXEC
_EVENT = struct.Struct("iIII")  # struct inotify_event: wd, mask, cookie, len; then len bytes of name

Digests = dict[str, tuple[str, int]]
"""Path relative to the watched folder → (SHA-256 hex, size) of the file as it was read."""


@contextmanager
def hashed_as_restored(folder: Path) -> Iterator[Digests]:
    """Watch ``folder`` (made if missing) and everything created under it while the block runs; hash each file
    that looks complete when it is closed. The mapping yielded fills in while the block runs and is final once it
    ends (what was being read then is finished; whatever was still waiting is left to the caller)."""
    folder.mkdir(parents=True, exist_ok=True)
    digests: Digests = {}
    watcher = _Watcher.start(folder, digests)
    try:
        yield digests
    finally:
        if watcher is not None:
            watcher.stop()


class _Watcher:
    """One inotify instance over a folder tree and the thread that reads its events and hashes closed files."""

    def __init__(self, libc: ctypes.CDLL, folder: Path, descriptor: int, digests: Digests) -> None:
        self.libc, self.folder, self.descriptor, self.digests = libc, folder, descriptor, digests
        self.folders: dict[int, str] = {}  # watch descriptor → folder relative to the root ("" for the root)
        self.waiting: dict[str, None] = {}  # closed files not looked at yet, in order, each once
        self.stop_read, self.stop_write = os.pipe()
        self.thread = threading.Thread(target=self._run, name="early-hashing", daemon=True)

    @classmethod
    def start(cls, folder: Path, digests: Digests) -> _Watcher | None:
        """The running watcher, or None where the kernel offers no inotify (everything is then hashed later)."""
        libc = _libc()
        descriptor = libc.inotify_init1(_IN_NONBLOCK | _IN_CLOEXEC) if libc is not None else -1
        if libc is None or descriptor < 0:
            return None
        watcher = cls(libc, folder, descriptor, digests)
        watcher._watch("")
        watcher.thread.start()
        return watcher

    def stop(self) -> None:
        """End the watch: the file being hashed is finished, the ones still waiting are dropped."""
        os.write(self.stop_write, b"x")
        self.thread.join()
        for descriptor in (self.descriptor, self.stop_read, self.stop_write):
            os.close(descriptor)

    def _run(self) -> None:
        lowest_priority()
        poller = select.poll()
        poller.register(self.descriptor, select.POLLIN)
        poller.register(self.stop_read, select.POLLIN)
        while True:
            ready = {descriptor for descriptor, _event in poller.poll(0 if self.waiting else None)}
            if self.stop_read in ready:
                return
            if self.descriptor in ready:
                self._read_events()
            if self.waiting:
                relative = next(iter(self.waiting))
                del self.waiting[relative]
                self._look_at(relative)

    def _read_events(self) -> None:
        try:
            data = os.read(self.descriptor, 256 * 1024)
        except BlockingIOError:
            return
        offset = 0
        while offset < len(data):
            watch, mask, _cookie, length = _EVENT.unpack_from(data, offset)
            name = os.fsdecode(data[offset + _EVENT.size:offset + _EVENT.size + length].rstrip(b"\0"))
            offset += _EVENT.size + length
            parent = self.folders.get(watch)
            if parent is None or not name:
                continue
            relative = f"{parent}/{name}" if parent else name
            if mask & _IN_CREATE and mask & _IN_ISDIR:
                self._watch(relative)
            elif mask & _IN_CLOSE_WRITE:
                self.waiting[relative] = None

    def _watch(self, relative: str) -> None:
        """Watch a folder; what was made in it before the watch was in place is looked at now (its folders
        watched, its files looked at once: one still being written is closed again later)."""
        path = self.folder / relative if relative else self.folder
        watch = self.libc.inotify_add_watch(self.descriptor, os.fsencode(path), _IN_CLOSE_WRITE | _IN_CREATE)
        if watch < 0:
            return  # the folder is gone, or the watch limit is reached: its files are hashed later
        self.folders[watch] = relative
        with suppress(OSError), os.scandir(path) as entries:
            for entry in entries:
                inside = f"{relative}/{entry.name}" if relative else entry.name
                if entry.is_dir(follow_symlinks=False):
                    self._watch(inside)
                elif entry.is_file(follow_symlinks=False):
                    self.waiting[inside] = None

    def _look_at(self, relative: str) -> None:
        """Hash the file if it has no hole left; a file still holed will be closed again when restic fills it."""
        try:
            with open(self.folder / relative, "rb") as stream:
                size = os.fstat(stream.fileno()).st_size
                if os.lseek(stream.fileno(), 0, os.SEEK_HOLE) < size:
                    return
                stream.seek(0)
                self.digests[relative] = pump(stream)
        except OSError:
            return  # removed or unreadable meanwhile: hashed (and judged) later


@functools.cache
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    libc = ctypes.CDLL(name, use_errno=True)
    return libc if hasattr(libc, "inotify_init1") else None
