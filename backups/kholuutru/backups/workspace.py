"""The working folder of backups, restores and drills, and the lock that lets only one of them run at a time.

One operation at a time per working folder: restic's own locks would refuse a ``check`` beside a running backup, and
a drill's scratch server must not meet another's. The lock is an ``flock``, released by the kernel when its holder
dies, so a backup killed with ``kill -9`` never blocks the next one; whatever the dead run left in its folder (a
half-staged backup, a scratch PostgreSQL) is cleared by the next run of the same kind before it starts.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from kholuutru.archive.settings import Settings


def staging_root(settings: Settings) -> Path:
    return settings.backup_staging_dir or settings.data_dir / "backup-staging"


@contextmanager
def workspace(settings: Settings, name: str, *, mode: int = 0o700,
              on_wait: Callable[[], None] | None = None,
              clear_leftover: Callable[[Path], None] | None = None,
              keep: tuple[str, ...] = ()) -> Iterator[Path]:
    """An empty folder ``name`` under the staging root, held under the root's lock, emptied afterwards.

    ``mode`` 0o711 lets the embedded server's unprivileged user pass through to a scratch cluster inside. The
    entries named in ``keep`` are left in place, before and after, for the next run of the same kind to reuse; the
    folder itself goes when nothing is kept.
    """
    root = staging_root(settings)
    root.mkdir(parents=True, exist_ok=True)
    os.chmod(root, 0o711)
    with open(root / "lock", "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait:
                on_wait()
            fcntl.flock(lock, fcntl.LOCK_EX)
        folder = root / name
        if folder.exists():
            if clear_leftover:
                clear_leftover(folder)
            _empty(folder, keep)
        folder.mkdir(mode=mode, exist_ok=True)
        os.chmod(folder, mode)
        try:
            yield folder
        finally:
            _empty(folder, keep)


def _empty(folder: Path, keep: tuple[str, ...]) -> None:
    """Remove ``folder``, or, when some entries are kept, everything in it but them."""
    if not keep:
        shutil.rmtree(folder, ignore_errors=True)
        return
    for entry in folder.iterdir():
        if entry.name in keep:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
