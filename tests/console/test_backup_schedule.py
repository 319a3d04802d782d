"""The backup and drill schedule of ``kholuutru up``: cron in Vietnam time, a thread that lives exactly as long as
the server, and a due run handed to the same code path as the CLI (``operations.run_now``)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from click.testing import CliRunner
from pydantic import ValidationError

from kholuutru.archive.cli import main
from kholuutru.archive.settings import Settings
from kholuutru.console import backup_schedule
from kholuutru.console import cli as console_cli
from kholuutru.console.backup_schedule import THREAD_NAME, Scheduler, next_run, schedules

UTC = dt.UTC


def test_next_run_reads_the_expression_in_vietnam_time():
    after = dt.datetime(2026, 11, 25, 18, 0, tzinfo=UTC)  # Thursday 26/11 01:00 in Vietnam
    assert next_run("30 1 * * *", after) == dt.datetime(2026, 11, 25, 18, 30, tzinfo=UTC)
    assert next_run("30 1 * * *", dt.datetime(2026, 11, 25, 18, 30, tzinfo=UTC)) == \
        dt.datetime(2026, 11, 26, 18, 30, tzinfo=UTC), "strictly after: the run that just started is not due again"
    assert next_run("0 3 * * 0", after) == dt.datetime(2026, 11, 28, 20, 0, tzinfo=UTC), "Sunday 03:00 in Vietnam"


def test_defaults_empty_settings_and_bad_expressions():
    assert schedules(Settings()) == {"backup": "30 1 * * *", "drill": "0 3 * * 0"}
    assert schedules(Settings(backup_schedule="", drill_schedule=" ")) == {}
    with pytest.raises(ValidationError, match="cron"):
        Settings(drill_schedule="every sunday")


def test_a_due_run_goes_to_run_now_and_stop_ends_the_thread(monkeypatch):
    ran = []
    scheduler = Scheduler(Settings(backup_schedule="* * * * *", drill_schedule=""), database=None, storage=None)

    def run_now(settings, database, storage, kind, actor):
        ran.append((kind, actor.username))
        scheduler.stopping.set()
        return 1

    monkeypatch.setattr(backup_schedule, "next_run", lambda expression, after: after)
    monkeypatch.setattr(backup_schedule.operations, "run_now", run_now)
    scheduler.start()
    scheduler.thread.join(10)
    assert not scheduler.thread.is_alive() and ran == [("backup", "system:schedule-backup")]


def test_up_starts_the_schedule_with_the_server_and_stops_it_on_shutdown(database, tmp_path, monkeypatch):
    seen: dict[str, set[str]] = {}

    def serve(app, host, port, on_ready=None):
        seen["threads"] = {thread.name for thread in threading.enumerate()}

    monkeypatch.setattr(console_cli, "serve", serve)
    env = {"KHOLUUTRU_DATABASE_URL": database.app_url, "KHOLUUTRU_DATABASE_OWNER_URL": database.owner_url}
    result = CliRunner().invoke(main, ["up", "--data-dir", str(tmp_path)], env=env)
    assert result.exit_code == 0, result.output
    assert THREAD_NAME in seen["threads"]
    assert THREAD_NAME not in {thread.name for thread in threading.enumerate()}
