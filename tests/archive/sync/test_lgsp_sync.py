"""LGSP synchronisation against the stand-in server: idempotent upserts, resuming from the cursor after LGSP fails,
malformed records held for review with their reasons, token renewal and suspension."""

from __future__ import annotations

import pytest
from lgsp_samples import UNIT_B, dossier_record, procedure_record, staff_record
from sqlalchemy import func, select

from kholuutru.archive import lgsp_sync, suspension
from kholuutru.archive.access import Actor
from kholuutru.archive.dossier_models import Dossier
from kholuutru.archive.errors import PermissionDenied, PlatformSuspended
from kholuutru.archive.models import Account, Fonds
from kholuutru.archive.roles import RECORDS_STAFF, UNIT_ADMIN
from kholuutru.archive.sync_models import Procedure, SyncCursor, SyncReview, SyncRun

ADMIN = Actor.system("test")
COUNTS = ("fetched", "created", "updated", "unchanged", "rejected")


def counts(summary: lgsp_sync.SyncSummary) -> tuple[int, ...]:
    return tuple(getattr(summary, key) for key in COUNTS)


def open_reviews(database, feed: str) -> dict[str, list[str | None]]:
    """Open review entries of a feed: record key → the LGSP fields named by its reasons."""
    with database.session(ADMIN) as session:
        return {entry.record_key: [reason["field"] for reason in entry.reasons]
                for entry in lgsp_sync.list_reviews(session, ADMIN) if entry.feed == feed}


def test_procedures_a_second_run_of_the_same_data_changes_nothing(database, province, lgsp, sync_settings, events):
    lgsp.feeds["procedures"] = [procedure_record(n) for n in range(1, 8)]
    issued = lgsp.tokens_issued
    first = lgsp_sync.run(database, sync_settings, "procedures")
    assert (first.state, counts(first), first.pages) == ("succeeded", (7, 7, 0, 0, 0), 3)
    assert lgsp.tokens_issued == issued + 1, "one token for every page of the run, until it expires"
    assert first.cursor_before is None and first.cursor_after == "c7"

    before = events()
    incremental = lgsp_sync.run(database, sync_settings, "procedures")
    assert (incremental.cursor_before, counts(incremental)) == ("c7", (0, 0, 0, 0, 0))
    full = lgsp_sync.run(database, sync_settings, "procedures", full=True)
    assert (full.state, counts(full)) == ("succeeded", (7, 0, 0, 7, 0))
    assert events() == before, "records received again write nothing, not even an audit event"

    lgsp.feeds["procedures"].append(procedure_record(3, TenTTHC="Thủ tục số 3 (sửa đổi)"))
    changed = lgsp_sync.run(database, sync_settings, "procedures")
    assert counts(changed) == (1, 0, 1, 0, 0)
    assert events() == before + 1
    with database.session(ADMIN) as session:
        row = session.scalar(select(Procedure).where(Procedure.external_id == "TTHC-3"))
        assert (row.code, row.name, row.results[0]["code"]) == ("1.005003", "Thủ tục số 3 (sửa đổi)", "KQ01")
        assert session.scalar(select(func.count()).select_from(Procedure)) == 7


def test_dossiers_arrive_as_drafts_and_malformed_ones_wait_for_review_with_reasons(
        database, province, lgsp, sync_settings, events):
    lgsp.feeds["dossiers"] = [
        dossier_record(1), dossier_record(2),
        dossier_record(3, MaHoSo=None),                                   # no identifier
        dossier_record(1),                                                # duplicate across pages
        dossier_record(4, NgayTiepNhan="2026-05-01", NgayTra="20261301000000"),  # two bad dates
        dossier_record(5, DonViXuLy="000.00.99.H47"),                     # unknown unit
        dossier_record(6, DonViXuLy=UNIT_B),                              # unit without an open fonds
        "not an object",
        dossier_record(7, MaTTHC="TTHC-7"),
    ]
    summary = lgsp_sync.run(database, sync_settings, "dossiers")
    assert (summary.state, counts(summary)) == ("succeeded", (9, 2, 0, 1, 6))

    with database.session(ADMIN) as session:
        drafts = session.scalars(select(Dossier).where(Dossier.procedure_dossier_code.is_not(None))).all()
        assert {(d.procedure_dossier_code, d.state, d.unit_id) for d in drafts} == {
            ("000.00.01.H47-260501-0001", "draft", province.a), ("000.00.01.H47-260501-0002", "draft", province.a)}
        first = next(d for d in drafts if d.procedure_dossier_code.endswith("0001"))
        assert (first.procedure_code, first.applicant, str(first.received_on), str(first.returned_on),
                first.number_symbol, first.year) == ("1.005129", "Nguyễn Thị Hồng 1", "2026-05-01", "2026-05-03",
                                                     "260501-0001", 2026)
        assert "Giấy chứng nhận đăng ký hộ kinh doanh [KQ01]" in first.note

    reviews = open_reviews(database, "dossiers")
    by_external = {key: fields for key, fields in reviews.items() if not key.startswith("sha256:")}
    assert by_external == {
        "000.00.01.H47-260501-0004": ["NgayTiepNhan", "NgayTra"],
        "000.00.01.H47-260501-0005": ["DonViXuLy"],
        "000.00.01.H47-260501-0006": ["fonds_id"],
        "000.00.01.H47-260501-0007": ["MaTTHC"],
    }
    assert {tuple(fields) for key, fields in reviews.items() if key.startswith("sha256:")} == {(None,), ("MaHoSo",)}
    with database.session(ADMIN) as session:
        entry = session.scalar(select(SyncReview).where(SyncReview.record_key == "000.00.01.H47-260501-0006"))
        assert entry.unit_id == province.b, "a held record of a known unit is shown to that unit's admin"
        assert "phông" in entry.reasons[0]["vi"] and "fonds" in entry.reasons[0]["en"]

    before = events()
    again = lgsp_sync.run(database, sync_settings, "dossiers", full=True)
    assert counts(again) == (9, 0, 0, 3, 6)
    assert events() == before
    assert open_reviews(database, "dossiers") == reviews, "held records are not held twice"


