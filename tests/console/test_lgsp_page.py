"""The LGSP synchronisation page and the ``procedures`` REST resource, against the LGSP stand-in on 127.0.0.1: the
system administrator starts a run with the button and sees its counts, the unit admin handles the held records of
their own unit, other roles are refused, and the button is refused while the platform is suspended."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from console_support import csrf_token, text
from lgsp_samples import UNIT_A, dossier_record, procedure_record
from lgsp_standin import CLIENT_ID, CLIENT_SECRET, LgspStandIn
from sqlalchemy import select

from kholuutru.archive import lgsp_sync
from kholuutru.archive.access import Actor
from kholuutru.archive.settings import Settings
from kholuutru.archive.sync_models import SyncReview, SyncRun

SYSTEM = Actor.system("test")
PAGE = "/lgsp/"


@pytest.fixture(scope="module")
def lgsp() -> Iterator[LgspStandIn]:
    server = LgspStandIn().start()
    server.feeds["procedures"] = [procedure_record(n) for n in range(1, 4)]
    server.feeds["dossiers"] = [dossier_record(1, DonViXuLy="000.00.99.H47"),
                                dossier_record(2, NgayTiepNhan="01/05/2026")]
    yield server
    server.stop()


@pytest.fixture(scope="module")
def settings(database, lgsp, tmp_path_factory) -> Settings:
    data_dir = tmp_path_factory.mktemp("data")
    secret = data_dir / "lgsp-secret"
    secret.write_text(CLIENT_SECRET)
    return Settings(data_dir=data_dir, database_url=database.app_url, database_owner_url=database.owner_url,
                    lgsp_base_url=lgsp.base_url, lgsp_client_id=CLIENT_ID, lgsp_client_secret_file=secret,
                    backup_schedule="", drill_schedule="")


@pytest.fixture(scope="module")
def synced(app, database, settings) -> lgsp_sync.SyncSummary:
    """The dossiers feed synchronised once: one dossier for an unknown unit, one with a bad date of unit A."""
    return lgsp_sync.run(database, settings, "dossiers")


def finished_run(database, feed: str) -> SyncRun:
    """Wait for the newest run of ``feed`` (started in the console's background thread) to end."""
    for _ in range(600):
        with database.session(SYSTEM) as session:
            run = session.scalar(select(SyncRun).where(SyncRun.feed == feed).order_by(SyncRun.id.desc()).limit(1))
            if run is not None and run.state != "running":
                return run
        time.sleep(0.1)
    raise AssertionError(f"the {feed} run did not end")


def test_the_system_administrator_starts_a_run_and_sees_its_counts(client_as, database, synced):
    admin = client_as("admin")
    page = text(admin.get(PAGE))
    assert "Đồng bộ LGSP" in page and "Danh mục thủ tục hành chính" in page and "Đồng bộ ngay" in page
    answer = admin.post(f"{PAGE}run/procedures", data={"csrf_token": csrf_token(admin, PAGE)})
    assert answer.status_code == 302
    run = finished_run(database, "procedures")
    assert (run.state, run.created, run.requested_by) == ("succeeded", 3, "admin")
    page = text(admin.get(PAGE))
    assert f'data-run-id="{run.id}"' in page and "Thành công" in page
    assert "Không có đơn vị mã định danh 000.00.99.H47." in page, "every held record, with its reason"


def test_the_unit_admin_sees_and_dismisses_the_held_records_of_their_unit(client_as, database, synced):
    unit_admin = client_as("qtdonvi")
    page = text(unit_admin.get(PAGE))
    assert "NgayTiepNhan" in page and "000.00.99.H47" not in page, "only the records of the admin's own unit"
    assert "Đồng bộ ngay" not in page
    with database.session(SYSTEM) as session:
        entry = session.scalar(select(SyncReview).where(SyncReview.external_id == f"{UNIT_A}-260501-0002"))
    token = csrf_token(unit_admin, PAGE)
    assert unit_admin.post(f"{PAGE}run/dossiers", data={"csrf_token": token}).status_code == 403
    answer = unit_admin.post(f"{PAGE}reviews/{entry.id}/dismiss", data={"csrf_token": token},
                             follow_redirects=True)
    assert "Đã bỏ qua bản ghi." in text(answer)
    with database.session(SYSTEM) as session:
        assert session.get(SyncReview, entry.id).resolution == "dismissed"


def test_other_roles_are_refused(client_as):
    assert client_as("canbo").get(PAGE).status_code == 403


def test_the_button_is_refused_while_suspended(client_as, database, suspended):
    admin = client_as("admin")
    answer = admin.post(f"{PAGE}run/users", data={"csrf_token": csrf_token(admin, PAGE)})
    assert answer.status_code == 503 and suspended in text(answer)
    with database.session(SYSTEM) as session:
        assert session.scalar(select(SyncRun).where(SyncRun.feed == "users")) is None


def test_procedures_are_a_rest_resource(client, api_token, database, settings, demo):
    lgsp_sync.run(database, settings, "procedures", full=True)
    headers = {"Authorization": f"Bearer {api_token(client, 'khaithac', demo['khaithac'])}"}
    listed = client.get("/api/v1/procedures/?q=1.005002", headers=headers)
    assert listed.status_code == 200, listed.get_json()
    body = listed.get_json()
    assert body["count"] == 1 and body["result"][0]["name"] == "Thủ tục số 2"
    assert body["result"][0]["results"] == [{"code": "KQ01", "name": "Giấy chứng nhận đăng ký hộ kinh doanh"}]
    one = client.get(f"/api/v1/procedures/{body['result'][0]['id']}", headers=headers)
    assert one.status_code == 200 and one.get_json()["code"] == "1.005002"
    missing = client.get("/api/v1/procedures/999999", headers=headers)
    assert missing.status_code == 404 and missing.get_json()["message"]
