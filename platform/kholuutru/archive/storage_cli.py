"""``kholuutru storage …``: fixity verification and the orphan sweep, for operators, runbooks and CronJobs.

Both run as a province-wide system actor, as the services require (row-level security would otherwise hide rows).
The group adds itself to ``main`` (``cli`` imports this module last), so the two modules load in either order.
"""

from __future__ import annotations

import datetime as dt
import sys

import click

from . import document_files
from .access import Actor
from .cli import Context, emit, main, reports
from .storage import open_storage


@click.group("storage")
def storage_group() -> None:
    """Document storage: fixity checks and cleanup."""


@storage_group.command("verify")
@click.option("--sample", type=click.FloatRange(0, 1, min_open=True), default=None,
              help="Check only this random fraction of the objects (0 < FRACTION ≤ 1). Default: all.")
@reports
def storage_verify(context: Context, as_json: bool, sample: float | None) -> None:
    """Re-hash stored objects against the database; exit 1 and name the files if any is missing or altered."""
    storage = open_storage(context.settings)
    actor = Actor.system("storage-verify")
    with context.database() as database, database.session(actor) as session:
        if as_json:
            report = document_files.verify_objects(session, storage, sample=sample)
        else:
            with click.progressbar(length=document_files.file_count(session), label="Kiểm tra / verifying",
                                   file=sys.stderr) as bar:
                report = document_files.verify_objects(session, storage, sample=sample, advance=bar.update)
    problems = [f"  thiếu / missing: file {m['file_id']} (document {m['document_id']}) {m['key']}"
                for m in report.missing]
    problems += [f"  sai lệch / altered: file {m['file_id']} (document {m['document_id']}) {m['key']}"
                 for m in report.mismatches]
    summary = (f"{report.objects_checked} objects, {report.bytes_checked} bytes checked; "
               f"{len(report.missing)} missing, {len(report.mismatches)} altered")
    headline = "Toàn vẹn / intact" if report.ok else "LỖI TOÀN VẸN / FIXITY FAILURE"
    emit(as_json, report.as_dict(), "\n".join([f"{headline}: {summary}", *problems]))
    if not report.ok:
        sys.exit(1)


@storage_group.command("sweep")
@click.option("--grace-hours", type=click.FloatRange(min=0), default=24.0, show_default=True,
              help="Keep unreferenced objects younger than this (an upload may still be committing).")
@reports
def storage_sweep(context: Context, as_json: bool, grace_hours: float) -> None:
    """Delete stored objects that no document file references, once older than the grace period."""
    storage = open_storage(context.settings)
    actor = Actor.system("storage-sweep")
    with context.database() as database, database.session(actor) as session:
        deleted = document_files.sweep_orphans(session, storage, grace=dt.timedelta(hours=grace_hours))
    emit(as_json, {"ok": True, "grace_hours": grace_hours, "deleted": deleted},
         "\n".join([f"Đã xóa {len(deleted)} tệp mồ côi / deleted {len(deleted)} orphaned objects", *deleted]))


main.add_command(storage_group)
