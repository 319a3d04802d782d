"""Repository settings without restic or a database: where backups go, what restic is told, and what is refused."""

from __future__ import annotations

import datetime as dt
import os
import socket
from pathlib import Path

import pytest
from pydantic import SecretStr

from kholuutru.archive.settings import Settings
from kholuutru.backups.errors import BadBackupSetting
from kholuutru.backups.repository import mask_credentials, open_repository, refuse_primary_storage
from kholuutru.backups.restic_runner import Restic, _stale
from kholuutru.backups.verify import todays_subset


@pytest.fixture
def base(tmp_path: Path) -> Settings:
    secret = tmp_path / "password"
    secret.write_text("s3cr3t-password\n")
    return Settings(data_dir=tmp_path / "data", backup_repository=str(tmp_path / "offsite"),
                    backup_password_file=secret)


def test_the_password_reaches_restic_only_as_a_file_in_its_environment(base):
    restic = Restic(open_repository(base))
    argv = " ".join(restic.argv("snapshots"))
    environment = restic.environment()
    assert "s3cr3t" not in argv and "s3cr3t" not in " ".join(environment.values())
    assert environment["RESTIC_PASSWORD_FILE"] == str(base.backup_password_file)
    assert environment["RESTIC_REPOSITORY"] == base.backup_repository


def test_a_set_repository_needs_a_password_file(tmp_path):
    with pytest.raises(BadBackupSetting) as refused:
        open_repository(Settings(data_dir=tmp_path, backup_repository=str(tmp_path / "offsite")))
    assert refused.value.field == "backup_password_file"


def test_the_default_repository_gets_a_generated_private_password(tmp_path):
    repository = open_repository(Settings(data_dir=tmp_path))
    assert repository.location == str(tmp_path / "backups")
    assert oct(repository.password_file.stat().st_mode & 0o777) == "0o600"
    assert open_repository(Settings(data_dir=tmp_path)).password_file.read_text() == \
        repository.password_file.read_text()


@pytest.mark.parametrize("location", ["{docs}/restic", "local:{docs}/sub/restic", "{docs}", "{data}"])
def test_a_local_repository_on_the_documents_folder_is_refused(base, location):
    docs = base.data_dir / "documents"
    with pytest.raises(BadBackupSetting) as refused:
        refuse_primary_storage(location.format(docs=docs, data=base.data_dir), base)
    assert refused.value.field == "backup_repository"


def test_s3_repository_independence_compares_endpoint_and_bucket(base):
    on_s3 = base.model_copy(update={"storage_url": "s3://docs?endpoint_url=http://minio:9000"})
    with pytest.raises(BadBackupSetting):
        refuse_primary_storage("s3:http://minio:9000/docs/restic", on_s3)
    refuse_primary_storage("s3:http://minio:9000/offsite/restic", on_s3)
    refuse_primary_storage("s3:https://backup.example.vn/docs/restic", on_s3)
    aws = base.model_copy(update={"storage_url": "s3://docs"})
    with pytest.raises(BadBackupSetting):
        refuse_primary_storage("s3:s3.amazonaws.com/docs", aws)


def test_s3_keys_go_to_restic_as_environment(base):
    with_keys = base.model_copy(update={"backup_repository": "s3:http://127.0.0.1:9/offsite",
                                        "backup_s3_access_key_id": SecretStr("AKID"),
                                        "backup_s3_secret_access_key": SecretStr("SECRET")})
    repository = open_repository(with_keys)
    assert repository.environment == {"AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "SECRET"}
    half = with_keys.model_copy(update={"backup_s3_secret_access_key": None})
    with pytest.raises(BadBackupSetting):
        open_repository(half)


def test_sftp_gets_a_strict_batch_ssh_command(base, tmp_path):
    key, known = tmp_path / "id", tmp_path / "known_hosts"
    key.write_text("key")
    known.write_text("")
    sftp = base.model_copy(update={"backup_repository": "sftp://backup@10.0.0.9:2222//srv/restic",
                                   "backup_sftp_identity_file": key, "backup_sftp_known_hosts_file": known})
    (flag, option), = [tuple(open_repository(sftp).options)]
    assert flag == "-o" and option.startswith("sftp.command=ssh backup@10.0.0.9 -p 2222 -i ")
    assert "StrictHostKeyChecking=yes" in option and "BatchMode=yes" in option and option.endswith("-s sftp")
    scp_like = base.model_copy(update={"backup_repository": "sftp:backup@10.0.0.9:/srv/restic"})
    assert "ssh backup@10.0.0.9 -o StrictHostKeyChecking=yes" in open_repository(scp_like).options[1]


def test_credentials_in_urls_are_masked():
    assert mask_credentials("rest:https://user:pw@host:8000/repo") == "rest:https://user:***@host:8000/repo"


def test_the_data_read_by_verify_rotates_over_a_week():
    days = [todays_subset(dt.date(2026, 11, 1) + dt.timedelta(days=n)) for n in range(7)]
    assert sorted(days) == [f"{n}/7" for n in range(1, 8)]


def test_stale_locks_are_those_of_dead_or_zombie_processes_of_this_host():
    here = socket.gethostname()
    assert _stale({"hostname": here, "pid": 2**22 + 12345})
    assert _stale({"hostname": here, "pid": os.getpid()}), "a live process that is not restic"
    assert not _stale({"hostname": "another-host", "pid": 1})


def test_a_lock_restic_was_killed_while_writing_is_removed_and_a_finished_one_is_not(base):
    # A restic killed in the very moment it writes its lock leaves its temporary file, or on a filesystem without
    # atomic renames a file it cannot read: restic's own unlock keeps either for ever. restic makes every finished
    # file read-only, so an unreadable writable lock is such a remnant.
    restic = Restic(open_repository(base))
    restic.initialise()
    locks = Path(base.backup_repository) / "locks"
    unfinished, damaged = locks / ("a" * 64), locks / ("b" * 64)
    unrenamed = locks / f"{'c' * 64}-tmp-3369451870"  # restic writes <id>-tmp-<n>, then renames it to <id>
    unfinished.write_bytes(b"")
    unrenamed.write_bytes(b"\0" * 17)
    damaged.write_bytes(b"\0" * 64)
    damaged.chmod(0o400)
    restic.clear_stale_locks()
    assert not unfinished.exists() and not unrenamed.exists()
    assert damaged.exists(), "an unreadable finished lock is damage for restic check, not removed silently"