def test_a_500_mid_page_is_retried_and_a_run_that_gives_up_resumes_from_the_cursor(
        database, province, lgsp, sync_settings):
    lgsp.feeds["users"] = [staff_record(n) for n in range(1, 10)]
    lgsp.faults.errors[("users", "c3")] = 1  # once: the retry gets the page
    first = lgsp_sync.run(database, sync_settings, "users")
    assert (first.state, counts(first)) == ("succeeded", (9, 9, 0, 0, 0))
    assert lgsp.page_requests("users")[1:3] == [("c3", 500), ("c3", 200)]

    lgsp.feeds["users"] += [staff_record(n) for n in range(10, 17)]
    lgsp.faults.errors[("users", "c12")] = 10  # more than the retries: the run stops after page c9
    del lgsp.requests[:]
    stopped = lgsp_sync.run(database, sync_settings, "users")
    assert (stopped.state, counts(stopped), stopped.cursor_after) == ("failed", (3, 3, 0, 0, 0), "c12")
    assert "500" in stopped.error
    with database.session(ADMIN) as session:
        assert session.get(SyncCursor, "users").cursor == "c12", "the cursor stays after the last committed page"
        run = session.get(SyncRun, stopped.run_id)
        assert (run.state, run.created, run.cursor_after) == ("failed", 3, "c12")

    lgsp.faults.errors.clear()
    del lgsp.requests[:]
    resumed = lgsp_sync.run(database, sync_settings, "users")
    assert (resumed.state, resumed.cursor_before, counts(resumed)) == ("succeeded", "c12", (4, 4, 0, 0, 0))
    assert lgsp.page_requests("users")[0] == ("c12", 200), "the next run starts where the last one stopped"
    with database.session(ADMIN) as session:
        accounts = session.scalars(select(Account).where(Account.email.like("canbo%@quangnam.gov.vn"))).all()
        assert len(accounts) == 16, "no record was taken twice"
        assert all(not a.active and a.password is None and not a.roles and a.unit_id == province.a
                   for a in accounts), "synced accounts wait, locked, for the unit admin"


def test_a_timeout_is_retried(database, province, lgsp, sync_settings):
    lgsp.feeds["procedures"].append(procedure_record(20))
    with database.session(ADMIN) as session:
        cursor = session.get(SyncCursor, "procedures").cursor
    lgsp.faults.delays[("procedures", cursor)] = 1
    del lgsp.requests[:]
    summary = lgsp_sync.run(database, sync_settings, "procedures")
    assert (summary.state, counts(summary)) == ("succeeded", (1, 1, 0, 0, 0))
    assert lgsp.page_requests("procedures") == [(cursor, 0), (cursor, 200)], "timed out once, then answered"


def test_a_revoked_token_is_renewed_once(database, province, lgsp, sync_settings):
    lgsp.feeds["users"][0] = staff_record(1, ChucVu="Trưởng phòng")
    issued = lgsp.tokens_issued
    lgsp.revoke_tokens()
    summary = lgsp_sync.run(database, sync_settings, "users", full=True)
    assert (summary.state, counts(summary)) == ("succeeded", (16, 0, 1, 15, 0))
    assert lgsp.tokens_issued == issued + 1
    with database.session(ADMIN) as session:
        assert session.scalar(select(Account.position).where(Account.email == "canbo1@quangnam.gov.vn")) \
            == "Trưởng phòng"


def test_users_of_unknown_units_are_held(database, province, lgsp, sync_settings):
    lgsp.feeds["users"].append(staff_record(50, MaDinhDanhDonVi="000.00.77.H47", Email="not-an-address"))
    summary = lgsp_sync.run(database, sync_settings, "users")
    assert counts(summary) == (1, 0, 0, 0, 1)
    assert open_reviews(database, "users") == {"CB0050": ["Email"]}


