"""The ``kholuutru`` command line (ARCHITECTURE §4): the contract runbooks, operator Jobs and playbooks rely on.

Every command that reports a result takes ``--json`` and then prints exactly one JSON object on stdout. Exit codes:
0 success, 1 a failed check or a refused action, 2 bad usage or input. Components add commands (``up`` from the
console, backups later) through the ``kholuutru.cli`` entry-point group, so this module imports none of them.
"""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import click
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from . import audit, suspension
from .access import Actor
from .accounts import create_account
from .database import Database
from .errors import ArchiveError, InvalidInput, NotFound
from .models import Unit
from .settings import Settings, load_settings
from .storage import open_storage

INPUT_ERRORS = (InvalidInput, NotFound)

COMMAND_WRITES: dict[str, bool] = {
    "up": False,  # serves the console, which refuses writes itself while suspended
    "db upgrade": False,  # the schema; an upgrade may be the fix a suspension waits for
    "seed": True,
    "admin create": True,
    "config show": False,
    "audit verify": False,
    "suspend": False,  # suspend and resume set the state the others check
    "resume": False,
    "catalogue export-list": False,
    "catalogue import-list": True,
    "digitise": False,  # files on the operator's disk only, no archive data
    "jobs work": True,
    "storage verify": False,
    "storage sweep": True,
    "backup run": False,  # backups and drills keep running while suspended (invariant 4)
    "backup verify": False,
    "backup list": False,
    "backup forget": False,
    "restore": False,  # into a new, empty database and storage, never the platform's own
    "drill run": False,
    "bench": False,  # throw-away databases of its own
    "sync": True,  # users, procedures or dossiers from LGSP into the archive
    "retention due": False,
    "access-report": False,
    "incident open": True,
    "incident assign": True,
    "incident update": True,
    "incident resolve": True,
    "incident note": False,  # the investigation's timeline stays open while suspended (DOMAIN.md)
    "incident list": False,
    "incident show": False,
    "account show": False,
    "account lock": True,
    "account unlock": True,
    # The repository's key, not archive data: rotating it is part of answering a security incident while suspended.
    "backup rotate-password": False,
}
"""Every command by path: does it write the archive's data (and so is refused while the platform is suspended)?

The one place a command is classified: the suspension test walks every command and fails on one missing here, and
runs each writing one while suspended to see it refused.
"""


class Context:
    """What every command shares: settings (with ``--data-dir`` applied) and the output mode."""

    def __init__(self, data_dir: Path | None) -> None:
        self.settings: Settings = load_settings(data_dir=data_dir)

    @contextmanager
    def database(self) -> Iterator[Database]:
        """The database for one command; an embedded server started for it is stopped afterwards."""
        database = Database.open(self.settings)
        try:
            yield database
        finally:
            database.close()


def emit(as_json: bool, result: dict[str, Any], human: str) -> None:
    """One JSON object, or a line for people."""
    click.echo(json.dumps(result, ensure_ascii=False, default=str) if as_json else human)


def unit_by_code(session: Session, code: str) -> Unit:
    """The unit with identifier ``code`` (any case), or a refusal naming the ``--unit`` option."""
    unit = session.scalar(select(Unit).where(Unit.code == code.strip().upper()))
    if unit is None:
        raise NotFound(f"Không có đơn vị mã {code}.", f"No unit has code {code}.", field="unit")
    return unit


def fail(as_json: bool, error: ArchiveError, language: str) -> None:
    """Report a refusal and exit 2 for bad input, 1 for anything else refused."""
    code = 2 if isinstance(error, INPUT_ERRORS) else 1
    if as_json:
        click.echo(json.dumps({"ok": False, **error.as_dict(language)}, ensure_ascii=False))
    else:
        field = f" [{error.field}]" if error.field else ""
        click.echo(f"Lỗi / error{field}: {error.message(language)}", err=True)
    sys.exit(code)


