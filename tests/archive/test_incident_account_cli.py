"""``kholuutru incident …`` and ``kholuutru account …``: the runbooks' commands over the incident and account
services — one JSON object each, the CLI contract's exit codes, bilingual refusals and one audit event per change."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from kholuutru.archive import suspension
from kholuutru.archive.access import Actor
from kholuutru.archive.cli import main
from kholuutru.archive.models import AuditEvent
from kholuutru.archive.seed import seed_demo

SYSTEM = Actor.system("test")


@pytest.fixture(scope="module")
def demo(database, storage, settings) -> None:
    seed_demo(database, storage, settings, echo=lambda _line: None)


@pytest.fixture(scope="module")
def cli(settings, demo):
    """Run a command with --json in this process; return (exit code, the one JSON object it printed)."""
    environment = {"KHOLUUTRU_DATABASE_URL": settings.database_url.get_secret_value(),
                   "KHOLUUTRU_DATABASE_OWNER_URL": settings.database_owner_url.get_secret_value()}

    def run(*arguments: str) -> tuple[int, dict]:
        result = CliRunner().invoke(main, ["--data-dir", str(settings.data_dir), *arguments, "--json"],
                                    env=environment)
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert len(lines) == 1, result.output
        return result.exit_code, json.loads(lines[0])

    return run


def actions(database, object_type: str, object_id: int) -> list[str]:
    with database.session(SYSTEM) as session:
        return list(session.scalars(select(AuditEvent.action).where(
            AuditEvent.object_type == object_type, AuditEvent.object_id == str(object_id)).order_by(AuditEvent.seq)))


def test_an_incident_from_intake_to_resolution(cli, database):
    code, opened = cli("incident", "open", "--title", "Không tải được tệp", "--description", "Báo qua điện thoại.",
                       "--category", "technical", "--severity", "medium", "--contact", "0235 3812 345",
                       "--unit", "000.00.01.h47")
    assert code == 0 and opened["status"] == "open" and opened["channel"] == "phone"
    assert opened["units"] == ["000.00.01.H47"] and opened["reporter"] == "system:incident"
    number = str(opened["id"])
    assert cli("incident", "update", number, "--severity", "high")[1]["severity"] == "high"
    assert cli("incident", "assign", number, "--to", "trucvanhanh")[1]["status"] == "investigating"
    assert cli("incident", "note", number, "--text", "Đã mở rộng ổ đĩa.")[0] == 0
    code, resolved = cli("incident", "resolve", number, "--resolution", "Tải lên bình thường.")
    assert code == 0 and resolved["status"] == "resolved" and resolved["resolution"] == "Tải lên bình thường."
    code, shown = cli("incident", "show", number)
    assert [entry["kind"] for entry in shown["entries"]] == ["report", "change", "assign", "note", "resolve"]
    assert actions(database, "incident", opened["id"]) == [
        "incident.report", "incident.update", "incident.assign", "incident.note", "incident.resolve"]
    assert opened["id"] not in [row["id"] for row in cli("incident", "list")[1]["incidents"]]
    assert opened["id"] in [row["id"] for row in cli("incident", "list", "--status", "all")[1]["incidents"]]


def test_incident_refusals_name_the_field(cli):
    code, refused = cli("incident", "open", "--title", "T", "--description", "D", "--category", "data",
                        "--severity", "low", "--unit", "999.99.99.H47")
    assert code == 2 and refused["ok"] is False and refused["field"] == "unit" and "999.99.99.H47" in refused["message"]
    code, refused = cli("incident", "show", "999999")
    assert code == 2 and refused["field"] == "id"
    _, opened = cli("incident", "open", "--title", "T", "--description", "D", "--category", "data", "--severity", "low")
    code, refused = cli("incident", "assign", str(opened["id"]), "--to", "canbo")
    assert code == 2 and refused["field"] == "assignee"


def test_the_timeline_stays_open_while_suspended(cli, database):
    _, opened = cli("incident", "open", "--title", "Xâm nhập", "--description", "D", "--category", "security",
                    "--severity", "critical")
    with database.session(SYSTEM) as session:
        suspension.suspend(session, SYSTEM, "Điều tra", opened["id"])
    try:
        assert cli("incident", "note", str(opened["id"]), "--text", "Đã cô lập máy chủ.")[0] == 0
        code, refused = cli("incident", "update", str(opened["id"]), "--severity", "high")
        assert code == 1 and "tạm dừng" in refused["message"]
    finally:
        with database.session(SYSTEM) as session:
            suspension.resume(session, SYSTEM, "Đã xử lý")


def test_an_account_locked_on_a_written_request_and_unlocked(cli, database):
    code, shown = cli("account", "show", "--username", "canbo")
    assert code == 0 and shown["active"] is True and shown["lock"] is None and shown["roles"] == ["records_staff"]
    today = dt.date.today().isoformat()
    request = ["--document-number", "125/SNV-VP", "--document-date", today, "--requested-by", "Giám đốc Sở Nội vụ"]
    code, locked = cli("account", "lock", "--username", "canbo", "--reason", "Nghi lộ mật khẩu", *request)
    assert code == 0 and locked["active"] is False
    assert locked["lock"]["document_number"] == "125/SNV-VP" and locked["lock"]["kind"] == "lock"
    assert locked["lock"]["document_date"] == today and locked["lock"]["locked_by"] == "system:account"
    code, again = cli("account", "lock", "--username", "canbo", "--reason", "Lần nữa", *request)
    assert code == 1 and again["message"] == "Tài khoản đã bị khóa."
    code, unlocked = cli("account", "unlock", "--username", "canbo", "--reason", "Đã kiểm tra")
    assert code == 0 and unlocked["active"] is True and unlocked["lock"] is None
    assert actions(database, "account", shown["id"])[-2:] == ["account.lock", "account.unlock"]


def test_account_refusals_name_the_field(cli):
    code, refused = cli("account", "show", "--username", "khongco")
    assert code == 2 and refused["field"] == "username"
    future = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    code, refused = cli("account", "lock", "--username", "canbo", "--reason", "R", "--document-number", "1/TB",
                        "--document-date", future, "--requested-by", "Sở Nội vụ")
    assert code == 2 and refused["field"] == "document_date"
    code, refused = cli("account", "unlock", "--username", "canbo", "--reason", "R")
    assert code == 1 and refused["field"] == "id"
