"""The command line as runbooks and the operator call it: real processes, the embedded PostgreSQL, JSON results."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from kholuutru.archive import migrations
from kholuutru.archive.embedded_postgres import EmbeddedPostgres
from kholuutru.archive.settings import Settings

KHOLUUTRU = str(Path(sys.executable).with_name("kholuutru"))


@pytest.fixture(scope="module")
def data_dir() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="kholuutru-cli-"))
    folder.chmod(0o755)  # the embedded server's unprivileged user must reach it when tests run as root
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def run(data_dir: Path, *args: str, stdin: str | None = None, env: dict[str, str] | None = None):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("KHOLUUTRU_")}
    return subprocess.run(
        [KHOLUUTRU, "--data-dir", str(data_dir), *args], capture_output=True, text=True, input=stdin,
        env={**environment, **(env or {})}, timeout=300,
    )


def one_json(result) -> dict:
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, result.stdout + result.stderr
    return json.loads(lines[0])


def server_of(data_dir: Path) -> EmbeddedPostgres:
    return EmbeddedPostgres.for_data_dir(data_dir, Settings().embedded_db_user)


def test_upgrade_then_seed_then_verify_reuse_the_same_data(data_dir):
    assert one_json(run(data_dir, "db", "upgrade", "--json")) == {"ok": True, "revision": migrations.head_revision()}
    assert not server_of(data_dir).is_running(), "a command stops the embedded server it started"

    seeded = one_json(run(data_dir, "seed", "--demo", "--json"))
    assert {a["role"] for a in seeded["accounts_created"]} >= {"system_admin", "unit_head", "reader"}
    keys = seeded["signing_keys_created"]
    assert keys["folder"] == str(data_dir / "demo-pki") and keys["password"]
    assert sorted(path.name for path in (data_dir / "demo-pki").iterdir()) == ["canbo.p12", "demo-root.pem",
                                                                               "vanthu.p12"]

    again = one_json(run(data_dir, "seed", "--demo", "--json"))
    assert again["accounts_created"] == [] and again["signing_keys_created"] is None

    result = run(data_dir, "audit", "verify", "--json")
    report = one_json(result)
    assert result.returncode == 0
    assert report["ok"] is True and report["events_checked"] > 10 and len(report["head_hash"]) == 64


def test_a_running_server_is_reused_and_left_running(data_dir):
    server = server_of(data_dir)
    server.start()
    try:
        assert one_json(run(data_dir, "audit", "verify", "--json"))["ok"] is True
        assert server.is_running()
    finally:
        server.stop()
    assert not server.is_running()


def test_suspend_and_resume_from_the_command_line(data_dir):
    unknown = run(data_dir, "suspend", "--reason", "Sự cố an ninh", "--incident", "999", "--json")
    assert unknown.returncode == 2 and one_json(unknown)["field"] == "incident"
    suspended = one_json(run(data_dir, "suspend", "--reason", "Sự cố an ninh", "--json"))
    assert suspended["suspended"] is True and suspended["incident"] is None
    refused = run(data_dir, "admin", "create", "--username", "khac", "--password-file", "-", "--json",
                  stdin="mat-khau-du-dai-1\n")
    assert refused.returncode == 1
    assert "tạm dừng" in one_json(refused)["message"]
    resumed = one_json(run(data_dir, "resume", "--reason", "Đã xử lý", "--json"))
    assert resumed["suspended"] is False


def test_admin_create_reads_the_password_from_a_file(data_dir, tmp_path):
    secret = tmp_path / "password"
    secret.write_text("mot-mat-khau-rat-dai\n")
    created = one_json(run(data_dir, "admin", "create", "--username", "quantri2", "--password-file", str(secret),
                           "--json"))
    assert created["ok"] is True and created["username"] == "quantri2"
    short = run(data_dir, "admin", "create", "--username", "quantri3", "--password-file", "-", "--json",
                stdin="ngan\n")
    assert short.returncode == 2
    assert one_json(short)["field"] == "password"


def test_config_show_masks_secrets(data_dir):
    url = "postgresql://app:s3cr3t-pass@db.example:5432/kholuutru"
    result = run(data_dir, "config", "show", "--json", env={"KHOLUUTRU_DATABASE_URL": url,
                                                             "KHOLUUTRU_SECRET_KEY": "very-secret-key"})
    assert "s3cr3t-pass" not in result.stdout and "very-secret-key" not in result.stdout
    rows = {row["name"]: row for row in one_json(result)["settings"]}
    assert rows["KHOLUUTRU_DATABASE_URL"]["value"] == "postgresql://app:***@db.example:5432/kholuutru"
    assert rows["KHOLUUTRU_SECRET_KEY"]["value"] == "***" and rows["KHOLUUTRU_SECRET_KEY"]["secret"]
    assert rows["KHOLUUTRU_DATA_DIR"]["value"] == str(data_dir)
    human = run(data_dir, "config", "show", env={"KHOLUUTRU_DATABASE_URL": url})
    assert "KHOLUUTRU_PORT" in human.stdout and "s3cr3t-pass" not in human.stdout


def test_bad_usage_exits_2(data_dir):
    assert run(data_dir, "suspend").returncode == 2
    assert run(data_dir, "no-such-command").returncode == 2
