"""Running restic, pg_dump and pg_restore as child processes that never outlive the command that started them.

A backup killed with ``kill -9`` must not leave a restic or pg_dump running on its own (it would hold the repository
lock, or write a snapshot nobody records): children are started under ``setpriv --pdeathsig KILL`` (util-linux,
always present on Debian), so the kernel kills them when their parent dies. Their error output goes to a temporary
file, not a pipe, so a chatty child can never block while its stdout is being streamed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import IO, BinaryIO

from .repository import mask_credentials

CHUNK = 1024 * 1024
HASHING_THREADS = min(4, os.cpu_count() or 1)
"""Threads that hash documents at once: hashlib releases the GIL while it hashes, so they use every core."""
COPIES = 8
"""Objects copied at once between document storage and a local folder (a backup's downloads, a restore's uploads):
each copy mostly waits on the bucket or the disk, and an archive holds millions of objects."""
_SETPRIV = shutil.which("setpriv")


def lowest_priority() -> None:
    """Give the calling thread the lowest priority (Linux schedules threads one by one). Hashing beside restic then
    takes the CPU restic leaves idle (it keeps about 1.7 of 2 cores busy) instead of slowing it down, and still
    moves on a machine kept busy by others (the idle scheduling class would stop it there entirely). A thread
    cannot take its priority back, so only threads of their own pool, which end with it, are lowered."""
    with suppress(OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)


def child_argv(argv: list[str]) -> list[str]:
    """``argv`` run so that it dies with this process."""
    return [_SETPRIV, "--pdeathsig", "KILL", "--", *argv] if _SETPRIV else argv


@contextmanager
def error_log() -> Iterator[IO[bytes]]:
    """A temporary file for a child's standard error."""
    with tempfile.TemporaryFile() as log:
        yield log


def tail(log: IO[bytes], lines: int = 12) -> str:
    """The last ``lines`` lines of a child's error output, credentials masked."""
    log.seek(0)
    return last_lines(log.read().decode(errors="replace"), lines)


def last_lines(text: str, lines: int = 12) -> str:
    """The last ``lines`` non-empty lines of ``text``, credentials masked."""
    kept = [line for line in text.strip().splitlines() if line.strip()]
    return mask_credentials("\n".join(kept[-lines:]))


def pump(source: BinaryIO, *sinks: IO[bytes]) -> tuple[str, int]:
    """Copy ``source`` to every sink in chunks; return the SHA-256 (hex) and size of what went through."""
    digest, size = hashlib.sha256(), 0
    while chunk := source.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
        for sink in sinks:
            sink.write(chunk)
    return digest.hexdigest(), size
