"""The single-host installation (PostgreSQL, kholuutru in a venv, systemd units, nginx with TLS), run for real on
this machine with its paths in a temporary root, then again with nothing changed, then in check mode as on a host.

Real: apt (the packages are installed already, so it only checks); the database, its owner and application roles
and pg_trgm, created with psql on the test session's PostgreSQL (the embedded server; a Debian host's is reached as
the postgres user instead); the service account, folders, secret files and environment file; the venv with the
wheel built from this tree (pip installs its dependencies from the package index); `kholuutru db upgrade`; the unit
files (checked by `systemd-analyze verify` where it exists); a self-signed certificate and the nginx site file. The
tests then run the backup unit's command with its environment file.
Check mode (`--check --diff`): the roles with their own default paths (/opt/kholuutru, /etc/kholuutru, /etc/nginx)
and apt installing PostgreSQL and nginx — nothing is installed or written.
Neither way: starting and enabling units, `nginx -t` and reloads (…_manage_services): no systemd as PID 1 here, and
installing nginx would start it on port 80 of a shared machine.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playbook_support import (
    Run,
    build_wheel,
    environment_file,
    free_id,
    local_inventory,
    remove_account,
    run_playbook,
    verify_units,
)
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.pool import NullPool

from kholuutru.archive.embedded_postgres import BIN_DIR
from kholuutru.archive.migrations import head_revision

SECRET_KEY = "single-host-test-session-key-0123456789abcdef"


@dataclass(frozen=True)
class SingleHost:
    root: Path
    user: str
    database: str
    owner: str
    app: str
    variables: dict
    first: Run
    second: Run


def postgresql_variables(superuser_url: str, database: str, owner: str, app: str) -> dict:
    """psql reaches the session's server through libpq variables, with no become (the server's socket is ours)."""
    url = make_url(superuser_url)
    environment = {"PGHOST": url.query["host"], "PGUSER": url.username}
    return {
        "kholuutru_postgresql_install_packages": False,
        "kholuutru_postgresql_manage_services": False,
        "kholuutru_postgresql_database": database,
        "kholuutru_postgresql_owner_role": owner,
        "kholuutru_postgresql_app_role": app,
        "kholuutru_postgresql_owner_password": "owner-password-for-the-test",
        "kholuutru_postgresql_app_password": "app-password-for-the-test",
        "kholuutru_postgresql_psql": str(BIN_DIR / "psql"),
        "kholuutru_postgresql_become_user": "",
        "kholuutru_postgresql_environment": environment,
        "kholuutru_database_url": f"postgresql://{app}@/{database}?host={environment['PGHOST']}",
        "kholuutru_database_owner_url": f"postgresql://{owner}@/{database}?host={environment['PGHOST']}",
    }


def platform_variables(root: Path, user: str, wheel: Path) -> dict:
    return {
        "kholuutru_user": user,
        "kholuutru_uid": free_id(1),
        "kholuutru_package_file": str(wheel),
        # Only to save the tests time: a host compiles, as its units cannot write __pycache__ (ProtectSystem=strict).
        "kholuutru_pip_extra_args": "--no-compile",
        "kholuutru_venv": str(root / "opt" / "venv"),
        "kholuutru_config_dir": str(root / "etc"),
        "kholuutru_data_dir": str(root / "data"),
        "kholuutru_secret_key": SECRET_KEY,
        "kholuutru_backup_password": "restic-password-for-the-test",
        "kholuutru_lgsp_client_secret": "lgsp-secret-for-the-test",
        "kholuutru_settings": {
            "KHOLUUTRU_STORAGE_URL": f"file://{root / 'documents'}",
            "KHOLUUTRU_BACKUP_REPOSITORY": str(root / "offsite"),
            "KHOLUUTRU_LGSP_BASE_URL": "http://127.0.0.1:9/lgsp",
            "KHOLUUTRU_LGSP_CLIENT_ID": "kholuutru",
        },
        "kholuutru_systemd_dir": str(root / "systemd"),
        "kholuutru_manage_services": False,
        "kholuutru_nginx_install_packages": False,
        "kholuutru_nginx_manage_services": False,
        "kholuutru_nginx_server_name": "luutru.test.invalid",
        "kholuutru_nginx_self_signed": True,
        "kholuutru_nginx_certificate": str(root / "tls" / "certs" / "kholuutru.pem"),
        "kholuutru_nginx_certificate_key": str(root / "tls" / "private" / "kholuutru.key"),
        "kholuutru_nginx_config": str(root / "nginx" / "kholuutru.conf"),
    }


def drop(superuser_url: str, database: str, roles: list[str]) -> None:
    engine = create_engine(superuser_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            for role in roles:
                connection.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def single_host(as_root, superuser_url, ansible_home, tmp_path_factory) -> Iterator[SingleHost]:
    root = Path(tempfile.mkdtemp(prefix="kholuutru-single-host-test-", dir="/var/lib"))
    root.chmod(0o755)
    pid = os.getpid()
    user, database = f"kltest-app-{pid}", f"kltest_single_{pid}"
    owner, app = f"kltest_owner_{pid}", f"kltest_app_{pid}"
    try:
        # What a Debian host has already: the folders of unit files and of nginx's conf.d.
        for folder in ("systemd", "nginx"):
            (root / folder).mkdir()
        wheel = build_wheel(tmp_path_factory.mktemp("wheel"))
        variables = postgresql_variables(superuser_url, database, owner, app) | platform_variables(root, user, wheel)
        inventory = local_inventory(tmp_path_factory.mktemp("single-host-inventory"), ["kholuutru"], variables)
        first = run_playbook("single-host.yml", inventory, ansible_home)
        second = run_playbook("single-host.yml", inventory, ansible_home)
        yield SingleHost(root, user, database, owner, app, variables, first, second)
    finally:
        drop(superuser_url, database, [app, owner])
        remove_account(user)
        shutil.rmtree(root, ignore_errors=True)


def test_first_run_installs_and_migrates(single_host):
    assert single_host.first.failed == 0
    for task in ("Create the roles, set their passwords and create the database",
                 "Create the pg_trgm extension in the database", "Install kholuutru into its venv",
                 "Apply migrations (kholuutru db upgrade)", "Make a self-signed certificate"):
        assert task in single_host.first.changed_tasks, single_host.first.output


def test_second_run_changes_nothing(single_host):
    assert single_host.second.changed == 0, single_host.second.changed_tasks
    assert single_host.second.changed_tasks == []


def test_database_is_migrated_with_pg_trgm_and_an_application_role_bound_by_rls(single_host, superuser_url):
    engine = create_engine(make_url(superuser_url).set(database=single_host.database), poolclass=NullPool)
    try:
        with engine.connect() as connection:
            revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
            trgm = connection.execute(text("SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'")).scalar()
            owner = connection.execute(text(
                "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()")).scalar()
            app = connection.execute(
                text("SELECT rolsuper, rolbypassrls, rolcreatedb FROM pg_roles WHERE rolname = :r"),
                {"r": single_host.app},
            ).one()
    finally:
        engine.dispose()
    assert revision == head_revision()
    assert trgm == 1
    assert owner == single_host.owner
    assert tuple(app) == (False, False, False)


def test_settings_and_secrets_are_readable_by_the_service_account_only(single_host):
    etc = single_host.root / "etc"
    settings = environment_file(etc / "kholuutru.env")
    gid = pwd.getpwnam(single_host.user).pw_gid
    for path in (etc / "kholuutru.env", etc / "secrets" / "backup-password", etc / "secrets" / "lgsp-client-secret"):
        assert (path.stat().st_uid, path.stat().st_gid, path.stat().st_mode & 0o777) == (0, gid, 0o640), path
    assert settings["KHOLUUTRU_SECRET_KEY"] == SECRET_KEY
    assert settings["KHOLUUTRU_BACKUP_PASSWORD_FILE"] == str(etc / "secrets" / "backup-password")
    assert settings["KHOLUUTRU_LGSP_CLIENT_SECRET_FILE"] == str(etc / "secrets" / "lgsp-client-secret")
    assert settings["KHOLUUTRU_BACKUP_SCHEDULE"] == settings["KHOLUUTRU_DRILL_SCHEDULE"] == ""
    assert (etc / "secrets" / "backup-password").read_text() == "restic-password-for-the-test\n"


def unit(single_host, name: str) -> str:
    return (single_host.root / "systemd" / name).read_text()


def test_units_run_the_cli_hardened_as_the_service_account(single_host):
    cli = single_host.root / "opt" / "venv" / "bin" / "kholuutru"
    console = unit(single_host, "kholuutru-console.service")
    assert f"ExecStart={cli} up --host 127.0.0.1 --port 8080" in console
    assert f"ExecStart={cli} backup run --json" in unit(single_host, "kholuutru-backup.service")
    assert f"ExecStart={cli} drill run --json" in unit(single_host, "kholuutru-drill.service")
    sync = unit(single_host, "kholuutru-sync.service")
    assert [line for line in sync.splitlines() if line.startswith("ExecStart=")] == [
        f"ExecStart={cli} sync {feed} --json" for feed in ("users", "procedures", "dossiers")]
    assert "OnCalendar=*-*-* 01:30:00 Asia/Ho_Chi_Minh" in unit(single_host, "kholuutru-backup.timer")
    for name in ("kholuutru-console.service", "kholuutru-backup.service", "kholuutru-drill.service"):
        text_ = unit(single_host, name)
        for line in (f"User={single_host.user}", "ProtectSystem=strict", "NoNewPrivileges=true", "PrivateTmp=true",
                     f"ReadWritePaths={single_host.root / 'data'}", f"ReadWritePaths={single_host.root / 'documents'}",
                     "CapabilityBoundingSet=",
                     f"EnvironmentFile={single_host.root / 'etc' / 'kholuutru.env'}"):
            assert line in text_.splitlines(), (name, line)


def test_systemd_accepts_the_units(single_host):
    verify_units(single_host.root / "systemd")


def test_the_backup_unit_command_makes_a_snapshot(single_host):
    """What kholuutru-backup.service runs, with its environment file: a snapshot in the repository. As root: the
    session's embedded PostgreSQL lets only its own user and root reach its socket."""
    settings = environment_file(single_host.root / "etc" / "kholuutru.env")
    command = next(line.removeprefix("ExecStart=") for line in unit(single_host, "kholuutru-backup.service")
                   .splitlines() if line.startswith("ExecStart="))
    result = subprocess.run(
        command.split(),
        env={"PATH": os.environ["PATH"], "HOME": str(single_host.root / "data"), **settings},
        cwd=single_host.root / "data", capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] is True and report["snapshot_id"]


