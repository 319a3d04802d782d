"""Backups to a local folder repository with real restic, through the command line as CronJobs and runbooks run it:
backup → drill passes, incremental runs, verify/list/forget, and restores that bring back the same archive."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfWriter
from sqlalchemy import make_url, select

from kholuutru.archive import audit, document_files, migrations
from kholuutru.archive.access import Actor
from kholuutru.archive.database import Database, provision
from kholuutru.archive.dossier_models import Document, DocumentFile, Dossier
from kholuutru.archive.embedded_postgres import BIN_DIR
from kholuutru.archive.models import AuditEvent
from kholuutru.archive.storage import LocalStorage
from kholuutru.backups import records

SYSTEM = Actor.system("test")


@pytest.fixture(scope="module")
def first_backup(cli, archive) -> dict:
    return cli.json("backup", "run")


def _pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Subject": os.urandom(8).hex()})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_backup_reports_snapshot_bytes_and_seconds(first_backup, database):
    assert first_backup["ok"] is True
    assert len(first_backup["snapshot_id"]) == 64
    assert first_backup["bytes"] > 0 and first_backup["seconds"] > 0
    assert first_backup["objects"] > 0 and first_backup["schema_revision"] == migrations.head_revision()
    with database.session(SYSTEM) as session:
        runs = records.history(session)["backups"]
    assert runs[0]["snapshot_id"] == first_backup["snapshot_id"] and runs[0]["verdict"] == "succeeded"


def test_backup_then_drill_passes_and_is_recorded(first_backup, cli, database):
    drill = cli.json("drill", "run")
    assert drill["verdict"] == "passed" and drill["snapshot_id"] == first_backup["snapshot_id"]
    results = {check["check"]: check["result"] for check in drill["checks"]}
    assert results == {"database": "passed", "objects": "passed", "row_counts": "passed", "audit_chain": "passed",
                       "audit_head": "passed", "schema_revision": "passed", "signatures": "passed"}
    with database.session(SYSTEM) as session:
        latest = records.history(session)
    assert latest["drills"][0]["verdict"] == "passed" and latest["rto_seconds"] == drill["rto_seconds"]
    assert latest["rpo_seconds"] is not None


def test_a_second_backup_uploads_only_the_change(first_backup, cli, database, archive, settings):
    with database.session(SYSTEM) as session:
        document = session.scalars(select(Document).join(Dossier).where(Dossier.state == "draft")).first()
        document_files.add_file(session, SYSTEM, archive, settings, document_id=document.id,
                                stream=io.BytesIO(_pdf()), file_name="bo-sung.pdf")
    second = cli.json("backup", "run")
    assert second["parent"] == first_backup["snapshot_id"]
    assert second["objects"] == first_backup["objects"] + 1
    # Unchanged objects are not read again: far less is added than the archive holds.
    assert second["bytes"] < first_backup["bytes"] + second["object_bytes"] / 2


def test_a_first_backup_into_an_initialised_empty_repository_has_no_parent(cli, settings, archive, tmp_path):
    """The repository a deployment's operators initialised themselves: its folder holds no snapshot, so the run
    looks no further for a parent; the next run takes the first as its parent."""
    repository = tmp_path / "initialised"
    environment = {**cli.environment(), "RESTIC_REPOSITORY": str(repository),
                   "RESTIC_PASSWORD_FILE": str(settings.backup_password_file)}
    subprocess.run(["restic", "init"], env=environment, check=True, capture_output=True)
    there = type(cli)(settings.model_copy(update={"backup_repository": str(repository)}))
    first = there.json("backup", "run")
    assert first["parent"] is None
    assert there.json("backup", "run")["parent"] == first["snapshot_id"]


def test_verify_list_and_forget(first_backup, cli, settings):
    verified = cli.json("backup", "verify", "--read-data-subset", "1/1")
    assert verified["ok"] and {c["check"]: c["result"] for c in verified["checks"]} == {
        "repository": "passed", "manifest": "passed"}
    listed = cli.json("backup", "list")
    ids = [snapshot["id"] for snapshot in listed["snapshots"]]
    assert first_backup["snapshot_id"] in ids and len(ids) >= 2
    forgotten = cli.json("backup", "forget", "--prune")
    assert forgotten["policy"] == {"daily": 7, "weekly": 5, "monthly": 12, "yearly": 10}
    assert ids[-1] in forgotten["kept"], "the newest backup is always kept"
    assert cli.json("backup", "verify", "--read-data-subset", "1/1")["ok"]


def test_restore_into_new_database_and_storage_brings_back_the_archive(cli, database, superuser_url, data_dir):
    backup = cli.json("backup", "run")
    owner_url, app_url = provision(superuser_url, "kholuutru_restored_local")
    target = data_dir / "restored-documents"
    restored = cli.json("restore", "--snapshot", "latest", "--database-url", owner_url,
                        "--storage-url", target.as_uri())
    assert restored["ok"] and restored["snapshot_id"] == backup["snapshot_id"]
    assert {c["check"]: c["result"] for c in restored["checks"]} == {"database": "passed", "objects": "passed"}

    # The documented next step grants the application role; then the restored archive is usable as the app.
    copy = Database(app_url=app_url, owner_url=owner_url)
    try:
        migrations.upgrade(copy)
        with database.session(SYSTEM) as session:
            original_events = session.execute(select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq)).all()
            original_files = session.execute(select(DocumentFile.object_key, DocumentFile.sha256)).all()
        with copy.session(SYSTEM) as session:
            assert audit.verify(session).ok
            events = session.execute(select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq)).all()
            files = session.execute(select(DocumentFile.object_key, DocumentFile.sha256)).all()
    finally:
        copy.close()
    assert events == original_events[: len(events)]
    assert (events[-1].seq, events[-1].hash) == (backup["audit_head"]["seq"], backup["audit_head"]["hash"])
    assert sorted(files) == sorted(original_files)
    storage = LocalStorage(target)
    for key, sha256 in files:
        with storage.open(key) as stream:
            assert hashlib.sha256(stream.read()).hexdigest() == sha256


def test_restore_refuses_the_live_database(cli, settings, data_dir):
    live = settings.database_owner_url.get_secret_value()
    refused = cli.json("restore", "--snapshot", "latest", "--database-url", live, "--storage-url",
                       (data_dir / "elsewhere").as_uri(), exit_code=2)
    assert refused["field"] == "database_url"
    not_suspended = cli.json("restore", "--snapshot", "latest", "--database-url", live, "--storage-url",
                             (data_dir / "elsewhere").as_uri(), "--force", exit_code=1)
    assert not_suspended["field"] == "force"


def test_plain_restic_and_pg_restore_restore_the_documents(cli, settings, superuser_url, tmp_path):
    """The runbook's last resort: no kholuutru code, only restic, pg_restore, psql and sha256."""
    cli.json("backup", "run")
    environment = {**os.environ, "RESTIC_REPOSITORY": settings.backup_repository,
                   "RESTIC_PASSWORD_FILE": str(settings.backup_password_file)}
    subprocess.run(["restic", "restore", "latest", "--target", str(tmp_path)], env=environment, check=True,
                   capture_output=True)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert hashlib.sha256((tmp_path / "database.dump").read_bytes()).hexdigest() == manifest["database"]["sha256"]
    for entry in manifest["objects"]:
        assert hashlib.sha256((tmp_path / "objects" / entry["key"]).read_bytes()).hexdigest() == entry["sha256"]

    server = ["-h", make_url(superuser_url).query["host"], "-U", "postgres"]
    subprocess.run([str(BIN_DIR / "createdb"), *server, "kholuutru_plain"], check=True)
    subprocess.run([str(BIN_DIR / "pg_restore"), *server, "--dbname=kholuutru_plain", "--exit-on-error",
                    str(tmp_path / "database.dump")], check=True, capture_output=True)

    def psql(query: str) -> list[str]:
        run = subprocess.run([str(BIN_DIR / "psql"), *server, "-d", "kholuutru_plain", "-At", "-c", query],
                             check=True, capture_output=True, text=True)
        return run.stdout.split()

    assert psql("SELECT seq || ':' || hash FROM audit_head") == [
        f"{manifest['audit_head']['seq']}:{manifest['audit_head']['hash']}"]
    rows = [row.split(":") for row in psql("SELECT object_key || ':' || sha256 FROM document_files")]
    assert rows and len(rows) == int(psql("SELECT count(*) FROM document_files")[0])
    for key, sha256 in rows:
        assert hashlib.sha256((tmp_path / "objects" / key).read_bytes()).hexdigest() == sha256


def test_a_repository_on_the_document_storage_is_refused(cli, settings):
    inside = settings.model_copy(update={"backup_repository": str(Path(settings.data_dir) / "documents" / "repo")})
    refused = type(cli)(inside).json("backup", "run", exit_code=2)
    assert refused["field"] == "backup_repository" and "KHOLUUTRU_BACKUP_REPOSITORY" in refused["message"]
