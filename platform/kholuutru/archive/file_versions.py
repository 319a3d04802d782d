"""A new version of a document's file made by the platform itself (a signed PDF, a digitised PDF/A).

Stored exactly like an upload (invariant 3): ``document_files``' receiving code hashes, sniffs and checks the bytes,
the object is written under its content address while holding the uploads' shared lock, and only then the row is
added. Rights, suspension and the single audit event belong to the service that made the bytes.
"""

from __future__ import annotations

import io

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import document_files, file_types
from .access import Actor
from .dossier_models import Document, DocumentFile
from .storage import Storage


def store_version(session: Session, actor: Actor, storage: Storage, document: Document, data: bytes,
                  file_name: str) -> DocumentFile:
    """``data`` as the document's next file version: object first, then the row (flushed, not audited)."""
    with document_files._receive(io.BytesIO(data), len(data)) as received:
        key = document_files.object_key(received.sha256)
        session.execute(select(func.pg_advisory_xact_lock_shared(document_files._OBJECTS_LOCK)))
        storage.put(key, received.file)
    latest = session.scalar(select(func.max(DocumentFile.version)).where(DocumentFile.document_id == document.id))
    row = DocumentFile(
        document_id=document.id, unit_id=document.unit_id, version=(latest or 0) + 1, object_key=key,
        sha256=received.sha256, size=received.size, media_type=received.file_type.media_type,
        file_name=file_types.safe_file_name(file_name, received.file_type), uploaded_by_id=actor.user_id,
    )
    session.add(row)
    session.flush()
    return row
