"""The drill's scratch cluster: made once, reused by every later drill, and emptied of the restored database after
each; a drill on the reused cluster still catches an object whose bytes differ from the manifest."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from kholuutru.archive.database import DATABASE_NAME
from kholuutru.archive.embedded_postgres import EmbeddedPostgres, scratch_cluster_name
from kholuutru.backups.workspace import staging_root

MARKER = "left-by-the-test"


@pytest.fixture(scope="module")
def own(cli, settings, data_dir, archive):
    """The command line on a repository of this module's own, holding one backup of the demo archive."""
    own = type(cli)(settings.model_copy(update={"backup_repository": str(data_dir / "drill-scratch-repository")}))
    own.json("backup", "run")
    return own


def _drill_folder(settings) -> Path:
    return staging_root(settings) / "drill"


def _databases_in(cluster: EmbeddedPostgres) -> set[str]:
    """The databases of the stopped cached cluster, read by starting it for a moment."""
    cluster.start()
    try:
        engine = create_engine(cluster.url(), poolclass=NullPool)
        try:
            with engine.connect() as connection:
                return set(connection.execute(text("SELECT datname FROM pg_database")).scalars())
        finally:
            engine.dispose()
    finally:
        cluster.stop()


def test_drills_reuse_one_scratch_cluster_and_leave_no_restored_database(own, settings):
    assert own.json("drill", "run")["verdict"] == "passed"
    folder = _drill_folder(settings)
    assert [entry.name for entry in folder.iterdir()] == [scratch_cluster_name()], "only the empty cluster stays"
    cluster = EmbeddedPostgres.cached_scratch(folder, settings.embedded_db_user)
    assert not (cluster.pgdata / "postmaster.pid").exists(), "the scratch server is stopped"
    (cluster.root / MARKER).write_text("a new cluster would not have this file")

    assert own.json("drill", "run")["verdict"] == "passed"
    assert (cluster.root / MARKER).is_file(), "the second drill started the same cluster instead of a new one"
    assert DATABASE_NAME not in _databases_in(cluster)


def test_a_snapshot_whose_object_differs_from_its_manifest_fails_the_drill(own, settings, tmp_path):
    """A snapshot made with plain restic from a restored one, one object's bytes changed, the manifest as it was."""
    environment = {**os.environ, "RESTIC_REPOSITORY": str(own.settings.backup_repository),
                   "RESTIC_PASSWORD_FILE": str(settings.backup_password_file)}
    subprocess.run(["restic", "restore", "latest", "--target", str(tmp_path)], env=environment, check=True,
                   capture_output=True)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    victim = manifest["objects"][len(manifest["objects"]) // 2]["key"]
    path = tmp_path / "objects" / victim
    path.chmod(0o600)
    content = bytearray(path.read_bytes())
    content[len(content) // 2] ^= 0xFF
    path.write_bytes(bytes(content))
    subprocess.run(["restic", "backup", "--tag=kholuutru", "--tag=manifest-v1", "--", "manifest.json",
                    "database.dump", "objects"], cwd=tmp_path, env=environment, check=True, capture_output=True)
    cluster = EmbeddedPostgres.cached_scratch(_drill_folder(settings), settings.embedded_db_user)
    (cluster.root / MARKER).write_text("present before this drill")

    drill = own.json("drill", "run", exit_code=1)
    results = {check["check"]: check for check in drill["checks"]}
    assert drill["verdict"] == "failed" and results["objects"]["result"] == "failed"
    assert victim in results["objects"]["detail"]
    assert [problem["key"] for problem in results["objects"]["problems"]] == [victim]
    assert results["database"]["result"] == "passed" and results["audit_chain"]["result"] == "passed"
    assert (cluster.root / MARKER).is_file() and DATABASE_NAME not in _databases_in(cluster)
