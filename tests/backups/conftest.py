"""Fixtures for backups: real restic on real repositories, the module's database with the demo archive in it.

The data dir is a folder of our own, traversable by the unprivileged user the drill's scratch PostgreSQL runs as
when the tests run as root (pytest's own temporary folders are not). Commands run as real ``kholuutru`` processes
with the settings in their environment, as a CronJob or runbook runs them.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer

from kholuutru.archive.database import Database
from kholuutru.archive.settings import Settings
from kholuutru.archive.storage import LocalStorage, open_storage

KHOLUUTRU = str(Path(sys.executable).with_name("kholuutru"))
sys.path.insert(0, str(Path(__file__).parent))  # the shared helpers of fixity_support


@pytest.fixture(scope="module")
def data_dir() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="kholuutru-bk-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def password_file(data_dir: Path) -> Path:
    path = data_dir / "restic-password"
    path.write_text("correct horse battery staple\n")
    path.chmod(0o600)
    return path


@pytest.fixture(scope="module")
def settings(database: Database, data_dir: Path, password_file: Path) -> Settings:
    """This module's database, a documents folder and a local restic repository outside it."""
    return Settings(
        data_dir=data_dir / "data", database_url=database.app_url, database_owner_url=database.owner_url,
        backup_repository=str(data_dir / "repository"), backup_password_file=password_file,
    )


@pytest.fixture(scope="module")
def archive(settings: Settings, demo: dict[str, str]) -> LocalStorage:
    """The demo province with its dossiers and real document files, made by the platform's own seed (once per
    session, copied into this module's database and data dir: see tests/conftest.py)."""
    return open_storage(settings)


class Cli:
    """``kholuutru`` as a separate process, with the settings as its KHOLUUTRU_* environment."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def environment(self) -> dict[str, str]:
        values = {k: v for k, v in os.environ.items() if not k.startswith(("KHOLUUTRU_", "RESTIC_"))}
        for name in self.settings.model_fields_set:
            value = getattr(self.settings, name)
            if value is not None:
                plain = value.get_secret_value() if hasattr(value, "get_secret_value") else value
                values[f"KHOLUUTRU_{name.upper()}"] = str(plain)
        return values

    def argv(self, *args: str) -> list[str]:
        return [KHOLUUTRU, *args]

    def run(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(self.argv(*args), capture_output=True, text=True, env=self.environment(), timeout=600)

    def json(self, *args: str, exit_code: int = 0) -> dict:
        """Run a command with --json; check its exit code and that it printed exactly one JSON object."""
        result = self.run(*args, "--json")
        lines = [line for line in result.stdout.splitlines() if line.strip()]
        assert result.returncode == exit_code and len(lines) == 1, (result.returncode, result.stdout, result.stderr)
        return json.loads(lines[0])


@pytest.fixture(scope="module")
def cli(settings: Settings) -> Cli:
    return Cli(settings)


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 over real HTTP on 127.0.0.1 (ARCHITECTURE §7), for repositories and document storage alike."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(scope="module")
def make_bucket(s3_endpoint: str) -> Callable[[], str]:
    """Make a new, empty bucket on moto and return its name."""

    def make() -> str:
        name = f"kholuutru-{uuid.uuid4().hex[:12]}"
        boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1", aws_access_key_id="testing",
                     aws_secret_access_key="testing").create_bucket(Bucket=name)
        return name

    return make


@pytest.fixture
def bucket(make_bucket: Callable[[], str]) -> str:
    return make_bucket()


@dataclass(frozen=True)
class SftpServer:
    """An OpenSSH server on 127.0.0.1 that accepts one generated key, and the files a client needs."""

    user: str
    port: int
    identity_file: Path
    known_hosts_file: Path


@pytest.fixture(scope="module")
def sftp_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SftpServer]:
    """sshd with a temporary configuration, host key and client key, on a free port of 127.0.0.1."""
    folder = tmp_path_factory.mktemp("sshd")
    for name in ("host_key", "client_key"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(folder / name)], check=True)
    shutil.copy(folder / "client_key.pub", folder / "authorized_keys")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    (folder / "sshd_config").write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {folder / 'host_key'}\n"
        f"AuthorizedKeysFile {folder / 'authorized_keys'}\nPidFile {folder / 'sshd.pid'}\n"
        "PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\nPermitRootLogin prohibit-password\n"
        # pytest's temporary folders sit under /tmp, which StrictModes rejects as world-writable.
        "StrictModes no\nSubsystem sftp internal-sftp\n"
    )
    if os.geteuid() == 0:
        # sshd started as root needs its privilege-separation folder, which Debian's service unit creates.
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
    sshd = shutil.which("sshd") or "/usr/sbin/sshd"
    log = open(folder / "sshd.log", "w")
    process = subprocess.Popen([sshd, "-D", "-e", "-f", str(folder / "sshd_config")], stdout=log, stderr=log)
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert process.poll() is None and time.monotonic() < deadline, (folder / "sshd.log").read_text()
            time.sleep(0.05)
    (folder / "known_hosts").write_text(f"[127.0.0.1]:{port} {(folder / 'host_key.pub').read_text()}")
    yield SftpServer(pwd.getpwuid(os.geteuid()).pw_name, port, folder / "client_key", folder / "known_hosts")
    process.terminate()
    process.wait(timeout=20)
    log.close()
