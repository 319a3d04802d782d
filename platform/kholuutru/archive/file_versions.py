"""A new version of a document's file made by the platform itself (a signed PDF, a digitised PDF/A).

Stored exactly like an upload (invariant 3), by ``document_files``' own receiving and storing code: the bytes are
hashed, sniffed and checked, the object is written under its content address while holding the uploads' shared lock,
and only then the row is added. Rights, suspension and the single audit event belong to the service that made the
bytes.
"""

from __future__ import annotations

import io

from sqlalchemy.orm import Session

from . import document_files
from .access import Actor
from .dossier_models import Document, DocumentFile
from .storage import Storage


def store_version(session: Session, actor: Actor, storage: Storage, document: Document, data: bytes,
                  file_name: str) -> DocumentFile:
    """``data`` as the document's next file version: object first, then the row (flushed, not audited)."""
    with document_files.receive(io.BytesIO(data), len(data)) as received:
        return document_files.store_received(session, actor, storage, document, received, file_name)
