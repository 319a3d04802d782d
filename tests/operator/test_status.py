"""Conditions as pure functions of observations: transitions, schedule staleness, readiness, suspension."""

from __future__ import annotations

import datetime as dt

from kholuutru.operator import results, status
from kholuutru.operator.status import Condition

NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
CREATED = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
GRACE = dt.timedelta(hours=4)


def test_transition_time_moves_only_when_the_status_changes():
    first = status.merge([], [Condition("Ready", "False", "Starting", "a")], NOW, 1)
    later = NOW + dt.timedelta(minutes=5)
    same = status.merge(first, [Condition("Ready", "False", "DatabaseNotReady", "b")], later, 2)
    assert same[0]["lastTransitionTime"] == "2026-03-10T12:00:00Z" and same[0]["reason"] == "DatabaseNotReady"
    assert same[0]["observedGeneration"] == 2
    flipped = status.merge(same, [Condition("Ready", "True", "Ready", "c")], later, 2)
    assert flipped[0]["lastTransitionTime"] == "2026-03-10T12:05:00Z"
    assert status.transitions(same, flipped) == flipped and status.transitions(flipped, flipped) == []


def test_conditions_keep_their_order_and_the_others():
    merged = status.merge([{"type": "Suspended", "status": "False", "reason": "NotSuspended", "message": "",
                            "lastTransitionTime": "2026-01-01T00:00:00Z"}],
                          [Condition("Ready", "True", "Ready", "")], NOW, None)
    assert [c["type"] for c in merged] == ["Ready", "Suspended"]


def test_backups_are_healthy_when_the_last_due_run_succeeded():
    record = {"time": "2026-03-10T01:20:00Z", "result": "Succeeded", "snapshot": "ab12", "job": "j"}
    condition = status.backups_healthy(record, "0 1 * * *", CREATED, NOW, GRACE)
    assert (condition.status, condition.reason) == ("True", "BackupRecent")
    assert "ab12" in condition.message


def test_a_missed_run_makes_backups_overdue():
    record = {"time": "2026-03-08T01:20:00Z", "result": "Succeeded"}
    condition = status.backups_healthy(record, "0 1 * * *", CREATED, NOW, GRACE)
    assert (condition.status, condition.reason) == ("False", "BackupOverdue")
    assert "since 2026-03-10T01:00:00Z" in condition.message


def test_the_grace_period_lets_a_running_backup_finish():
    record = {"time": "2026-03-09T01:20:00Z", "result": "Succeeded"}
    two_am = dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)
    assert status.backups_healthy(record, "0 1 * * *", CREATED, two_am, GRACE).status == "True"


def test_a_failed_backup_and_a_new_platform():
    failed = {"time": "2026-03-10T01:20:00Z", "result": "Failed", "job": "tinh-backup-1"}
    assert status.backups_healthy(failed, "0 1 * * *", CREATED, NOW, GRACE).reason == "BackupFailed"
    new = status.backups_healthy(None, "0 1 * * *", NOW - dt.timedelta(hours=1), NOW, GRACE)
    assert (new.status, new.reason) == ("Unknown", "NoBackupYet")
    weekly = status.drill_passed(None, "0 3 * * 0", CREATED, NOW, GRACE)
    assert (weekly.status, weekly.reason) == ("False", "DrillOverdue")


def test_ready_needs_database_storage_and_a_console():
    ok = status.merge([], [Condition("DatabaseReady", "True", "Running", ""),
                           Condition("StorageReady", "True", "BucketReady", "")], NOW, None)
    assert status.ready(ok, 1).status == "True"
    assert status.ready(ok, 0).reason == "ConsoleNotReady"
    no_storage = status.merge(ok, [Condition("StorageReady", "False", "BucketUnavailable", "refused")], NOW, None)
    assert (status.ready(no_storage, 2).reason, status.ready(no_storage, 2).message) == ("StorageNotReady", "refused")


def test_applied_suspension():
    def suspended(state: str, reason: str) -> list[dict]:
        return status.merge([], [Condition("Suspended", state, reason, "")], NOW, 1)

    assert status.applied_suspension([]) == (False, False)
    assert status.applied_suspension(suspended("Unknown", "Suspending")) == (True, True)
    assert status.applied_suspension(suspended("True", "Suspended")) == (True, False)
    assert status.applied_suspension(suspended("False", "SuspendFailed")) == (False, False)


def test_job_outcome_and_its_record():
    job = {"metadata": {"name": "tinh-drill-1"},
           "status": {"conditions": [{"type": "Complete", "status": "True"}], "completionTime": "2026-03-08T04:00:00Z"}}
    pod = {"status": {"containerStatuses": [{"state": {"terminated": {
        "exitCode": 0, "finishedAt": "2026-03-08T04:00:00Z",
        "message": 'restic: warning\n{"ok": true, "snapshot_id": "9f", "rto_seconds": 812.5}\n'}}}]}}
    outcome = results.outcome(job, [pod])
    assert results.record(outcome) == {"time": "2026-03-08T04:00:00Z", "result": "Succeeded", "job": "tinh-drill-1",
                                       "snapshot": "9f", "rtoSeconds": 812.5}
    assert results.outcome({"metadata": {"name": "x"}, "status": {}}, []) is None
    reported_failure = results.outcome(job, [{"status": {"containerStatuses": [{"state": {"terminated": {
        "exitCode": 0, "message": '{"ok": false}'}}}]}}])
    assert reported_failure.result == "Failed"