def reports(function: Callable[..., None]) -> Callable[..., None]:
    """Add ``--json`` and turn ``ArchiveError`` and database failures into the CLI contract's exit codes."""

    @click.option("--json", "as_json", is_flag=True, help="Print exactly one JSON object.")
    @click.pass_obj
    def wrapper(context: Context, as_json: bool, **kwargs: Any) -> None:
        language = context.settings.default_language
        try:
            function(context, as_json, **kwargs)
        except ArchiveError as error:
            fail(as_json, error, language)
        except SQLAlchemyError as error:
            message = str(error.orig if getattr(error, "orig", None) else error).splitlines()[0]
            fail(as_json, ArchiveError(f"Lỗi cơ sở dữ liệu: {message}", f"Database error: {message}"), language)

    wrapper.__name__ = function.__name__
    wrapper.__doc__ = function.__doc__
    return wrapper


class KholuutruGroup(click.Group):
    """The root group, with the commands other components register under ``kholuutru.cli``.

    Commands load only when asked for: the platform's own CLI modules (:data:`PLATFORM_CLI_MODULES`) and the
    components' entry points import OCR, spreadsheet and signature libraries that take most of a second to load, a
    cost every CronJob run (``backup run``, ``drill run``) would otherwise pay for nothing.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        _load_platform_commands()
        return sorted({*super().list_commands(ctx), *(ep.name for ep in entry_points(group="kholuutru.cli"))})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        command = super().get_command(ctx, name)
        if command is None:
            for entry_point in entry_points(group="kholuutru.cli", name=name):
                return entry_point.load()
            own_module = f"{name.replace('-', '_')}_cli"
            if own_module in PLATFORM_CLI_MODULES:  # a group in a module of its name: load only that one
                importlib.import_module(f"{__package__}.{own_module}")
                command = super().get_command(ctx, name)
            if command is None:
                _load_platform_commands()
                command = super().get_command(ctx, name)
        return command


def _load_platform_commands() -> None:
    """Import the platform's CLI modules; each adds its groups to ``main`` (a second import does nothing)."""
    for module in PLATFORM_CLI_MODULES:
        importlib.import_module(f"{__package__}.{module}")


@click.group(cls=KholuutruGroup)
@click.option("--data-dir", type=click.Path(path_type=Path), default=None,
              help="Data folder (default ./.kholuutru or KHOLUUTRU_DATA_DIR).")
@click.pass_context
def main(ctx: click.Context, data_dir: Path | None) -> None:
    """kholuutru — Hệ thống Lưu trữ điện tử dùng chung (shared electronic archive)."""
    ctx.obj = Context(data_dir)


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@reports
def db_upgrade(context: Context, as_json: bool) -> None:
    """Apply migrations (Alembic) as the schema owner."""
    from . import migrations  # Alembic loads only for the commands that migrate

    with context.database() as database:
        revision = migrations.upgrade(database)
    emit(as_json, {"ok": True, "revision": revision}, f"Cơ sở dữ liệu ở phiên bản {revision} / at revision {revision}")


@main.command("seed")
@click.option("--demo", is_flag=True, required=True, help="Create the demo province (the only seed there is).")
@reports
def seed_command(context: Context, as_json: bool, demo: bool) -> None:
    """Demo province: units and one account per role (passwords shown once)."""
    from . import migrations, seed  # the demo's documents pull in the PDF and signature libraries

    with context.database() as database:
        migrations.upgrade(database)
        made = seed.seed_demo(database, open_storage(context.settings), context.settings,
                              echo=(lambda _line: None) if as_json else click.echo)
    accounts = [{"username": c.username, "password": c.password, "role": c.role, "unit": c.unit_code}
                for c in made.accounts]
    keys = made.signing_keys
    emit(as_json, {"ok": True, "accounts_created": accounts,
                   "signing_keys_created": None if keys is None else {"folder": str(keys.folder),
                                                                      "password": keys.password}},
         "Dữ liệu trình diễn đã sẵn sàng / demo data ready")


@main.group()
def admin() -> None:
    """Break-glass administration."""


@admin.command("create")
@click.option("--username", required=True)
@click.option("--password-file", required=True, type=click.File("r"),
              help="File whose first line is the password ('-' for standard input); never on the command line.")
