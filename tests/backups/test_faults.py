"""Faults a backup must survive or report: kill -9 mid-run, a corrupted pack in the repository, and a document
altered in primary storage before the backup."""

from __future__ import annotations

import hashlib
import io
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from kholuutru.archive.access import Actor
from kholuutru.archive.backup_models import BackupRun
from kholuutru.archive.document_files import object_key
from kholuutru.archive.dossier_models import Document, DocumentFile

SYSTEM = Actor.system("test")
BIG = 48 * 1024 * 1024


@pytest.fixture(scope="module")
def big_document(database, archive) -> str:
    """A large scanned file, so that restic is still working when the test kills the backup."""
    data = os.urandom(BIG)
    sha256 = hashlib.sha256(data).hexdigest()
    key = object_key(sha256)
    archive.put(key, io.BytesIO(data))
    with database.session(SYSTEM) as session:
        document = session.scalars(select(Document)).first()
        version = max(f.version for f in document.files) + 1 if document.files else 1
        session.add(DocumentFile(document_id=document.id, unit_id=document.unit_id, version=version, object_key=key,
                                 sha256=sha256, size=BIG, media_type="application/pdf", file_name="scan.pdf"))
    return key


def _restic_backup_child(parent: int) -> int | None:
    """The process id of restic, started by ``parent``, while it runs ``backup``."""
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
            command = (status.parent / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(parent) and fields.get("Name", "").strip() == "restic":
            return int(status.parent.name) if b"backup" in command else None
    return None


def _running(pid: int) -> bool:
    """Whether ``pid`` still runs (a zombie, dead but not yet reaped, does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def test_kill_9_mid_backup_then_the_next_backup_and_verify_pass(cli, settings, big_document):
    locks = Path(settings.backup_repository) / "locks"
    process = subprocess.Popen(cli.argv("backup", "run", "--json"), env=cli.environment(),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not ((restic := _restic_backup_child(process.pid)) and locks.is_dir() and any(locks.iterdir())):
        assert process.poll() is None, "the backup ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait()
    # The kernel kills restic too (parent-death signal), on a loaded machine not at once: the next backup is meant
    # to meet the lock of a restic that is gone, not one still dying.
    deadline = time.monotonic() + 60
    while _running(restic):
        assert time.monotonic() < deadline, "restic outlived the backup it was killed with"
        time.sleep(0.01)
    assert any(locks.iterdir()), "the killed restic left its lock"

    after = cli.json("backup", "run")
    assert after["ok"] and after["objects"] >= 1
    assert not any(locks.iterdir())
    verified = cli.json("backup", "verify", "--read-data-subset", "1/1")
    assert verified["ok"], verified
    assert cli.json("drill", "run")["verdict"] == "passed"


def test_an_object_altered_in_primary_storage_is_caught_before_the_backup(cli, settings, archive, database):
    with database.session(SYSTEM) as session:
        victim = session.scalars(select(DocumentFile).order_by(DocumentFile.id)).first().object_key
    before = len(cli.json("backup", "list")["snapshots"])
    path = Path(archive.root) / victim
    original = path.read_bytes()
    path.chmod(0o640)
    path.write_bytes(original[:-1] + bytes([original[-1] ^ 1]))
    try:
        refused = cli.json("backup", "run", exit_code=1)
    finally:
        path.write_bytes(original)
        path.chmod(0o440)
    assert refused["ok"] is False and victim in refused["message"]
    assert [p["key"] for p in refused["problems"]] == [victim] and refused["problems"][0]["problem"] == "altered"
    assert len(cli.json("backup", "list")["snapshots"]) == before, "nothing was backed up as good"
    with database.session(SYSTEM) as session:
        run = session.scalars(select(BackupRun).order_by(BackupRun.id.desc())).first()
    assert run.verdict == "failed" and victim in run.message and run.snapshot_id is None


def test_a_corrupted_pack_fails_verify_and_drill_naming_the_check(cli, settings, archive, data_dir):
    own = type(cli)(settings.model_copy(update={"backup_repository": str(data_dir / "to-corrupt")}))
    own.json("backup", "run")
    packs = sorted((data_dir / "to-corrupt" / "data").glob("*/*"), key=lambda pack: pack.stat().st_size)
    pack = packs[-1]
    pack.chmod(0o600)
    content = bytearray(pack.read_bytes())
    for offset in range(len(content) // 3, len(content) // 3 + 64):
        content[offset] ^= 0xFF
    pack.write_bytes(bytes(content))

    verified = own.json("backup", "verify", "--read-data-subset", "1/1", exit_code=1)
    failed = {c["check"]: c["detail"] for c in verified["checks"] if c["result"] == "failed"}
    assert "repository" in failed and pack.name[:8] in failed["repository"]

    drill = own.json("drill", "run", exit_code=1)
    assert drill["verdict"] == "failed"
    failed = [c for c in drill["checks"] if c["result"] == "failed"]
    assert failed and all(c["detail"] for c in failed)
    assert {c["check"] for c in failed} <= {"database", "restore_objects", "objects", "drill"}
