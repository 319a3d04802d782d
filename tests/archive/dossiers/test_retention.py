"""Retention and destruction: expiry from the year the work ended, the review list, legal holds, and the destruction
workflow that deletes objects (never shared ones), keeps tombstones and leaves the audit chain whole."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from kholuutru.archive import audit, destruction, locations, retention, suspension
from kholuutru.archive.access import Actor
from kholuutru.archive.cli import main
from kholuutru.archive.document_files import object_key
from kholuutru.archive.dossier_models import Document, DocumentFile, Dossier
from kholuutru.archive.errors import Conflict, InvalidInput, PermissionDenied, PlatformSuspended
from kholuutru.archive.models import AuditEvent
from kholuutru.archive.retention_models import RetentionGroup, Tombstone
from kholuutru.archive.roles import RECORDS_STAFF, UNIT_HEAD
from kholuutru.backups.manifest import read_database

from .retention_support import archived_dossier, pdf_bytes

ADMIN = Actor.system("test")
APPRAISAL = {"council_members": "Ông A (Chủ tịch), Bà B, Ông C", "council_minutes_number": "05/BB-HĐXĐGTTL",
             "council_date": dt.date.today().isoformat(), "council_opinion": "Đồng ý hủy các hồ sơ hết giá trị."}


def test_expiry_counts_from_the_end_year_and_runs_to_the_end_of_that_year() -> None:
    dossier = Dossier(year=2014, end_date=dt.date(2015, 6, 30), retention_permanent=False, retention_years=10)
    assert retention.expiry_date(dossier) == dt.date(2025, 12, 31)
    assert not retention.is_expired(dossier, dt.date(2025, 12, 31))
    assert retention.is_expired(dossier, dt.date(2026, 1, 1))
    assert retention.expiry_date(Dossier(year=2014, end_date=None, retention_permanent=False,
                                         retention_years=5)) == dt.date(2019, 12, 31)
    assert retention.expiry_date(Dossier(year=2014, retention_permanent=True, retention_years=None)) is None


def test_the_schedule_holds_tt_10_2022_groups_and_only_the_system_admin_changes_it(database, province) -> None:
    with database.session(ADMIN) as session:
        groups = retention.list_groups(session)
        assert {"1.1", "3.2", "5.2"} <= {group.code for group in groups}
        assert next(g for g in groups if g.code == "1.1").permanent
        assert next(g for g in groups if g.code == "5.2").years == 10
        retention.save_group(session, ADMIN, {"code": "9.1", "group_name": "Tài liệu khác",
                                              "title": "Tài liệu tham khảo", "years": "5"})
        with pytest.raises(InvalidInput) as refused:
            retention.save_group(session, ADMIN, {"code": "9.2", "group_name": "X", "title": "Y", "years": "0"})
        assert refused.value.field == "years"
    head = province["A"].actor(UNIT_HEAD)
    with database.session(head) as session, pytest.raises(PermissionDenied):
        retention.save_group(session, head, {"code": "9.3", "group_name": "X", "title": "Y", "years": "5"})
    with database.session(ADMIN) as session:
        assert session.scalar(select(RetentionGroup.years).where(RetentionGroup.code == "9.1")) == 5


def test_permanent_and_held_dossiers_are_refused_from_destruction(database, province, factory, storage,
                                                                  settings) -> None:
    unit = province["A"]
    staff, head = unit.actor(RECORDS_STAFF), unit.actor(UNIT_HEAD)
    permanent = archived_dossier(database, factory, unit, storage, settings, pdf=pdf_bytes("perm"), years=None)
    held = archived_dossier(database, factory, unit, storage, settings, pdf=pdf_bytes("held"))
    recent = archived_dossier(database, factory, unit, storage, settings, pdf=pdf_bytes("recent"), end_year=2024)
    with database.session(head) as session:
        retention.set_legal_hold(session, head, held, "Đang thanh tra vụ việc 12/TTr")
    with database.session(staff) as session:
        due = {item.dossier.id: item for item in retention.due_for_review(session, staff, unit.id)}
    assert permanent not in due and recent not in due
    with database.session(staff) as session:  # 2010 + 10 years: kept through 31/12/2020, due from 1/1/2021
        assert held not in {i.dossier.id for i in retention.due_for_review(session, staff, unit.id,
                                                                           dt.date(2020, 12, 31))}
        assert held in {i.dossier.id for i in retention.due_for_review(session, staff, unit.id, dt.date(2021, 1, 1))}
    assert due[held].dossier.legal_hold
    for dossier_id, words in ((permanent, "vĩnh viễn"), (held, "đang bị giữ"), (recent, "chưa hết thời hạn")):
        with database.session(staff) as session, pytest.raises(Conflict) as refused:
            destruction.propose(session, staff, unit.id, [dossier_id], "Hồ sơ hết giá trị")
        assert words in refused.value.message_vi and refused.value.field == "dossier_ids"
    with database.session(ADMIN) as session:
        events = session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(held))).all()
        assert "dossier.legal_hold" in events


def test_a_hold_placed_after_the_proposal_stops_the_decision(database, province, factory, storage,
                                                             settings) -> None:
    unit = province["A"]
    staff, head = unit.actor(RECORDS_STAFF), unit.actor(UNIT_HEAD)
    dossier_id = archived_dossier(database, factory, unit, storage, settings, pdf=pdf_bytes("late hold"))
    with database.session(staff) as session:
        batch = destruction.propose(session, staff, unit.id, [dossier_id], "Hồ sơ hết giá trị")
        destruction.record_appraisal(session, staff, batch.id, APPRAISAL)
    with database.session(head) as session:
        retention.set_legal_hold(session, head, dossier_id, "Có đơn khiếu nại liên quan")
    with database.session(head) as session, pytest.raises(Conflict):
        destruction.approve(session, head, batch.id, "12/QĐ-SA", dt.date.today())
    with database.session(head) as session:
        retention.lift_legal_hold(session, head, dossier_id, "Đã giải quyết xong khiếu nại")
        destruction.approve(session, head, batch.id, "12/QĐ-SA", dt.date.today())


def test_no_proposal_or_hold_while_the_platform_is_suspended(database, province, factory, storage,
                                                            settings) -> None:
    unit = province["A"]
    staff, head = unit.actor(RECORDS_STAFF), unit.actor(UNIT_HEAD)
    dossier_id = archived_dossier(database, factory, unit, storage, settings, pdf=pdf_bytes("suspended"))
    with database.session(ADMIN) as session:
        suspension.suspend(session, ADMIN, "Sự cố an ninh đang xử lý")
    try:
        with database.session(staff) as session, pytest.raises(PlatformSuspended):
            destruction.propose(session, staff, unit.id, [dossier_id], "Hồ sơ hết giá trị")
        with database.session(head) as session, pytest.raises(PlatformSuspended):
            retention.set_legal_hold(session, head, dossier_id, "Thanh tra")
    finally:
        with database.session(ADMIN) as session:
            suspension.resume(session, ADMIN, "Đã khắc phục")


def test_only_the_head_decides_and_only_staff_propose(database, province, factory, storage, settings) -> None:
    unit = province["A"]
    staff, head = unit.actor(RECORDS_STAFF), unit.actor(UNIT_HEAD)
    dossier_id = archived_dossier(database, factory, unit, storage, settings, pdf=pdf_bytes("rights"))
    with database.session(head) as session, pytest.raises(PermissionDenied):
        destruction.propose(session, head, unit.id, [dossier_id], "Hồ sơ hết giá trị")
    other_staff = province["B"].actor(RECORDS_STAFF)
    with database.session(other_staff) as session, pytest.raises(PermissionDenied):
        destruction.propose(session, other_staff, unit.id, [dossier_id], "Hồ sơ hết giá trị")
    with database.session(staff) as session:
        batch = destruction.propose(session, staff, unit.id, [dossier_id], "Hồ sơ hết giá trị")
        with pytest.raises(InvalidInput) as refused:
            destruction.record_appraisal(session, staff, batch.id, {**APPRAISAL, "council_minutes_number": ""})
        assert refused.value.field == "council_minutes_number"
        destruction.record_appraisal(session, staff, batch.id, APPRAISAL)
        with pytest.raises(PermissionDenied):
            destruction.approve(session, staff, batch.id, "13/QĐ-SA", dt.date.today())
    with database.session(head) as session:
        destruction.reject(session, head, batch.id, "Cần xem lại giá trị lịch sử")
    with database.session(staff) as session:  # a rejected batch frees its dossiers for a later proposal
        destruction.propose(session, staff, unit.id, [dossier_id], "Đề nghị lại sau khi xem xét")


def test_destruction_deletes_objects_keeps_shared_ones_and_tombstones_and_audit_verifies(
        database, province, factory, storage, settings, superuser_engine) -> None:
    unit, other = province["A"], province["B"]
    staff, head = unit.actor(RECORDS_STAFF), unit.actor(UNIT_HEAD)
    own, shared = pdf_bytes("only here"), pdf_bytes("shared with unit B")
    doomed = archived_dossier(database, factory, unit, storage, settings, pdf=own)
    doomed_too = archived_dossier(database, factory, unit, storage, settings, pdf=shared)
    archived_dossier(database, factory, other, storage, settings, pdf=shared)
    with database.session(staff) as session:
        warehouse = locations.create_warehouse(session, staff, unit.id, code="K9", name="Kho 9")
        box = locations.create_box(session, staff, locations.create_shelf(session, staff, warehouse.id, code="01").id,
                                   code="01", capacity=5)
        locations.place_dossier(session, staff, doomed, box.id)
        batch = destruction.propose(session, staff, unit.id, [doomed, doomed_too], "Hết thời hạn 10 năm")
        destruction.record_appraisal(session, staff, batch.id, APPRAISAL)
    with database.session(head) as session:
        destruction.approve(session, head, batch.id, "15/QĐ-SA", dt.date.today())
    with database.session(head) as session, pytest.raises(PermissionDenied):
        destruction.destroy(session, head, storage, batch.id, "03/BB-HTL")
    with database.session(staff) as session:
        own_key = session.scalar(select(DocumentFile.object_key).join(Document).where(
            Document.dossier_id == doomed, DocumentFile.sha256 == hashlib.sha256(own).hexdigest()))
        made = destruction.destroy(session, staff, storage, batch.id, "03/BB-HTL")
    assert len(made) == 2
    assert own_key is not None and not storage.exists(own_key)
    shared_key = object_key(hashlib.sha256(shared).hexdigest())
    assert storage.exists(shared_key), "an object another unit's document references is kept"

    with database.session(ADMIN) as session:
        assert session.scalars(select(Document).where(Document.dossier_id.in_([doomed, doomed_too]))).all() == []
        assert session.get(Dossier, doomed).state == "destroyed" and session.get(Dossier, doomed).box_id is None
        tombstone = session.scalar(select(Tombstone).where(Tombstone.dossier_id == doomed))
        assert tombstone.decision_number == "15/QĐ-SA" and tombstone.destruction_minutes_number == "03/BB-HTL"
        assert tombstone.dossier_metadata["dossier"]["id"] == doomed
        assert tombstone.dossier_metadata["dossier"]["box_id"] == box.id
        assert {(o["object_key"], o["sha256"], o["size"]) for o in tombstone.objects} >= {
            (own_key, hashlib.sha256(own).hexdigest(), len(own))}
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "destruction_batch",
                                                                  AuditEvent.object_id == str(batch.id))).all()
        assert actions == ["destruction.propose", "destruction.appraise", "destruction.approve",
                           "destruction.destroy"]
        report = audit.verify(session)
        assert report.ok, report.problem
        with pytest.raises(Conflict):
            destruction.propose(session, ADMIN, unit.id, [doomed], "Hủy lại")
    with superuser_engine.connect() as connection:
        manifest, conflicting = read_database(connection)
        assert own_key not in {entry.key for entry in manifest.objects} and not conflicting
    with superuser_engine.begin() as connection, pytest.raises(DBAPIError, match="kept forever"):
        connection.execute(text("DELETE FROM destruction_tombstones"))
    with database.session(ADMIN) as session, pytest.raises(DBAPIError, match="permission denied"):
        session.execute(text("DELETE FROM destruction_tombstones"))


def test_the_command_line_lists_due_dossiers_and_writes_the_access_report(database, province, factory, storage,
                                                                          settings, tmp_path) -> None:
    dossier_id = archived_dossier(database, factory, province["A"], storage, settings, pdf=pdf_bytes("cli"))
    environment = {"KHOLUUTRU_DATA_DIR": str(tmp_path), "KHOLUUTRU_DATABASE_URL": database.app_url,
                   "KHOLUUTRU_DATABASE_OWNER_URL": database.owner_url}

    def run(*args: str):
        return CliRunner().invoke(main, list(args), env=environment, catch_exceptions=False)

    due = run("retention", "due", "--unit", "000.00.01.H47", "--json")
    assert due.exit_code == 0, due.output
    assert dossier_id in {item["id"] for item in json.loads(due.stdout)["due"]}
    workbook = tmp_path / "khai-thac.xlsx"
    report = run("access-report", "--start", "2026-01-01", "--end", "2026-12-31", "--output", str(workbook),
                 "--json")
    assert report.exit_code == 0 and json.loads(report.stdout)["ok"] and workbook.read_bytes()[:2] == b"PK"
    refused = run("access-report", "--start", "hôm qua", "--end", "2026-12-31", "--json")
    assert refused.exit_code == 2 and json.loads(refused.stdout)["field"] == "start"
