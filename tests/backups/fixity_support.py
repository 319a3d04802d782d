"""What the fixity tests of a local folder and of an S3 bucket share: the archive's objects as the database records
them, which of them a run's rotating slice re-hashes, and a new document file to back up."""

from __future__ import annotations

import io
import os

from pypdf import PdfWriter
from sqlalchemy import select

from kholuutru.archive import document_files
from kholuutru.archive.access import Actor
from kholuutru.archive.database import Database
from kholuutru.archive.dossier_models import Document, DocumentFile, Dossier
from kholuutru.archive.settings import Settings
from kholuutru.archive.storage import Storage
from kholuutru.backups.fixity import SLICES

SYSTEM = Actor.system("test")


def keys_and_hashes(database: Database) -> dict[str, str]:
    """Every document object's key and SHA-256."""
    with database.session(SYSTEM) as session:
        return dict(session.execute(select(DocumentFile.object_key, DocumentFile.sha256)).all())


def in_slice(sha256: str, runs: int) -> bool:
    """Whether the run after ``runs`` recorded runs re-hashes the object though the record vouches for it."""
    return int(sha256[:8], 16) % SLICES == runs % SLICES


def add_pdf(database: Database, storage: Storage, settings: Settings) -> str:
    """Add a new one-page PDF (unique bytes) to a draft dossier's document; its object key."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Subject": os.urandom(8).hex()})
    out = io.BytesIO()
    writer.write(out)
    with database.session(SYSTEM) as session:
        document = session.scalars(select(Document).join(Dossier).where(Dossier.state == "draft")).first()
        added = document_files.add_file(session, SYSTEM, storage, settings, document_id=document.id,
                                        stream=io.BytesIO(out.getvalue()), file_name="moi.pdf")
        return added.object_key
