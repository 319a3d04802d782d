"""pg_dump and pg_restore: found in a version that fits the server, connected through libpq's environment.

pg_dump must be at least as new as the server it dumps, and pg_restore at least as new as the pg_dump that wrote the
archive. The embedded server's own binaries come first (the same build as the server in the default setup); then
those on PATH, for an external server newer than the embedded one. Passwords go in ``PGPASSWORD``, never in argv.

The dump runs as the schema owner with ``--enable-row-security`` and the setting that makes every unit visible: the
owner is bound by row-level security too (``FORCE``), and without that setting pg_dump would refuse or see nothing.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import Connection, make_url, text

from kholuutru.archive.access import ALL_UNITS, VISIBLE_UNITS_SETTING
from kholuutru.archive.embedded_postgres import BIN_DIR

from .errors import ToolFailed, ToolMissing
from .processes import child_argv, error_log, pump, tail

_VERSION = re.compile(r"\(PostgreSQL\)\s+(\d+)")


def libpq_environment(url: str) -> dict[str, str]:
    """PG* variables for a SQLAlchemy URL (TCP or ``?host=/socket/dir``); the caller's other PG* are dropped."""
    parsed = make_url(url)
    environment = {name: value for name, value in os.environ.items() if not name.startswith("PG")}
    host = parsed.query.get("host") or parsed.host
    values = {
        "PGHOST": host if isinstance(host, str) else (host[0] if host else None),
        "PGPORT": str(parsed.port) if parsed.port else None,
        "PGUSER": parsed.username,
        "PGPASSWORD": parsed.password,
        "PGDATABASE": parsed.database,
        "PGSSLMODE": parsed.query.get("sslmode"),
    }
    return {**environment, **{name: str(value) for name, value in values.items() if value}}


def sqlalchemy_url(url: str) -> str:
    """A ``postgresql://`` URL as SQLAlchemy should open it: with the psycopg 3 driver the platform installs."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def server_major(connection: Connection) -> int:
    return int(connection.execute(text("SHOW server_version_num")).scalar_one()) // 10000


def tool(name: str, minimum_major: int) -> tuple[Path, int]:
    """The first ``name`` (embedded build, then PATH) whose major version is at least ``minimum_major``."""
    seen = []
    for candidate in (BIN_DIR / name, shutil.which(name)):
        if candidate is None or not Path(candidate).is_file():
            continue
        output = subprocess.run([str(candidate), "--version"], capture_output=True, text=True).stdout
        match = _VERSION.search(output)
        if match:
            seen.append(f"{candidate} ({match[1]})")
            if int(match[1]) >= minimum_major:
                return Path(candidate), int(match[1])
    raise ToolMissing(name, f"need PostgreSQL {minimum_major} or newer, found {', '.join(seen) or 'none'} — "
                            f"install postgresql-client-{minimum_major}")


def dump(url: str, snapshot: str, target: Path, minimum_major: int) -> tuple[str, int, int]:
    """Dump the database as of ``snapshot`` (``pg_export_snapshot``) into ``target``; return SHA-256, size, version."""
    pg_dump, major = tool("pg_dump", minimum_major)
    environment = {**libpq_environment(url), "PGOPTIONS": f"-c {VISIBLE_UNITS_SETTING}={ALL_UNITS}"}
    # Uncompressed: restic compresses, and unchanged table data then deduplicates from one dump to the next.
    argv = [str(pg_dump), "--format=custom", "--compress=0", "--enable-row-security", f"--snapshot={snapshot}",
            "--no-password"]
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with error_log() as log, os.fdopen(descriptor, "wb") as out:
        process = subprocess.Popen(child_argv(argv), stdout=subprocess.PIPE, stderr=log, env=environment,
                                   stdin=subprocess.DEVNULL)
        assert process.stdout is not None
        sha256, size = pump(process.stdout, out)
        if process.wait() != 0:
            raise ToolFailed("pg_dump", "xuất cơ sở dữ liệu", "dump the database", tail(log))
    return sha256, size, major


def restore(source: BinaryIO, url: str, options: list[str], minimum_major: int) -> tuple[str, int]:
    """Feed a custom-format dump from ``source`` to pg_restore into the database of ``url``, in one transaction.

    Returns the SHA-256 and size of the bytes fed, to be compared with the manifest.
    """
    pg_restore, _major = tool("pg_restore", minimum_major)
    database = make_url(url).database or ""
    argv = [str(pg_restore), "--exit-on-error", "--single-transaction", "--no-password", *options,
            f"--dbname={database}"]
    with error_log() as log:
        process = subprocess.Popen(child_argv(argv), stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=log,
                                   env=libpq_environment(url))
        assert process.stdin is not None
        try:
            sha256, size = pump(source, process.stdin)
        except BrokenPipeError:
            sha256, size = "", 0
        finally:
            try:
                process.stdin.close()
            except BrokenPipeError:
                pass
        if process.wait() != 0:
            raise ToolFailed("pg_restore", "khôi phục cơ sở dữ liệu", "restore the database", tail(log))
    return sha256, size