@click.option("--email", default=None, help="Default: <username>@localhost.")
@click.option("--unit", "unit_code", default=None, help="Identifier code of the admin's unit.")
@reports
def admin_create(context: Context, as_json: bool, username: str, password_file: Any, email: str | None,
                 unit_code: str | None) -> None:
    """Create a system administrator account with a local password."""
    from . import migrations

    password = password_file.readline().rstrip("\r\n")
    actor = Actor.system("admin-create")
    with context.database() as database:
        migrations.upgrade(database)
        with database.session(actor) as session:
            unit_id = None
            if unit_code:
                unit = session.query(Unit).filter_by(code=unit_code).one_or_none()
                if unit is None:
                    raise InvalidInput(f"Không có đơn vị mã {unit_code}.", f"No unit has code {unit_code}.",
                                       field="unit")
                unit_id = unit.id
            account = create_account(
                session, actor, username=username, password=password, first_name=username, last_name="",
                email=email or f"{username}@localhost", unit_id=unit_id, role_codes=["system_admin"],
            )
            result = {"ok": True, "id": account.id, "username": account.username}
    emit(as_json, result, f"Đã tạo tài khoản quản trị / created admin account: {result['username']}")


@main.group()
def config() -> None:
    """Configuration."""


@config.command("show")
@reports
def config_show(context: Context, as_json: bool) -> None:
    """Every setting with its value in effect (secrets masked)."""
    rows = context.settings.described()
    if as_json:
        emit(True, {"ok": True, "settings": rows}, "")
        return
    for row in rows:
        click.echo(f"{row['name']:<32} {'' if row['value'] is None else row['value']}")
        click.echo(f"{'':<32} {row['description']}")


@main.group("audit")
def audit_group() -> None:
    """Tamper-evident audit log."""


@audit_group.command("verify")
@reports
def audit_verify(context: Context, as_json: bool) -> None:
    """Walk the hash chain; exit 1 and name the first bad event if it is broken."""
    with context.database() as database, database.session(Actor.system("audit-verify")) as session:
        report = audit.verify(session)
    human = (f"Chuỗi nhật ký nguyên vẹn / audit chain intact: {report.events_checked} events, head {report.head_hash}"
             if report.ok else
             f"Chuỗi nhật ký bị phá vỡ tại sự kiện {report.first_bad_seq} / audit chain broken at event "
             f"{report.first_bad_seq}: {report.problem}")
    emit(as_json, report.as_dict(), human)
    if not report.ok:
        sys.exit(1)


@main.command("suspend")
@click.option("--reason", required=True, help="Why (recorded in the audit log and shown on every page).")
@click.option("--incident", type=int, default=None,
              help="Number of the security incident the suspension comes from (recorded on its timeline).")
@reports
def suspend_command(context: Context, as_json: bool, reason: str, incident: int | None) -> None:
    """Suspend the platform: every write through any path is refused until resumed."""
    with context.database() as database, database.session(Actor.system("suspend")) as session:
        state = suspension.suspend(session, Actor.system("suspend"), reason, incident)
    emit(as_json, {"ok": True, **state.as_dict()}, "Hệ thống đã tạm dừng / platform suspended")


@main.command("resume")
@click.option("--reason", required=True, help="Why the platform may run again (recorded).")
@reports
def resume_command(context: Context, as_json: bool, reason: str) -> None:
    """Resume the platform after a suspension."""
    with context.database() as database, database.session(Actor.system("resume")) as session:
        state = suspension.resume(session, Actor.system("resume"), reason)
    emit(as_json, {"ok": True, **state.as_dict()}, "Hệ thống đã hoạt động trở lại / platform resumed")


# The platform's CLI modules: they build on Context and @reports above and add their groups to ``main`` themselves,
# when ``main`` first needs them.
PLATFORM_CLI_MODULES = ("account_cli", "catalogue_cli", "digitisation_cli", "incident_cli", "retention_cli",
                        "storage_cli", "sync_cli")
