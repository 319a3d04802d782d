"""The LGSP schedule of ``kholuutru up``: off by default; when due, every feed is synchronised in order (catalogue,
staff, dossiers) against the LGSP stand-in, and a failing feed does not stop the others."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from lgsp_samples import UNIT_A, dossier_record, procedure_record, staff_record
from lgsp_standin import CLIENT_ID, CLIENT_SECRET, LgspStandIn

from kholuutru.archive import units
from kholuutru.archive.access import Actor
from kholuutru.archive.models import Fonds
from kholuutru.archive.settings import Settings
from kholuutru.console import backup_schedule, lgsp_schedule

ADMIN = Actor.system("test")


@pytest.fixture(scope="module")
def lgsp() -> Iterator[LgspStandIn]:
    server = LgspStandIn().start()
    server.feeds.update(procedures=[procedure_record(1)], users=[staff_record(1)], dossiers=[dossier_record(1)])
    yield server
    server.stop()


@pytest.fixture(scope="module")
def settings(database, lgsp, tmp_path_factory) -> Settings:
    data_dir = tmp_path_factory.mktemp("data")
    secret = data_dir / "lgsp-secret"
    secret.write_text(CLIENT_SECRET)
    with database.session(ADMIN) as session:
        unit = units.create_unit(session, ADMIN, code=UNIT_A, name="Sở Nội vụ", level="province")
        session.add(Fonds(unit_id=unit.id, code="F01", name="Phông Sở Nội vụ", is_open=True))
    return Settings(data_dir=data_dir, database_url=database.app_url, database_owner_url=database.owner_url,
                    lgsp_base_url=lgsp.base_url, lgsp_client_id=CLIENT_ID, lgsp_client_secret_file=secret,
                    lgsp_sync_schedule="*/15 * * * *")


def test_off_by_default(database):
    assert Settings().lgsp_sync_schedule == ""
    with lgsp_schedule.running(Settings(), database) as scheduler:
        assert scheduler is None


def test_a_due_schedule_synchronises_every_feed_in_order(database, settings, lgsp, monkeypatch):
    done = threading.Event()
    rounds: list[list[tuple[str, str, int]]] = []

    def synchronise_all(settings, database):
        summaries = real(settings, database)
        rounds.append([(s.feed, s.state, s.created) for s in summaries])
        done.set()
        return summaries

    real = lgsp_schedule.synchronise_all
    monkeypatch.setattr(backup_schedule, "next_run", lambda expression, after: after)
    monkeypatch.setattr(lgsp_schedule, "synchronise_all", synchronise_all)
    with lgsp_schedule.running(settings, database) as scheduler:
        assert scheduler.thread.name == lgsp_schedule.THREAD_NAME
        assert done.wait(60)
    assert not scheduler.thread.is_alive()
    assert rounds[0] == [("procedures", "succeeded", 1), ("users", "succeeded", 1), ("dossiers", "succeeded", 1)]


def test_a_failing_feed_does_not_stop_the_others(database, settings, lgsp):
    lgsp.feeds["users"].append(staff_record(2))
    lgsp.faults.errors[("users", "c1")] = 10
    summaries = lgsp_schedule.synchronise_all(settings.model_copy(update={"lgsp_backoff_seconds": 0.0}), database)
    assert [(s.feed, s.state) for s in summaries] == [("procedures", "succeeded"), ("users", "failed"),
                                                      ("dossiers", "succeeded")]
