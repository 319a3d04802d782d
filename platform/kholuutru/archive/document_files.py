"""Stored files of documents (invariant 3: fixity): upload, download, the orphan sweeper and fixity verification.

An upload is checked completely — rights, suspension, dossier state, type, readability, size — while it is streamed
into a temporary file and hashed, so refused input stores nothing. Then the object is written under its content
address (``sha256/ab/cd/<hex>``) *before* the ``document_files`` row: a crash in between leaves an unreferenced object,
which ``sweep_orphans`` removes after a grace period, never a row without its bytes. A new version is a new row and a
new object; nothing is overwritten.

Uploads and the sweeper also meet on a PostgreSQL advisory lock: an upload holds it shared from before its object is
written until its transaction ends, and the sweeper takes it exclusively before deleting. So an object whose row is
about to commit — even an old orphan that a new upload of the same bytes is adopting — is never swept away.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any, BinaryIO, NamedTuple

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from . import audit, file_types, signature_validation
from .access import ALL_UNITS, VISIBLE_UNITS_SETTING, Actor, require
from .dossier_models import Document, DocumentFile
from .errors import InvalidInput, NotFound, PermissionDenied, PlatformSuspended
from .settings import Settings
from .storage import ObjectMissing, Storage
from .storage.base import CHUNK, sha256_of
from .suspension import current_state, ensure_writable
from .workflow import ensure_editable

KEY_PREFIX = "sha256/"
# pg_advisory_xact_lock key shared by uploads (shared) and the sweeper (exclusive): "kltfiles" in ASCII.
OBJECTS_LOCK = 0x6B6C7466696C6573
_BATCH = 1000


def object_key(sha256: str) -> str:
    """The content address of an object: ``sha256/ab/cd/<hex>``, sharded so no folder grows too large."""
    return f"{KEY_PREFIX}{sha256[:2]}/{sha256[2:4]}/{sha256}"


@dataclass(frozen=True)
class Received:
    """An upload spooled to a temporary file, hashed and sniffed on the way."""

    file: BinaryIO
    sha256: str
    size: int
    file_type: file_types.FileType


@contextmanager
def receive(stream: BinaryIO, limit: int) -> Iterator[Received]:
    """Stream ``stream`` into a temporary file, refusing it as soon as it is over ``limit`` bytes or of a bad type.

    The temporary file lives as long as the ``with`` block: store it (``store_received``) inside the block.
    """
    with tempfile.TemporaryFile() as spool:
        digest, size, head, file_type = hashlib.sha256(), 0, b"", None
        while chunk := stream.read(min(CHUNK, limit + 1 - size)):
            size += len(chunk)
            if size > limit:
                raise InvalidInput(
                    f"Tệp vượt quá dung lượng tối đa {_mebibytes(limit)}.",
                    f"The file is larger than the limit of {_mebibytes(limit)}.",
                    field="file",
                )
            if file_type is None:
                head += chunk[: file_types.MAGIC_LENGTH - len(head)]
                if len(head) == file_types.MAGIC_LENGTH:
                    file_type = file_types.sniff(head)  # refuse a wrong type before reading the rest
            digest.update(chunk)
            spool.write(chunk)
        file_type = file_type or file_types.sniff(head)
        file_types.check_readable(spool, file_type)
        yield Received(spool, digest.hexdigest(), size, file_type)


def _mebibytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MiB" if size >= 1024 * 1024 else f"{size} bytes"


def add_file(
    session: Session, actor: Actor, storage: Storage, settings: Settings, *,
    document_id: int, stream: BinaryIO, file_name: str | None,
) -> DocumentFile:
    """Store a new version of a document's file; the caller's transaction commits the row and its audit event."""
    document = session.scalar(select(Document).where(Document.id == document_id).with_for_update())
    if document is None:
        raise NotFound("Không tìm thấy văn bản.", "Document not found.", field="document_id")
    require(actor, "document.add_file", document.unit_id)
    ensure_writable(session)
    ensure_editable(document.dossier)
    with receive(stream, settings.max_upload_bytes) as received:
        row = store_received(session, actor, storage, document, received, file_name)
    checks = signature_validation.record_checks(session, storage, settings, row)
    audit.record(
        session, actor, "document.file_add", object_type="document_file", object_id=row.id, unit_id=row.unit_id,
        after={"sha256": row.sha256, "size": row.size, "media_type": row.media_type, "version": row.version,
               "file_name": row.file_name, "signatures": [(check.kind, check.status) for check in checks]},
    )
    return row


def store_received(session: Session, actor: Actor, storage: Storage, document: Document, received: Received,
                   file_name: str | None) -> DocumentFile:
    """``received`` as the document's next file version: object first, then the row (flushed, not audited).

    Shared by uploads and by the versions the platform makes itself (``file_versions``), so every version is stored
    the same way. The caller checked rights, suspension and state, and writes the one audit event of its change.
    """
    key = object_key(received.sha256)
    session.execute(select(func.pg_advisory_xact_lock_shared(OBJECTS_LOCK)))
    received.file.seek(0)
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


class Download(NamedTuple):
    """A file row and an open stream of its bytes (the caller closes it)."""

    file: DocumentFile
    stream: BinaryIO


def open_file(session: Session, actor: Actor, storage: Storage, file_id: int) -> Download:
    """A stored file to download; row-level security decides which units' files the actor can reach.

    While the platform is suspended only province-wide roles (who investigate) may read (DOMAIN.md § suspension).
    """
    state = current_state(session)
    if state.suspended and not actor.sees_all_units:
        raise PlatformSuspended(state.reason or "")
    row = session.scalar(select(DocumentFile).where(DocumentFile.id == file_id))
    if row is None:
        raise NotFound("Không tìm thấy tệp.", "File not found.", field="file_id")
    return Download(row, storage.open(row.object_key))


def _ensure_province_wide(session: Session, what_vi: str, what_en: str) -> None:
    """Refuse to run when row-level security hides some units: the result would be wrong, or destructive."""
    visible = session.scalar(select(func.current_setting(VISIBLE_UNITS_SETTING, True)))
    if visible != ALL_UNITS:
        raise PermissionDenied(
            f"{what_vi} phải chạy với quyền xem toàn tỉnh (quản trị hệ thống, trực vận hành).",
            f"{what_en} must run as a province-wide actor (system administrator, on-call operator).",
        )


def sweep_orphans(session: Session, storage: Storage, *, grace: dt.timedelta) -> list[str]:
    """Delete stored objects older than ``grace`` that no ``document_files`` row references; return their keys.

    Run it in a session of a province-wide actor (e.g. ``Actor.system("sweep")``): under row-level security another
    unit's rows are invisible, so its objects would look unreferenced — the sweep refuses any other session. It also
    refuses while the platform is suspended, when nothing may be destroyed that an investigation might need.
    """
    _ensure_province_wide(session, "Dọn tệp mồ côi", "The orphan sweep")
    ensure_writable(session)
    if grace < dt.timedelta(0):
        raise InvalidInput("Thời gian chờ không được âm.", "The grace period cannot be negative.", field="grace")
    cutoff = dt.datetime.now(dt.UTC) - grace
    candidates: list[str] = []
    batch: list[str] = []
    for info in storage.iter_keys(KEY_PREFIX):
        if info.last_modified <= cutoff:
            batch.append(info.key)
        if len(batch) == _BATCH:
            candidates += _unreferenced(session, batch)
            batch = []
    candidates += _unreferenced(session, batch)
    if not candidates:
        return []
    # Wait for uploads in flight to end, then look again: a row committed meanwhile keeps its object.
    session.execute(select(func.pg_advisory_xact_lock(OBJECTS_LOCK)))
    orphans = [key for start in range(0, len(candidates), _BATCH)
               for key in _unreferenced(session, candidates[start:start + _BATCH])]
    for key in orphans:
        storage.delete(key)
    return orphans


def _unreferenced(session: Session, keys: list[str]) -> list[str]:
    if not keys:
        return []
    referenced = set(session.scalars(select(DocumentFile.object_key).where(DocumentFile.object_key.in_(keys))))
    return [key for key in keys if key not in referenced]


@dataclass
class VerifyReport:
    """The result of re-hashing stored objects: what was checked and every row whose object is missing or altered."""

    objects_checked: int = 0
    bytes_checked: int = 0
    sample: float | None = None
    mismatches: list[dict[str, Any]] = field(default_factory=list)
    missing: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches and not self.missing

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, **asdict(self)}


def file_count(session: Session) -> int:
    """How many file rows ``verify_objects`` walks (the length of a progress bar)."""
    return session.scalar(select(func.count()).select_from(DocumentFile)) or 0


def verify_objects(
    session: Session, storage: Storage, *, sample: float | None = None,
    advance: Callable[[int], None] | None = None,
) -> VerifyReport:
    """Re-hash every referenced object (or a random ``sample`` fraction of them) against its row's SHA-256 and size.

    Objects are read as streams, one at a time; an object shared by several rows is read once. ``advance`` is told of
    each row walked. Runs in a province-wide session only, so a clean report really covers every unit.
    """
    _ensure_province_wide(session, "Kiểm tra toàn vẹn", "Fixity verification")
    if sample is not None and not 0 < sample <= 1:
        raise InvalidInput("Tỷ lệ mẫu phải lớn hơn 0 và không quá 1.", "The sample must be above 0 and at most 1.",
                           field="sample")
    report = VerifyReport(sample=sample)
    columns = (DocumentFile.object_key, DocumentFile.id, DocumentFile.document_id, DocumentFile.sha256,
               DocumentFile.size)
    after: tuple[str, int] = ("", 0)
    current_key: str | None = None
    checked, actual = False, None
    while rows := session.execute(
        select(*columns).where(tuple_(DocumentFile.object_key, DocumentFile.id) > after)
        .order_by(DocumentFile.object_key, DocumentFile.id).limit(_BATCH)
    ).all():
        for key, file_id, document_id, sha256, size in rows:
            if key != current_key:
                current_key = key
                checked = sample is None or random.random() < sample
                actual = _hash_object(storage, key, report) if checked else None
            if advance:
                advance(1)
            if not checked:
                continue
            where = {"file_id": file_id, "document_id": document_id, "key": key}
            if actual is None:
                report.missing.append(where)
            elif actual != (sha256, size):
                report.mismatches.append({**where, "expected_sha256": sha256, "actual_sha256": actual[0],
                                          "expected_size": size, "actual_size": actual[1]})
        after = (rows[-1][0], rows[-1][1])
    return report


def _hash_object(storage: Storage, key: str, report: VerifyReport) -> tuple[str, int] | None:
    """SHA-256 and size of a stored object, counted in the report; None when it is missing."""
    report.objects_checked += 1
    try:
        with storage.open(key) as stream:
            sha256, size = sha256_of(stream)
    except ObjectMissing:
        return None
    report.bytes_checked += size
    return sha256, size
