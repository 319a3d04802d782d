"""The backups page over real records: one real backup (restic on a local repository) and one real drill, started
with the page's button while the platform is suspended (invariant 4), followed to its end through the status JSON.

The module's settings point at a folder of our own, traversable by the unprivileged user the drill's scratch
PostgreSQL runs as when the tests run as root (pytest's temporary folders are not).
"""

from __future__ import annotations

import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from console_support import csrf_token, login, text
from sqlalchemy import func, select
from sqlalchemy import text as sql

from kholuutru.archive import suspension
from kholuutru.archive.access import Actor
from kholuutru.archive.backup_models import BackupOperation, BackupRun, RestoreDrill
from kholuutru.archive.database import Database
from kholuutru.archive.settings import Settings
from kholuutru.backups import operations

SYSTEM = Actor.system("test")
PAGE = "/backups/"
TITLE = "Sao lưu và diễn tập phục hồi"
BUTTON = "Chạy diễn tập phục hồi"


@pytest.fixture(scope="module")
def data_dir() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="kholuutru-console-bk-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def settings(database: Database, data_dir: Path) -> Settings:
    """This module's database, documents in our folder, a local restic repository beside them, no schedule."""
    password = data_dir / "restic-password"
    password.write_text("correct horse battery staple\n")
    password.chmod(0o600)
    return Settings(data_dir=data_dir / "data", database_url=database.app_url, database_owner_url=database.owner_url,
                    backup_repository=str(data_dir / "repository"), backup_password_file=password,
                    backup_schedule="", drill_schedule="")


@pytest.fixture(scope="module")
def backed_up(settings, database, storage, demo) -> int:
    """The demo archive backed up once, through the schedule's code path."""
    operation_id = operations.run_now(settings, database, storage, "backup", SYSTEM)
    assert operation_id is not None
    return operation_id


def wait_for_drill(client) -> dict[str, Any]:
    deadline = time.monotonic() + 600
    while True:
        status = client.get(f"{PAGE}status").get_json()["drill"]
        if status["state"] != "running":
            return status
        assert time.monotonic() < deadline, status
        time.sleep(0.5)


@pytest.fixture(scope="module")
def drilled(app, demo, backed_up, database) -> dict[str, Any]:
    """The operator presses the drill button while the platform is suspended; the drill's final status."""
    client = app.test_client()
    login(client, "trucvanhanh", demo["trucvanhanh"])
    token = csrf_token(client, PAGE)
    with database.session(SYSTEM) as session:
        suspension.suspend(session, SYSTEM, "Sự cố an ninh mạng")
    try:
        answer = client.post(f"{PAGE}drill", data={"csrf_token": token})
        assert answer.status_code == 302, text(answer)[:500]
        assert client.get(f"{PAGE}status").get_json()["drill"]["state"] in ("running", "succeeded")
        status = wait_for_drill(client)
    finally:
        with database.session(SYSTEM) as session:
            suspension.resume(session, SYSTEM, "Đã xử lý xong")
    return status


def test_the_drill_started_while_suspended_passes_and_is_recorded(drilled, database):
    assert drilled["state"] == "succeeded", drilled
    assert drilled["requested_by"] == "trucvanhanh" and drilled["result"]["verdict"] == "passed"
    with database.session(SYSTEM) as session:
        drill = session.scalar(select(RestoreDrill))
        assert session.scalar(select(func.count()).select_from(RestoreDrill)) == 1
        assert drill.verdict == "passed" and drill.snapshot_id == drilled["result"]["snapshot_id"]
        assert session.scalar(select(BackupRun.verdict)) == "succeeded"
    assert {check["check"]: check["result"] for check in drilled["result"]["checks"]}["audit_chain"] == "passed"


@pytest.mark.parametrize("username", ["admin", "trucvanhanh", "thanhtra"])
def test_the_page_in_vietnamese_for_admin_operator_and_inspector(client_as, drilled, username):
    client = client_as(username)
    page = text(client.get(PAGE))
    assert TITLE in page and "RPO gần nhất" in page and "RTO gần nhất" in page
    assert f'href="{PAGE}"' in text(client.get("/")), "the menu entry"
    for chart in ("size", "duration", "rto"):
        assert re.search(rf'<svg id="kholuutru-chart-{chart}"[^>]*>.*?<circle', page, re.S), chart
    drills = page[page.index('id="kholuutru-drills"'):page.index('id="kholuutru-backup-runs"')]
    assert 'data-result="passed"' in drills and "Chuỗi nhật ký kiểm tra" in drills and "Đạt" in drills
    # the demo's documents are signed, so the drill validated their signatures again on the restored bytes
    assert re.search(r'<li data-check="signatures"><span [^>]*data-result="passed">Đạt</span>[^<]*<small>30 signatures '
                     r'in 20 files', drills), drills
    assert 'data-result="succeeded"' in page[page.index('id="kholuutru-backup-runs"'):]
    assert (BUTTON in page) == (username != "thanhtra"), "inspectors read, they do not start drills"


def test_staff_get_403_and_no_menu_entry(client_as, csrf_token):
    staff = client_as("canbo")
    assert staff.get(PAGE).status_code == 403
    assert staff.get(f"{PAGE}status").status_code == 403
    assert f'href="{PAGE}"' not in text(staff.get("/"))
    inspector = client_as("thanhtra")
    token = csrf_token(inspector, "/resetmypassword/form")  # a form every role has: the page shows it none
    answer = inspector.post(f"{PAGE}drill", data={"csrf_token": token})
    assert answer.status_code == 403


def test_a_drill_already_running_elsewhere_is_not_started_twice(client_as, csrf_token, database, drilled):
    """Another console holds the drill's advisory lock: the button says so and starts nothing."""
    operator = client_as("trucvanhanh")
    token = csrf_token(operator, PAGE)
    with database.engine.connect() as other_console:
        other_console.execute(sql("SELECT pg_advisory_lock(:c, :k)"),
                              {"c": operations.LOCK_CLASS, "k": operations.LOCK_KEYS["drill"]})
        try:
            answer = operator.post(f"{PAGE}drill", data={"csrf_token": token}, follow_redirects=True)
        finally:
            other_console.execute(sql("SELECT pg_advisory_unlock_all()"))
    assert "đang chạy" in text(answer)
    with database.session(SYSTEM) as session:
        assert session.scalar(select(func.count()).select_from(BackupOperation)
                              .where(BackupOperation.kind == "drill")) == 1


def test_metrics_expose_the_backup_and_drill_gauges(client, drilled):
    exposition = text(client.get("/metrics"))
    assert re.search(r"^kholuutru_backup_last_success_timestamp_seconds \d", exposition, re.M)
    assert re.search(r"^kholuutru_drill_last_passed 1\.0$", exposition, re.M)
    assert re.search(r"^kholuutru_drill_last_rto_seconds \d", exposition, re.M)