def test_review_entries_are_dismissed_or_retried_by_the_unit_admin(database, province, lgsp, sync_settings, events):
    unit_admin_b = Actor(user_id=9001, username="admin-b", unit_id=province.b, roles=frozenset({UNIT_ADMIN}))
    staff_b = Actor(user_id=9002, username="staff-b", unit_id=province.b, roles=frozenset({RECORDS_STAFF}))
    with database.session(unit_admin_b) as session:
        held = lgsp_sync.list_reviews(session, unit_admin_b)
        assert [entry.record_key for entry in held] == ["000.00.01.H47-260501-0006"], "only the unit's own"
        held_id = held[0].id
    with database.session(staff_b) as session, pytest.raises(PermissionDenied):
        lgsp_sync.dismiss_review(session, staff_b, held_id)

    with database.session(ADMIN) as session:
        session.add(Fonds(unit_id=province.b, code="F02", name="Phông Sở Tư pháp", is_open=True))
    before = events()
    lgsp_sync.retry_review(database, sync_settings, unit_admin_b, held_id)
    with database.session(ADMIN) as session:
        entry = session.get(SyncReview, held_id)
        assert (entry.resolution, entry.resolved_by) == ("applied", "system:sync")
        dossier = session.scalar(select(Dossier).where(
            Dossier.procedure_dossier_code == "000.00.01.H47-260501-0006"))
        assert (dossier.unit_id, dossier.state) == (province.b, "draft")
    assert events() == before + 2, "the dossier created and the entry resolved, one event each"

    reviews = open_reviews(database, "dossiers")
    with database.session(ADMIN) as session:
        not_an_object = next(e.id for e in lgsp_sync.list_reviews(session, ADMIN) if e.payload == "not an object")
    lgsp_sync.retry_review(database, sync_settings, ADMIN, not_an_object)
    assert open_reviews(database, "dossiers") == reviews, "a retry that fails again keeps the same entry"

    with database.session(ADMIN) as session:
        other = next(e for e in lgsp_sync.list_reviews(session, ADMIN) if e.record_key.endswith("0005"))
        lgsp_sync.dismiss_review(session, ADMIN, other.id)
    lgsp_sync.run(database, sync_settings, "dossiers", full=True)
    assert "000.00.01.H47-260501-0005" not in open_reviews(database, "dossiers"), "dismissed stays dismissed"


def test_suspension_refuses_synchronisation(database, province, lgsp, sync_settings):
    with database.session(ADMIN) as session:
        suspension.suspend(session, ADMIN, "Sự cố an ninh")
        runs = session.scalar(select(func.count()).select_from(SyncRun))
    try:
        with pytest.raises(PlatformSuspended, match="suspended"):
            lgsp_sync.run(database, sync_settings, "dossiers")
    finally:
        with database.session(ADMIN) as session:
            suspension.resume(session, ADMIN, "Đã khắc phục")
    with database.session(ADMIN) as session:
        assert session.scalar(select(func.count()).select_from(SyncRun)) == runs


def test_a_suspension_during_a_run_stops_it_after_the_committed_pages(database, province, lgsp, sync_settings):
    lgsp.feeds["procedures"] += [procedure_record(n) for n in range(30, 36)]
    with database.session(ADMIN) as session:
        start = session.get(SyncCursor, "procedures").cursor

    def suspend_after_first_page(summary: lgsp_sync.SyncSummary) -> None:
        if summary.pages == 1:
            with database.session(ADMIN) as session:
                suspension.suspend(session, ADMIN, "Sự cố an ninh")

    try:
        summary = lgsp_sync.run(database, sync_settings, "procedures", progress=suspend_after_first_page)
    finally:
        with database.session(ADMIN) as session:
            suspension.resume(session, ADMIN, "Đã khắc phục")
    assert (summary.state, summary.created, summary.pages) == ("failed", 3, 1)
    assert "suspended" in summary.error or "tạm dừng" in summary.error
    with database.session(ADMIN) as session:
        assert session.get(SyncCursor, "procedures").cursor == f"c{int(start[1:]) + 3}"
    resumed = lgsp_sync.run(database, sync_settings, "procedures")
    assert (resumed.state, resumed.created) == ("succeeded", 3)


def test_only_the_system_administrator_runs_a_synchronisation(database, province, sync_settings):
    unit_admin = Actor(user_id=9003, username="admin-a", unit_id=province.a, roles=frozenset({UNIT_ADMIN}))
    with pytest.raises(PermissionDenied):
        lgsp_sync.run(database, sync_settings, "users", actor=unit_admin)



def test_a_run_left_running_by_a_killed_process_is_marked_failed_by_the_next(database, province, sync_settings):
    with database.session(ADMIN) as session:
        stale = SyncRun(feed="users", state="running", requested_by="system:sync", fetched=0, created=0, updated=0,
                        unchanged=0, rejected=0, pages=0)
        session.add(stale)
        session.flush()
        stale_id = stale.id
    assert lgsp_sync.run(database, sync_settings, "users").state == "succeeded"
    with database.session(ADMIN) as session:
        row = session.get(SyncRun, stale_id)
        assert (row.state, row.error) == ("failed", "Bị ngắt giữa chừng / interrupted")
