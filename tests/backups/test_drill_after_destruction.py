"""After a destruction the backup and the restore drill still pass: the manifest lists only the objects that remain,
and the restored database (tombstones, access grants and their row-level security included) matches the original."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from kholuutru.archive import access_requests, destruction, retention
from kholuutru.archive.access import Actor
from kholuutru.archive.access_request_models import AccessRequest
from kholuutru.archive.models import Account
from kholuutru.archive.retention_models import Tombstone
from kholuutru.archive.storage import open_storage
from kholuutru.backups.drill import run_drill
from kholuutru.backups.run import run_backup


def actor(session, username: str) -> Actor:
    account = session.scalars(select(Account).where(Account.username == username)).one()
    return Actor(account.id, account.username, account.unit_id, frozenset(role.name for role in account.roles))


def test_backup_and_drill_pass_after_a_destruction_and_a_grant(database, settings, archive):
    with database.session(Actor.system("test")) as session:
        staff, head = actor(session, "canbo"), actor(session, "lanhdao")
        request_id = session.scalar(select(AccessRequest.id).where(AccessRequest.state == "pending"))
    with database.session(staff) as session:
        [due] = retention.due_for_review(session, staff, staff.unit_id)
        batch = destruction.propose(session, staff, staff.unit_id, [due.dossier.id], "Hết thời hạn bảo quản")
        destruction.record_appraisal(session, staff, batch.id, {
            "council_members": "Hội đồng xác định giá trị tài liệu", "council_minutes_number": "01/BB",
            "council_date": dt.date.today(), "council_opinion": "Đồng ý hủy"})
    with database.session(head) as session:
        destruction.approve(session, head, batch.id, "09/QĐ-SNV", dt.date.today())
        access_requests.approve(session, head, request_id)
    with database.session(staff) as session:
        [tombstone] = destruction.destroy(session, staff, archive, batch.id, "02/BB-HTL")
        gone = [entry["object_key"] for entry in tombstone.objects]
    assert gone and not any(archive.exists(key) for key in gone)

    run_backup(settings, database, open_storage(settings))  # raises when the backup fails
    drill = run_drill(settings, database)
    assert drill["verdict"] == "passed", drill["checks"]
    with database.session(Actor.system("test")) as session:
        assert session.scalar(select(Tombstone.decision_number)) == "09/QĐ-SNV"
