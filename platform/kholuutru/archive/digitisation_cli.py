"""``kholuutru digitise FILE…`` (scans to PDF/A on the command line) and ``kholuutru jobs work`` (the job worker).

``digitise`` needs no database: it checks each scan against the standard, OCRs it with Tesseract's Vietnamese model
and writes ``<name>.pdfa.pdf`` beside it (or into ``--output-dir``), for operators digitising a batch by hand. The
worker claims queued jobs from PostgreSQL until none is left (``--once``: at most one). Both groups add themselves to
``main`` (``cli`` imports this module last).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from . import (
    digitisation,  # noqa: F401  (registers the digitisation job handler with the queue)
    jobs,
    ocr,
    scan_checks,
    suspension,
)
from .cli import Context, emit, main, reports
from .errors import ArchiveError
from .settings import Settings
from .storage import open_storage

_SUFFIXES = {"application/pdf": ".pdf", "image/tiff": ".tif", "image/png": ".png", "image/jpeg": ".jpg"}


@main.command("digitise")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--output-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the PDF/A files (default: beside each scan).")
@reports
def digitise_command(context: Context, as_json: bool, files: tuple[Path, ...], output_dir: Path | None) -> None:
    """Check scans (format, resolution, colour) and OCR them into PDF/A-2b; exit 2 if any scan is refused."""
    settings = context.settings
    results: list[dict[str, Any]] = []
    with click.progressbar(files, label="Số hóa / digitising", file=sys.stderr,
                           item_show_func=lambda path: path.name if path else "") as bar:
        for path in bar:
            results.append(_digitise_one(path, output_dir, settings))
    refused = [result for result in results if not result["ok"]]
    lines = [f"{'LỖI / REFUSED' if not r['ok'] else 'OK'} {r['file']}: "
             + (r.get("message") or f"{r['pages']} trang / pages → {r['output']}"
                + "".join(f"\n  [{f['field']}] {f['message_vi']} / {f['message_en']}" for f in r["findings"]))
             for r in results]
    emit(as_json, {"ok": not refused, "files": results}, "\n".join(lines))
    if refused:
        sys.exit(2)


def _digitise_one(path: Path, output_dir: Path | None, settings: Settings) -> dict[str, Any]:
    data = path.read_bytes()
    try:
        report = scan_checks.check_scan(data, settings.scan_min_dpi)
        result = ocr.ocr_to_pdfa(data, _SUFFIXES[report.media_type], settings,
                                 assume_dpi=None in report.dpi and report.media_type != "application/pdf")
    except ArchiveError as error:
        return {"ok": False, "file": str(path), "field": error.field,
                "message": error.message(settings.default_language)}
    target = (output_dir or path.parent) / f"{path.stem}.pdfa.pdf"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(result.pdf)
    return {"ok": True, "file": str(path), "output": str(target), "pages": result.pages, "pdfa": result.pdfa,
            "characters": len(result.text.strip()), **{k: v for k, v in report.as_dict().items() if k != "pages"}}


@click.group("jobs")
def jobs_group() -> None:
    """Background jobs (PostgreSQL-backed queue)."""


@jobs_group.command("work")
@click.option("--once", is_flag=True, help="Run at most one job, then stop.")
@reports
def jobs_work(context: Context, as_json: bool, once: bool) -> None:
    """Run queued jobs until none is left; exit 1 if any of them failed (refused while suspended)."""
    storage = open_storage(context.settings)
    finished = []
    with context.database() as database:
        with database.session(jobs.WORKER) as session:
            suspension.ensure_writable(session)
        while (job := jobs.run_next(database, storage, context.settings)) is not None:
            finished.append({"id": job.id, "kind": job.kind, "state": job.state, "message": job.message})
            if not as_json:
                click.echo(f"#{job.id} {job.kind}: {job.state} — {job.message}")
            if once:
                break
    failed = [job for job in finished if job["state"] == "failed"]
    emit(as_json, {"ok": not failed, "jobs": finished},
         f"{len(finished)} công việc / jobs, {len(failed)} lỗi / failed")
    if failed:
        sys.exit(1)


main.add_command(jobs_group)
