"""restic, driven through its command line and JSON output.

The ``resticpy`` wrapper falls short here: it keeps the repository and password file in module globals (unsafe when a
drill and a backup share a console process), cannot pass an environment (S3 keys), extended options (``-o
sftp.command``) or standard input, hides ``restic check``'s findings (it returns None on failure) and logs the whole
command line. So this module runs restic itself, with everything secret in the environment.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

from kholuutru.archive.errors import NotFound

from .errors import ToolFailed, ToolMissing
from .manifest import TAG
from .processes import child_argv, error_log, last_lines, tail
from .repository import Repository

_INHERITED_RESTIC = ("RESTIC_REPOSITORY", "RESTIC_REPOSITORY_FILE", "RESTIC_PASSWORD", "RESTIC_PASSWORD_FILE",
                     "RESTIC_PASSWORD_COMMAND")
_NO_REPOSITORY = ("unable to open config file", "Is there a repository at the following location?")


class RepositoryMissing(ToolFailed):
    """No restic repository exists at the location (a first backup creates one)."""


@dataclass(frozen=True)
class Snapshot:
    """One snapshot as ``restic snapshots`` lists it."""

    id: str
    short_id: str
    time: str
    tags: tuple[str, ...]
    hostname: str

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "tags": list(self.tags)}


class Restic:
    """restic on one repository."""

    def __init__(self, repository: Repository) -> None:
        binary = shutil.which("restic")
        if binary is None:
            raise ToolMissing("restic", "apt-get install restic")
        self.binary = binary
        self.repository = repository

    def argv(self, *args: str) -> list[str]:
        return child_argv([self.binary, *self.repository.options, *args])

    def environment(self) -> dict[str, str]:
        """The caller's environment without any other restic repository or password, plus this repository's."""
        base = {name: value for name, value in os.environ.items() if name not in _INHERITED_RESTIC}
        return {**base, **self.repository.environment, "RESTIC_REPOSITORY": self.repository.location,
                "RESTIC_PASSWORD_FILE": str(self.repository.password_file)}

    def run(self, action_vi: str, action_en: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """Run restic to the end; a failure is a ``ToolFailed`` with the end of restic's error output."""
        with error_log() as log:
            result = subprocess.run(self.argv(*args), stdout=subprocess.PIPE, stderr=log, env=self.environment(),
                                    stdin=subprocess.DEVNULL, text=True)
            result.stderr = tail(log, lines=200)
        if check and result.returncode != 0:
            raise ToolFailed("restic", action_vi, action_en, last_lines(result.stderr))
        return result

    @contextmanager
    def stream(self, action_vi: str, action_en: str, *args: str, cwd: Path | None = None,
               stopper: Stopper | None = None) -> Iterator[IO[bytes]]:
        """restic's standard output as a binary stream; restic's failure is raised once the caller is done.

        When the caller fails while reading (pg_restore choking on a stream cut short), restic's own failure is the
        cause and is raised instead — unless restic only failed because the caller stopped reading. ``stopper``
        lets another thread stop restic.
        """
        with error_log() as log:
            process = subprocess.Popen(self.argv(*args), stdout=subprocess.PIPE, stderr=log, cwd=cwd,
                                       env=self.environment(), stdin=subprocess.DEVNULL)
            if stopper is not None:
                stopper.started(process)
            assert process.stdout is not None
            try:
                yield process.stdout
            except Exception as error:
                process.stdout.close()
                detail = tail(log) if process.wait() != 0 else ""
                if detail and "broken pipe" not in detail:
                    raise ToolFailed("restic", action_vi, action_en, detail) from error
                raise
            process.stdout.close()
            if process.wait() != 0:
                raise ToolFailed("restic", action_vi, action_en, tail(log))

    def initialise(self) -> None:
        self.run("khởi tạo kho", "initialise the repository", "init")

    def clear_stale_locks(self) -> None:
        """Remove locks left by restic processes that died (a backup killed mid-run).

        restic's own rule (``restic unlock``) removes locks whose process is gone or which are older than 30
        minutes, but counts a zombie as alive — and a killed restic stays a zombie under an init that does not reap
        (many containers). So when every lock is from this host and its process is dead or a zombie, all of them
        are removed; otherwise restic's rule applies. Every restic call costs a key derivation, so nothing more runs
        when there is no lock at all (the usual case; a local repository's folder tells without asking restic).
        """
        folder = self.repository.local_folder
        if folder is not None:
            # restic's local backend writes a file as "<id>-tmp-<n>" and renames it into place: a restic killed in
            # between leaves that temporary file, which no restic command lists or removes.
            for unfinished in folder.joinpath("locks").glob("*-tmp-*"):
                _remove_if_unfinished(unfinished)
            if not any(folder.joinpath("locks").glob("*")):
                return  # a local repository shows its locks as files: none, so no restic call is needed
        listed = self.run("liệt kê khóa", "list locks", "list", "locks", "--no-lock", check=False)
        if listed.returncode != 0 and any(marker in listed.stderr for marker in _NO_REPOSITORY):
            return  # no repository yet, so no lock either (a first backup creates it meanwhile)
        if listed.returncode != 0:
            raise ToolFailed("restic", "liệt kê khóa", "list locks", last_lines(listed.stderr))
        ids = listed.stdout.split()
        if not ids:
            return
        locks = []
        for lock_id in ids:
            shown = self.run("đọc khóa", "read a lock", "cat", "lock", lock_id, "--no-lock", check=False)
            if shown.returncode == 0:
                locks.append(json.loads(shown.stdout))
            elif folder is not None:
                _remove_if_unfinished(folder / "locks" / lock_id)
        every_lock_stale = bool(locks) and all(_stale(lock) for lock in locks)
        self.run("gỡ khóa cũ", "remove stale locks", "unlock", *(["--remove-all"] if every_lock_stale else []))

    def snapshots(self, snapshot_id: str | None = None) -> list[Snapshot]:
        """kholuutru's snapshots (tag ``kholuutru``), oldest first; only ``snapshot_id`` when given.

        Raises ``RepositoryMissing`` when there is no repository at the location yet.
        """
        args = ["snapshots", "--json", "--no-lock", "--tag", TAG, *([snapshot_id] if snapshot_id else [])]
        result = self.run("liệt kê bản sao lưu", "list snapshots", *args, check=False)
        if result.returncode != 0 and snapshot_id and "no matching ID" in result.stderr:
            return []
        if result.returncode != 0 and any(marker in result.stderr for marker in _NO_REPOSITORY):
            raise RepositoryMissing("restic", "mở kho sao lưu", "open the repository", last_lines(result.stderr))
        if result.returncode != 0:
            raise ToolFailed("restic", "liệt kê bản sao lưu", "list snapshots", last_lines(result.stderr))
        found = [Snapshot(s["id"], s["short_id"], s["time"], tuple(s.get("tags") or ()), s.get("hostname", ""))
                 for s in json.loads(result.stdout or "[]")]
        return sorted(found, key=lambda snapshot: snapshot.time)

    def resolve(self, snapshot_id: str | None) -> Snapshot:
        """The snapshot named (an id or a prefix of one), or the newest for ``None`` / ``latest``."""
        wanted = None if snapshot_id in (None, "latest") else snapshot_id
        found = self.snapshots(wanted)
        if not found:
            raise NotFound(
                f"Không có bản sao lưu {snapshot_id or 'nào'} trong kho {self.repository.shown}.",
                f"No backup snapshot {snapshot_id or 'at all'} in {self.repository.shown}.",
                field="snapshot",
            )
        return found[-1]

    def full_id(self, short_id: str) -> str:
        """The full id of a snapshot named by its short id, as restic 0.14's backup summary names it.

        A local repository keeps each snapshot in ``snapshots/<id>`` (restic's documented layout), so its folder
        answers without the key derivation every restic call spends; otherwise restic is asked.
        """
        folder = self.repository.local_folder
        found = sorted(folder.joinpath("snapshots").glob(f"{short_id}*")) if folder is not None else []
        return found[0].name if len(found) == 1 else self.resolve(short_id).id

    def backup(self, cwd: Path, paths: list[str], tags: tuple[str, ...], parent: str | None,
               on_progress: Callable[[float], None], stopper: Stopper | None = None) -> dict[str, Any]:
        """Back up ``paths`` (relative to ``cwd``, so they sit at the snapshot's root); return restic's summary.

        With an explicit parent and inode/ctime ignored, a file of the same name, size and mtime as in the parent is
        not read again: for content-addressed objects the name *is* the content, so that is safe and makes the run
        incremental even though the staging folder is new each time.
        """
        args = ["backup", "--json", *[f"--tag={tag}" for tag in tags], "--ignore-inode", "--ignore-ctime"]
        if parent:
            args.append(f"--parent={parent}")
        summary: dict[str, Any] = {}
        with self.stream("sao lưu", "back up", *args, "--", *paths, cwd=cwd, stopper=stopper) as output:
            for line in output:
                start = line.find(b"{")
                if start < 0:
                    continue
                message = json.loads(line[start:])
                if message.get("message_type") == "status":
                    on_progress(float(message.get("percent_done") or 0))
                elif message.get("message_type") == "summary":
                    summary = message
        return summary

    def files(self, snapshot_id: str) -> dict[str, int]:
        """Path (without the leading /) → size of every file in a snapshot."""
        listing = self.run("liệt kê tệp", "list the snapshot's files", "ls", "--json", "--no-lock", snapshot_id)
        sizes = {}
        for line in listing.stdout.splitlines():
            node = json.loads(line)
            if node.get("struct_type") == "node" and node.get("type") == "file":
                sizes[node["path"].lstrip("/")] = int(node.get("size", 0))
        return sizes

    def dump(self, snapshot_id: str, path: str) -> Any:
        """A stream of one file of a snapshot (``restic dump``), as a context manager."""
        return self.stream("đọc tệp từ bản sao lưu", f"read /{path} from the snapshot", "dump", "--no-lock",
                           snapshot_id, f"/{path}")

    def read(self, snapshot_id: str, path: str) -> bytes:
        with self.dump(snapshot_id, path) as stream:
            return stream.read()

    def restore(self, snapshot_id: str, target: Path, include: str | None = None,
                tags: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
        """``restic restore`` of the paths under ``include`` (default: everything); ``tags`` choose among the
        snapshots when ``snapshot_id`` is ``latest``. The caller judges the exit code and error output."""
        return self.run("khôi phục", "restore", "restore", snapshot_id, "--target", str(target),
                        *(["--include", f"/{include}"] if include else []),
                        *([f"--tag={','.join(tags)}"] if tags else []), check=False)

    def check(self, read_data_subset: str | None) -> subprocess.CompletedProcess:
        """``restic check`` (structure, and the data packs of ``read_data_subset``); the caller judges the result."""
        args = ["check", *([f"--read-data-subset={read_data_subset}"] if read_data_subset else [])]
        return self.run("kiểm tra kho", "check the repository", *args, check=False)

    def forget_snapshot(self, snapshot_id: str) -> None:
        """Forget one snapshot (its data stays until the next prune)."""
        self.run("xóa bản sao lưu", f"forget snapshot {snapshot_id[:8]}", "forget", snapshot_id)

    def forget(self, keep: dict[str, int], prune: bool) -> list[dict[str, Any]]:
        """Apply the retention policy to kholuutru's snapshots; return restic's groups (keep / remove lists)."""
        args = ["forget", "--json", "--tag", TAG, "--group-by", "tags"]
        args += [f"--keep-{name}={count}" for name, count in keep.items() if count > 0]
        if prune:
            args.append("--prune")
        output = self.run("áp dụng chính sách lưu giữ", "apply the retention policy", *args).stdout
        for line in output.splitlines():
            if line.startswith("["):
                return json.loads(line)
        return []


class Stopper:
    """Lets one thread stop a restic another thread runs, whether it has started yet or not."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen | None = None
        self.stopped = False

    def started(self, process: subprocess.Popen) -> None:
        with self._lock:
            self._process = process
            if self.stopped:
                process.terminate()

    def stop(self) -> None:
        """restic stops without writing its snapshot (SIGTERM: it removes its lock and exits)."""
        with self._lock:
            self.stopped = True
            if self._process is not None and self._process.poll() is None:
                self._process.terminate()


def _remove_if_unfinished(lock_file: Path) -> None:
    """Remove a lock file restic never finished writing: its restic was killed in the middle of writing it.

    restic cannot read such a file, so neither its ``unlock`` nor ``unlock --remove-all`` removes it, and it would
    stay in the repository for ever. restic's local backend makes every file read-only once it is completely
    written, so a lock that cannot be read and is still writable is one whose writer died (kholuutru's own backup
    operations on a repository take turns under a database lock, so none of ours is writing it now). An unreadable
    read-only lock is left alone: that is damage for ``restic check`` to report, not ours to hide.
    """
    try:
        writable = bool(lock_file.stat().st_mode & 0o200)
    except FileNotFoundError:
        return
    if writable:
        lock_file.unlink(missing_ok=True)


def _stale(lock: dict[str, Any]) -> bool:
    """A lock of this host whose process is gone, a zombie, or no longer restic."""
    if lock.get("hostname") != socket.gethostname():
        return False
    pid = int(lock.get("pid", 0))
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        command = Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return True
    state = stat.rpartition(")")[2].split()[0]
    return state in ("Z", "X") or command != "restic"
