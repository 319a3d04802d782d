"""Archived dossiers whose retention is over, with real stored PDFs, made through the real services."""

from __future__ import annotations

import io

from pki_support import sign_for_submission
from pypdf import PdfWriter
from sqlalchemy import select

from kholuutru.archive import dossiers
from kholuutru.archive.document_files import add_file
from kholuutru.archive.dossier_models import Document
from kholuutru.archive.roles import RECORDS_STAFF, UNIT_HEAD


def pdf_bytes(marker: str) -> bytes:
    """A one-page PDF whose bytes differ with ``marker`` (its title)."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": marker})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def archived_dossier(database, factory, unit, storage, settings, *, pdf: bytes, years: int | None = 10,
                     end_year: int = 2010) -> int:
    """An archived dossier of ``unit`` that ended in ``end_year``, kept ``years`` (None: permanently), whose
    document carries ``pdf`` as its current file."""
    staff, head = unit.actor(RECORDS_STAFF), unit.actor(UNIT_HEAD)
    dossier_id = factory.draft(unit, staff)
    with database.session(staff) as session:
        document_id = session.scalar(select(Document.id).where(Document.dossier_id == dossier_id))
        add_file(session, staff, storage, settings, document_id=document_id, stream=io.BytesIO(pdf),
                 file_name="ban-goc.pdf")
    sign_for_submission(database, storage, settings, factory.pki, document_id)  # the new file is signed again
    for actor, step in ((staff, dossiers.submit), (head, dossiers.approve), (head, dossiers.archive)):
        with database.session(actor) as session:
            step(session, actor, dossier_id)
    with database.session(head) as session:
        dossiers.correct(session, head, dossier_id, {
            "start_date": f"01/01/{end_year}", "end_date": f"31/12/{end_year}",
            "retention_permanent": years is None, "retention_years": years,
        }, reason="Cập nhật thời gian của hồ sơ theo bản gốc")
    return dossier_id
