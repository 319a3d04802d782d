"""Invariant 4, walked exhaustively: while suspended, every write of the REST API (as its OpenAPI document lists
them) and every writing CLI command (as ``cli.COMMAND_WRITES`` classifies them) is refused with the same message,
nothing is written, and queued jobs wait; after the resume they work again.

Only the writes the investigation needs stay open (DOMAIN.md): an incident's timeline entry and the resume itself.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import click
import pytest
from click.testing import CliRunner
from sqlalchemy import text

from kholuutru.archive import incidents, jobs, suspension
from kholuutru.archive.access import Actor
from kholuutru.archive.cli import COMMAND_WRITES, main
from kholuutru.archive.digitisation_models import Job
from kholuutru.archive.errors import PlatformSuspended
from kholuutru.archive.models import Unit

REASON = "Phát hiện truy cập trái phép vào máy chủ"
REFUSAL = PlatformSuspended(REASON).message("vi")
OPEN_WHILE_SUSPENDED = {
    ("POST", "/api/v1/security/login"), ("POST", "/api/v1/security/refresh"),  # logging in stays possible
    ("POST", "/api/v1/incidents/{pk}/entries"), ("POST", "/api/v1/incidents/resume"),  # the investigation
}
WRITE_METHODS = ("post", "put", "patch", "delete")
OPERATOR = Actor.system("test")
WALK_JOB = "suspension-walk"


@jobs.register(WALK_JOB)
def _walk_job(database, storage, settings, job, progress) -> str:
    """A job kind of this test: it only reports that it ran."""
    return "ran"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def digest(superuser_engine) -> dict[str, object]:
    """Rows in every table and the audit chain's head: equal before and after means nothing was written."""
    with superuser_engine.connect() as connection:
        tables = connection.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")).scalars().all()
        counts = {table: connection.execute(text(f'SELECT count(*) FROM "{table}"')).scalar() for table in tables}
        counts["audit_head"] = tuple(connection.execute(text("SELECT seq, hash FROM audit_head")).one())
        counts["platform_state"] = tuple(connection.execute(text(
            "SELECT suspended, reason, incident_id FROM platform_state")).one())
    return counts


def rest_writes(client, token: str) -> list[tuple[str, str]]:
    """(method, path template) of every write operation in the OpenAPI document."""
    document = client.get("/api/v1/_openapi", headers=bearer(token)).get_json()
    return sorted((method.upper(), path) for path, operations in document["paths"].items()
                  for method in operations if method in WRITE_METHODS)


def concrete(path: str, pk: int) -> str:
    return re.sub(r"\{[^}]+\}", str(pk), path)


def cli_commands() -> Iterator[str]:
    """Every leaf command of ``kholuutru``, by path (``"backup run"``), entry-point commands included."""
    def walk(group: click.Group, prefix: str) -> Iterator[str]:
        context = click.Context(group)
        for name in group.list_commands(context):
            command = group.get_command(context, name)
            path = f"{prefix} {name}".strip()
            if isinstance(command, click.Group):
                yield from walk(command, path)
            else:
                yield path
    yield from walk(main, "")


@pytest.fixture(scope="module")
def security_incident(database, demo) -> int:
    operator = Actor.system("test")
    with database.session(operator) as session:
        return incidents.report(session, operator, title="Máy chủ bị truy cập trái phép",
                                description="Nhật ký cho thấy đăng nhập lạ lúc 2 giờ sáng.", category="security",
                                severity="critical").id


@pytest.fixture
def admin_token(client, demo, api_token) -> str:
    return api_token(client, "admin", demo["admin"])


def suspend_from(client, token: str, incident_id: int) -> None:
    answer = client.post(f"/api/v1/incidents/{incident_id}/suspend", headers=bearer(token), json={"reason": REASON})
    assert answer.status_code == 200 and answer.get_json()["incident"] == incident_id, answer.get_json()


def resume(client, token: str) -> None:
    answer = client.post("/api/v1/incidents/resume", headers=bearer(token), json={"reason": "Đã vá lỗ hổng"})
    assert answer.status_code == 200 and answer.get_json()["suspended"] is False, answer.get_json()


def test_every_rest_write_is_refused_while_suspended_and_nothing_is_written(client, admin_token, security_incident,
                                                                          superuser_engine):
    writes = rest_writes(client, admin_token)
    resources = {path.split("/")[3] for _, path in writes}
    assert {"units", "fonds", "dossiers", "documents", "dossier-lists", "locations", "incidents"} <= resources
    suspend_from(client, admin_token, security_incident)
    try:
        before = digest(superuser_engine)
        answers = {}
        for method, path in writes:
            if (method, path) in OPEN_WHILE_SUSPENDED:
                continue
            answer = client.open(concrete(path, security_incident), method=method, headers=bearer(admin_token),
                                 json={})
            answers[(method, path)] = (answer.status_code, (answer.get_json(silent=True) or {}).get("message"))
        refused_alike = {key for key, value in answers.items() if value == (503, REFUSAL)}
        assert refused_alike == set(answers), {k: v for k, v in answers.items() if k not in refused_alike}
        assert len(answers) >= 30
        assert digest(superuser_engine) == before

        note = client.post(f"/api/v1/incidents/{security_incident}/entries", headers=bearer(admin_token),
                           json={"text": "Đã cô lập máy chủ."})
        assert note.status_code == 201 and note.get_json()["entries"][-1]["text"] == "Đã cô lập máy chủ."
    finally:
        resume(client, admin_token)
    timeline = client.get(f"/api/v1/incidents/{security_incident}", headers=bearer(admin_token)).get_json()
    assert [entry["kind"] for entry in timeline["entries"]][-3:] == ["suspend", "note", "resume"]