def test_nginx_serves_tls_with_the_certificate(single_host):
    site = (single_host.root / "nginx" / "kholuutru.conf").read_text()
    certificate = single_host.root / "tls" / "certs" / "kholuutru.pem"
    assert f"ssl_certificate {certificate};" in site
    assert "proxy_pass http://127.0.0.1:8080;" in site
    assert "ssl_protocols TLSv1.2 TLSv1.3;" in site
    subject = subprocess.run(["openssl", "x509", "-noout", "-subject", "-in", str(certificate)],
                             capture_output=True, text=True, check=True).stdout
    assert "luutru.test.invalid" in subject
    key = single_host.root / "tls" / "private" / "kholuutru.key"
    assert key.stat().st_mode & 0o777 == 0o600


def test_check_mode_on_the_default_layout_installs_and_writes_nothing(single_host, ansible_home, tmp_path):
    keep = ("kholuutru_postgresql_", "kholuutru_database", "kholuutru_secret_key", "kholuutru_backup_password",
            "kholuutru_package_file")
    variables = {k: v for k, v in single_host.variables.items() if k.startswith(keep)}
    variables |= {"kholuutru_postgresql_install_packages": True, "kholuutru_user": f"{single_host.user}-check",
                  "kholuutru_uid": single_host.variables["kholuutru_uid"], "kholuutru_manage_services": False,
                  "kholuutru_nginx_manage_services": False, "kholuutru_nginx_self_signed": True,
                  "kholuutru_settings": {"KHOLUUTRU_STORAGE_URL": "file:///var/lib/kholuutru/documents",
                                         "KHOLUUTRU_BACKUP_REPOSITORY": "sftp:kholuutru-backup@backup.invalid:/restic"}}
    defaults = ["/etc/kholuutru", "/opt/kholuutru", "/var/lib/kholuutru", "/etc/nginx/conf.d/kholuutru.conf",
                "/etc/systemd/system/kholuutru-console.service", "/etc/ssl/certs/kholuutru.pem"]
    existed = {path: Path(path).exists() for path in defaults}
    run = run_playbook("single-host.yml", local_inventory(tmp_path, ["kholuutru"], variables), ansible_home,
                       check=True)
    assert run.failed == 0
    for task in ("Create the service account", "Write the environment file of settings",
                 "Install kholuutru into its venv", "Write the console's service unit", "Write the site configuration"):
        assert task in run.changed_tasks, run.output
    assert {path: Path(path).exists() for path in defaults} == existed
