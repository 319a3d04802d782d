"""Off-site targets with real restic: an S3 repository on moto's server and an SFTP repository on an OpenSSH server,
both on 127.0.0.1. Each: backup → verify (all data read) → drill passes."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from kholuutru.backups.drill import run_drill
from kholuutru.backups.errors import ToolFailed
from kholuutru.backups.run import run_backup
from kholuutru.backups.verify import verify_backup

CREDENTIALS = {"backup_s3_access_key_id": SecretStr("testing"), "backup_s3_secret_access_key": SecretStr("testing")}


def _backup_verify_drill(settings, database, storage) -> None:
    first = run_backup(settings, database, storage)
    second = run_backup(settings, database, storage)
    assert second.parent == first.snapshot_id and second.objects == first.objects
    verified = verify_backup(settings, None, "1/1")
    assert verified["ok"] and verified["snapshot_id"] == second.snapshot_id, verified
    drill = run_drill(settings, database)
    assert drill["verdict"] == "passed", drill["checks"]
    assert {c["check"]: c["result"] for c in drill["checks"]}["signatures"] == "passed"  # the demo's signed files


def test_s3_repository_on_moto(settings, database, archive, s3_endpoint, bucket):
    on_s3 = settings.model_copy(update={"backup_repository": f"s3:{s3_endpoint}/{bucket}/kholuutru", **CREDENTIALS})
    _backup_verify_drill(on_s3, database, archive)


def test_sftp_repository_on_a_local_openssh_server(settings, database, archive, sftp_server, data_dir):
    on_sftp = settings.model_copy(update={
        "backup_repository": f"sftp://{sftp_server.user}@127.0.0.1:{sftp_server.port}/{data_dir / 'sftp-repo'}",
        "backup_sftp_identity_file": sftp_server.identity_file,
        "backup_sftp_known_hosts_file": sftp_server.known_hosts_file,
    })
    _backup_verify_drill(on_sftp, database, archive)


def test_sftp_refuses_an_unknown_host_key(settings, database, archive, sftp_server, data_dir, tmp_path):
    stranger = tmp_path / "known_hosts"
    stranger.write_text("")
    on_sftp = settings.model_copy(update={
        "backup_repository": f"sftp://{sftp_server.user}@127.0.0.1:{sftp_server.port}/{data_dir / 'sftp-other'}",
        "backup_sftp_identity_file": sftp_server.identity_file,
        "backup_sftp_known_hosts_file": stranger,
    })
    with pytest.raises(ToolFailed):
        run_backup(on_sftp, database, archive)