def test_rest_writes_work_again_after_resume(client, admin_token, database, security_incident):
    with database.session(OPERATOR) as session:
        province = session.query(Unit).filter_by(code="000.00.00.H47").one().id
        department = session.query(Unit).filter_by(code="000.00.01.H47").one()
        department_id, department_name = department.id, department.name
    headers = bearer(admin_token)
    created = client.post("/api/v1/incidents/", headers=headers, json={
        "title": "Sao lưu chậm", "description": "Bản sao lưu đêm qua chạy 5 giờ.", "category": "technical",
        "severity": "low"})
    assert created.status_code == 201, created.get_json()
    fonds = client.post("/api/v1/fonds/", headers=headers, json={"unit_id": province, "code": "PHONGWALK",
                                                                 "name": "Phông thử sau khôi phục"})
    assert fonds.status_code == 201, fonds.get_json()
    renamed = client.put(f"/api/v1/units/{department_id}", headers=headers,
                         json={"name": f"{department_name} (đổi tên)"})
    assert renamed.status_code == 200, renamed.get_json()
    for method, path in rest_writes(client, admin_token):
        answer = client.open(concrete(path, 999999), method=method, headers=headers, json={})
        assert answer.status_code != 503, (method, path, answer.get_json(silent=True))


def test_every_cli_command_is_classified():
    assert set(cli_commands()) == set(COMMAND_WRITES), "classify each command in kholuutru.archive.cli.COMMAND_WRITES"


def cli_arguments(tmp_path, incident_id: int) -> dict[str, list[str]]:
    """Arguments that would make each writing command write."""
    request = ["--document-number", "12/SNV-VP", "--document-date", dt.date.today().isoformat(),
               "--requested-by", "Sở Nội vụ"]
    password = tmp_path / "password"
    password.write_text("mot-mat-khau-rat-dai-2026\n")
    workbook = tmp_path / "danh-muc.xlsx"
    workbook.write_bytes(b"not a workbook")
    return {
        "seed": ["seed", "--demo"],
        "admin create": ["admin", "create", "--username", "quantri-tam", "--password-file", str(password)],
        "catalogue import-list": ["catalogue", "import-list", str(workbook), "--unit", "000.00.00.H47",
                                  "--year", "2031"],
        "jobs work": ["jobs", "work"],
        "storage sweep": ["storage", "sweep", "--grace-hours", "0"],
        "sync": ["sync", "users"],
        "incident open": ["incident", "open", "--title", "Mất điện phòng máy", "--description", "Mất điện 10 phút.",
                          "--category", "technical", "--severity", "low"],
        "incident assign": ["incident", "assign", str(incident_id), "--to", "trucvanhanh"],
        "incident update": ["incident", "update", str(incident_id), "--severity", "high"],
        "incident resolve": ["incident", "resolve", str(incident_id), "--resolution", "Đã chặn truy cập lạ"],
        "account lock": ["account", "lock", "--username", "canbo", "--reason", "Nghi lộ mật khẩu", *request],
        "account unlock": ["account", "unlock", "--username", "canbo", "--reason", "Đã kiểm tra xong"],
    }


def run_cli(settings, *arguments: str):
    environment = {"KHOLUUTRU_DATABASE_URL": settings.database_url.get_secret_value(),
                   "KHOLUUTRU_DATABASE_OWNER_URL": settings.database_owner_url.get_secret_value()}
    return CliRunner().invoke(main, ["--data-dir", str(settings.data_dir), *arguments, "--json"], env=environment)


def test_every_writing_cli_command_is_refused_while_suspended_and_works_after(settings, database, storage, demo,
                                                                             superuser_engine, tmp_path,
                                                                             security_incident):
    arguments = cli_arguments(tmp_path, security_incident)
    writing = {path for path, writes in COMMAND_WRITES.items() if writes}
    assert writing == set(arguments), "give the walk arguments for each writing command"
    with database.session(OPERATOR) as session:
        job_id = jobs.enqueue(session, OPERATOR, kind=WALK_JOB, unit_id=session.query(Unit).first().id,
                              payload={}).id
        suspension.suspend(session, OPERATOR, REASON)
    try:
        before = digest(superuser_engine)
        for path in sorted(writing):
            result = run_cli(settings, *arguments[path])
            assert result.exit_code == 1, (path, result.output)
            assert f'"message": "{REFUSAL}"' in result.output, (path, result.output)
        assert jobs.run_next(database, storage, settings) is None  # the worker claims nothing while suspended
        assert digest(superuser_engine) == before
    finally:
        with database.session(OPERATOR) as session:
            suspension.resume(session, OPERATOR, "Đã xử lý xong")
    for path in sorted(writing):
        result = run_cli(settings, *arguments[path])
        assert result.exit_code in (0, 2) and "tạm dừng" not in result.output, (path, result.output)
    with database.session(OPERATOR) as session:
        assert session.get(Job, job_id).state == "succeeded"  # `jobs work` above ran the queued job
