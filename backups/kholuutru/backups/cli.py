"""``kholuutru backup …``, ``kholuutru restore`` and ``kholuutru drill run`` (ARCHITECTURE §4).

Registered in the ``kholuutru.cli`` entry-point group; each command reports through the archive's CLI contract
(``--json`` → exactly one JSON object; exit 0 success, 1 failed check or refusal, 2 bad input). Without ``--json``
long steps show progress bars on standard error.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from kholuutru.archive.cli import Context, emit, reports
from kholuutru.archive.storage import open_storage

from .drill import run_drill
from .errors import FixityFailure
from .password_rotation import rotate_password
from .progress import SILENT, Progress
from .restore import restore_snapshot
from .retention import forget_snapshots, list_snapshots
from .run import run_backup
from .verify import verify_backup


class Bars:
    """Progress bars on standard error, one per step."""

    @contextmanager
    def step(self, label: str, length: int) -> Iterator[Callable[[int], None]]:
        with click.progressbar(length=max(length, 1), label=label, file=sys.stderr) as bar:
            yield bar.update


def _progress(as_json: bool) -> Progress:
    return SILENT if as_json else Bars()


def _on_wait(as_json: bool) -> Callable[[], None] | None:
    if as_json:
        return None
    return lambda: click.echo("Đang chờ một thao tác sao lưu khác kết thúc… / waiting for another backup operation…",
                              err=True)


def _exit_with(as_json: bool, result: dict[str, Any], human: str, ok: bool) -> None:
    emit(as_json, result, human)
    if not ok:
        sys.exit(1)


@click.group("backup")
def backup() -> None:
    """Sao lưu ngoài hệ thống / off-site backups with restic."""


@backup.command("run")
@reports
def backup_run(context: Context, as_json: bool) -> None:
    """Back up the database, every document and a manifest as one restic snapshot."""
    language = context.settings.default_language
    with context.database() as database:
        try:
            result = run_backup(context.settings, database, open_storage(context.settings), _progress(as_json),
                                _on_wait(as_json))
        except FixityFailure as error:
            lines = [f"  {p['problem']}: {p['key']}" for p in error.problems]
            _exit_with(as_json, {"ok": False, **error.as_dict(language), "problems": error.problems},
                       "\n".join([f"Lỗi / error: {error.message(language)}", *lines]), ok=False)
            return
    emit(as_json, result.as_dict(),
         f"Đã sao lưu / backed up: snapshot {result.short_id}, {result.objects} documents, "
         f"{result.bytes} bytes added, {result.seconds:.1f} s")


def _checks_text(result: dict[str, Any]) -> list[str]:
    return [f"  [{check['result']}] {check['check']}: {check['detail']}" for check in result["checks"]]


@backup.command("verify")
@click.option("--snapshot", "snapshot_id", default=None, help="Snapshot id (default: the latest).")
@click.option("--read-data-subset", default=None,
              help="Data packs to re-read: n/N, x% or a size (default: a seventh, rotating with the day).")
@reports
def backup_verify(context: Context, as_json: bool, snapshot_id: str | None, read_data_subset: str | None) -> None:
    """restic check plus the manifest against the snapshot's files; exit 1 naming the check that failed."""
    result = verify_backup(context.settings, snapshot_id, read_data_subset)
    headline = "Bản sao lưu nguyên vẹn / backup intact" if result["ok"] else "BẢN SAO LƯU HỎNG / BACKUP DAMAGED"
    _exit_with(as_json, result, "\n".join([f"{headline}: snapshot {result['short_id']}", *_checks_text(result)]),
               result["ok"])


@backup.command("list")
@reports
def backup_list(context: Context, as_json: bool) -> None:
    """The backups in the repository, oldest first."""
    result = list_snapshots(context.settings)
    lines = [f"{s['short_id']}  {s['time'][:19]}  {s['hostname']}" for s in result["snapshots"]]
    emit(as_json, result, "\n".join([f"{len(lines)} bản sao lưu / snapshots in {result['repository']}", *lines]))


@backup.command("forget")
@click.option("--prune", is_flag=True, help="Also delete the data no kept snapshot uses.")
@reports
def backup_forget(context: Context, as_json: bool, prune: bool) -> None:
    """Apply the retention policy (KHOLUUTRU_BACKUP_KEEP_*)."""
    result = forget_snapshots(context.settings, prune)
    emit(as_json, result, f"Giữ / kept {len(result['kept'])}, bỏ / removed {len(result['removed'])} "
                          f"({result['policy']})")


@backup.command("rotate-password")
@click.option("--new-password-file", required=True, type=click.Path(path_type=Path),
              help="File whose first line is the new repository password.")
@reports
def backup_rotate_password(context: Context, as_json: bool, new_password_file: Path) -> None:
    """Đổi mật khẩu kho / replace the repository password: the old one stops opening the repository."""
    with context.database() as database:
        result = rotate_password(context.settings, database, new_password_file, _on_wait(as_json))
    emit(as_json, result, f"Đã đổi mật khẩu kho / repository password rotated: key {result['removed_key']} removed, "
                          f"key {result['added_key']} added\nTiếp theo / next: {result['next_step']}")


@click.command("restore")
@click.option("--snapshot", required=True, help="Snapshot id, or 'latest'.")
@click.option("--database-url", required=True,
              help="New, empty PostgreSQL database, as the role that is to own the restored schema.")
@click.option("--storage-url", required=True, help="New, empty document storage: file:///path or s3://bucket?….")
@click.option("--force", is_flag=True, help="Allow the live database/storage — only while the platform is suspended.")
@reports
def restore(context: Context, as_json: bool, snapshot: str, database_url: str, storage_url: str,
            force: bool) -> None:
    """Khôi phục / restore a backup into a new database and storage, every object re-hashed."""
    result = restore_snapshot(context.settings, snapshot, database_url, storage_url, force=force,
                              progress=_progress(as_json), on_wait=_on_wait(as_json))
    headline = ("Đã khôi phục / restored" if result["ok"] else "KHÔI PHỤC LỖI / RESTORE FAILED")
    _exit_with(as_json, result, "\n".join([f"{headline}: snapshot {result['snapshot_id'][:8]}, "
                                           f"{result['objects']} documents", *_checks_text(result),
                                           f"Tiếp theo / next: {result['next_step']}"]), result["ok"])


@click.group("drill")
def drill() -> None:
    """Diễn tập phục hồi / restore drills."""


@drill.command("run")
@reports
def drill_run(context: Context, as_json: bool) -> None:
    """Restore the latest backup into scratch, verify everything, record the result; exit 1 if it failed."""
    with context.database() as database:
        result = run_drill(context.settings, database, _progress(as_json), _on_wait(as_json))
    headline = ("Diễn tập đạt / drill passed" if result["ok"] else "DIỄN TẬP KHÔNG ĐẠT / DRILL FAILED")
    _exit_with(as_json, result, "\n".join([f"{headline}: snapshot {str(result['snapshot_id'])[:8]}, "
                                           f"RTO {result['rto_seconds']:.1f} s", *_checks_text(result)]),
               result["ok"])
