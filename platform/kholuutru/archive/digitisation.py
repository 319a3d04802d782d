"""Digitisation of paper documents: a scanned file becomes a searchable PDF/A version of the document.

Staff ask for it (``request``): the scan is checked at once — refused if unreadable, flagged if it misses the
standard — and a job is queued in the same transaction. A worker (``kholuutru jobs work``) runs the OCR outside any
transaction, reporting progress in the job row, then stores the PDF/A as the document's next file version (named
``<dossier code>.<order>.pdf``, DOMAIN.md § codes), keeps the OCR text for full-text search, records the file's
signature validation (unsigned, until staff sign it) and writes one audit event.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import audit, file_versions, jobs, ocr, scan_checks, signature_validation
from .access import Actor, require
from .database import Database
from .digitisation_models import Digitisation, Job
from .dossier_models import Document, DocumentFile
from .errors import Conflict, NotFound
from .settings import Settings
from .storage import Storage
from .suspension import ensure_writable
from .workflow import ensure_editable

JOB_KIND = "digitise"
_SUFFIXES = {"application/pdf": ".pdf", "image/tiff": ".tif", "image/png": ".png", "image/jpeg": ".jpg"}


def request(session: Session, actor: Actor, storage: Storage, settings: Settings, *,
            document_id: int) -> Digitisation:
    """Check the document's current file as a scan and queue its OCR; findings are kept on the record."""
    document = session.scalar(select(Document).where(Document.id == document_id).with_for_update())
    if document is None or not actor.sees_unit(document.unit_id):
        raise NotFound("Không tìm thấy văn bản.", "Document not found.", field="document_id")
    require(actor, "document.digitise", document.unit_id)
    ensure_writable(session)
    ensure_editable(document.dossier)
    source = session.scalar(select(DocumentFile).where(DocumentFile.document_id == document.id)
                            .order_by(DocumentFile.version.desc()).limit(1))
    if source is None:
        raise Conflict("Văn bản chưa có tệp ảnh quét để số hóa.", "The document has no scan to digitise.",
                       field="file")
    with storage.open(source.object_key) as stream:
        report = scan_checks.check_scan(stream.read(), settings.scan_min_dpi)
    job = jobs.enqueue(session, actor, kind=JOB_KIND, unit_id=document.unit_id, payload={})
    row = Digitisation(unit_id=document.unit_id, document_id=document.id, source_file_id=source.id, job_id=job.id,
                       state="queued", findings=report.as_dict()["findings"], requested_by=actor.username)
    session.add(row)
    session.flush()
    job.payload = {"digitisation_id": row.id}
    audit.record(session, actor, "document.digitise_request", object_type="digitisation", object_id=row.id,
                 unit_id=row.unit_id, after={"source_file_id": source.id, "job_id": job.id,
                                             "findings": row.findings})
    return row


def status(session: Session, actor: Actor, digitisation_id: int) -> dict[str, Any]:
    """What the console shows while it runs: state, job progress and message, findings, result file."""
    row = session.get(Digitisation, digitisation_id)
    if row is None or not actor.sees_unit(row.unit_id):
        raise NotFound(f"Không tìm thấy lần số hóa số {digitisation_id}.",
                       f"Digitisation {digitisation_id} was not found.", field="id")
    job = session.get(Job, row.job_id) if row.job_id else None
    return {"id": row.id, "document_id": row.document_id, "state": row.state, "findings": row.findings,
            "progress": job.progress if job else None, "message": job.message if job else None,
            "result_file_id": row.result_file_id, "page_count": row.page_count}


def search(session: Session, actor: Actor, query: str, *, limit: int = 20) -> list[Digitisation]:
    """Digitised documents whose OCR text contains every word of ``query`` (PostgreSQL full-text, 'simple')."""
    vector = func.to_tsvector("simple", func.coalesce(Digitisation.ocr_text, ""))
    statement = (select(Digitisation).where(vector.op("@@")(func.plainto_tsquery("simple", query)))
                 .order_by(Digitisation.id.desc()).limit(limit))
    if not actor.sees_all_units:
        statement = statement.where(Digitisation.unit_id == (actor.unit_id if actor.unit_id is not None else -1))
    return list(session.scalars(statement))


@jobs.register(JOB_KIND)
def run(database: Database, storage: Storage, settings: Settings, job: Job, progress: jobs.Progress) -> str:
    """The worker's part: OCR outside any transaction, then store the result in one."""
    digitisation_id = job.payload["digitisation_id"]
    with database.session(jobs.WORKER) as session:
        row = session.get(Digitisation, digitisation_id)
        if row.state == "succeeded":  # taken over from a worker that died after storing the result
            return "Đã số hóa từ trước / already digitised"
        source = session.get(DocumentFile, row.source_file_id)
        row.state = "running"
        media_type, object_key = source.media_type, source.object_key
    progress(10, "Đang nhận dạng chữ (OCR) / running OCR")
    try:
        with storage.open(object_key) as stream:
            data = stream.read()
        unmeasured = None in scan_checks.check_scan(data, settings.scan_min_dpi).dpi
        result = ocr.ocr_to_pdfa(data, _SUFFIXES[media_type], settings,
                                 assume_dpi=unmeasured and media_type != "application/pdf")
        progress(80, "Đang lưu bản PDF/A / storing the PDF/A")
        with database.session(jobs.WORKER) as session:
            _store(session, storage, settings, digitisation_id, result)
    except Exception:  # whatever ends the job also ends the digitisation it was for; the job records why
        with database.session(jobs.WORKER) as session:
            session.get(Digitisation, digitisation_id).state = "failed"
        raise
    return f"Đã số hóa {result.pages} trang (PDF/A-{result.pdfa}) / digitised {result.pages} pages"


def _store(session: Session, storage: Storage, settings: Settings, digitisation_id: int,
           result: ocr.OcrResult) -> None:
    ensure_writable(session)
    row = session.get(Digitisation, digitisation_id)
    document = session.scalar(select(Document).where(Document.id == row.document_id).with_for_update())
    ensure_editable(document.dossier)
    name = f"{document.dossier.code}.{document.order_in_dossier}.pdf"
    file = file_versions.store_version(session, jobs.WORKER, storage, document, result.pdf, name)
    signature_validation.record(session, file, signature_validation.validate_pdf(result.pdf, settings))
    row.state, row.result_file_id, row.ocr_text = "succeeded", file.id, result.text
    row.page_count, row.finished_at = result.pages, dt.datetime.now(dt.UTC)
    audit.record(session, jobs.WORKER, "document.digitise", object_type="digitisation", object_id=row.id,
                 unit_id=row.unit_id, after={"result_file_id": file.id, "sha256": file.sha256, "pages": result.pages,
                                             "pdfa": result.pdfa},
                 details={"requested_by": row.requested_by, "document_id": document.id})
