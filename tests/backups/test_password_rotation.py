"""``kholuutru backup rotate-password``: a new restic key for the new password, the old password's key removed —
the old password no longer opens the repository, the new one opens every backup, and the change is audited."""

from __future__ import annotations

import os
import subprocess

from sqlalchemy import select

from kholuutru.archive.access import Actor
from kholuutru.archive.models import AuditEvent


def opens(repository: str, password_file) -> subprocess.CompletedProcess:
    environment = {**os.environ, "RESTIC_REPOSITORY": repository, "RESTIC_PASSWORD_FILE": str(password_file)}
    return subprocess.run(["restic", "snapshots", "--no-lock", "--json"], env=environment, capture_output=True,
                          text=True)


def test_the_old_password_stops_working_and_the_new_one_opens_every_backup(cli, archive, settings, database,
                                                                           password_file, data_dir):
    backup = cli.json("backup", "run")
    new_password = data_dir / "new-password"
    new_password.write_text("mot-mat-khau-moi-dai-va-kho-doan\n")
    rotated = cli.json("backup", "rotate-password", "--new-password-file", str(new_password))
    assert rotated["ok"] and rotated["removed_key"] != rotated["added_key"] and rotated["keys"] == 1
    assert rotated["password_file"] == str(new_password)

    refused = opens(settings.backup_repository, password_file)
    assert refused.returncode != 0 and "wrong password" in refused.stderr
    assert backup["snapshot_id"] in opens(settings.backup_repository, new_password).stdout
    assert cli.json("backup", "list", exit_code=1)["ok"] is False  # still configured with the old password
    rotated_cli = type(cli)(settings.model_copy(update={"backup_password_file": new_password}))
    assert backup["snapshot_id"] in [s["id"] for s in rotated_cli.json("backup", "list")["snapshots"]]
    assert rotated_cli.json("backup", "verify")["ok"]

    with database.session(Actor.system("test")) as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "backup.rotate_password")).one()
    assert event.details["removed_key"] == rotated["removed_key"] and event.details["keys"] == 1


def test_a_new_password_that_is_the_old_one_or_unreadable_is_refused(cli, settings, password_file, data_dir):
    same = cli.json("backup", "rotate-password", "--new-password-file", str(password_file), exit_code=2)
    assert same["field"] == "new_password_file"
    missing = cli.json("backup", "rotate-password", "--new-password-file", str(data_dir / "none"), exit_code=2)
    assert missing["field"] == "new_password_file"
