"""Destruction of expired dossiers (regulation Đ14.2; Luật Lưu trữ Đ28; TT 06/2025): the workflow of one batch.

proposal (list + explanatory note, records staff) → appraisal council review (members, date, minutes number, opinion)
→ decision of the competent head (decision number and date) or rejection → destruction within 15 days of the decision
(destruction minutes number). Each step writes one audit event.

Eligibility is checked at every step, not only at the proposal: a dossier put on legal hold, or made permanent by a
correction, after it was proposed stops the batch at approval and at destruction. Destruction deletes the documents,
their files and what was derived from them (signature checks, digitisations, extractions), marks the dossier
*destroyed* and writes a tombstone that keeps its metadata, the decision and every object's key, SHA-256 and size.
Stored objects are content-addressed and may be shared with documents outside the batch (same bytes uploaded twice):
an object is deleted only when no remaining row, in any unit, references it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from . import audit
from .access import Actor, province_wide_lookup, require
from .digitisation_models import Digitisation
from .document_files import OBJECTS_LOCK
from .dossier_models import Document, DocumentFile, Dossier
from .dossiers import document_state, dossier_state
from .errors import Conflict, InvalidInput, NotFound
from .extraction_models import Extraction
from .retention import expiry_date, open_batch_of
from .retention_models import DestructionBatch, DestructionItem, Tombstone
from .signature_models import SignatureValidation
from .storage import Storage
from .suspension import ensure_writable
from .validation import Label
from .validation import date as date_field
from .validation import text as text_field

DESTRUCTION_DEADLINE = dt.timedelta(days=15)
NOTE = Label("note", "Bản thuyết minh", "Explanatory note")
DOSSIERS = Label("dossier_ids", "Hồ sơ đề nghị hủy", "Dossiers proposed for destruction")
MEMBERS = Label("council_members", "Thành viên Hội đồng", "Council members")
MINUTES = Label("council_minutes_number", "Số biên bản họp Hội đồng", "Council minutes number")
COUNCIL_DATE = Label("council_date", "Ngày họp Hội đồng", "Council meeting date")
OPINION = Label("council_opinion", "Ý kiến thẩm định", "Appraisal opinion")
DECISION = Label("decision_number", "Số quyết định hủy", "Decision number")
DECISION_DATE = Label("decision_date", "Ngày quyết định", "Decision date")
REJECTION = Label("reason", "Lý do không duyệt", "Reason for rejection")
DESTRUCTION_MINUTES = Label("destruction_minutes_number", "Số biên bản hủy", "Destruction minutes number")


def list_batches(session: Session, actor: Actor, unit_id: int) -> list[DestructionBatch]:
    """The unit's batches, newest first."""
    require(actor, "retention.review", unit_id)
    return list(session.scalars(select(DestructionBatch).where(DestructionBatch.unit_id == unit_id)
                                .order_by(DestructionBatch.id.desc())))


def get_batch(session: Session, actor: Actor, batch_id: int, *, lock: bool = False) -> DestructionBatch:
    """A batch of a unit the actor sees; anything else is reported as not found."""
    query = select(DestructionBatch).where(DestructionBatch.id == batch_id)
    batch = session.scalar(query.with_for_update() if lock else query)
    if batch is None or not actor.sees_unit(batch.unit_id):
        raise NotFound(f"Không tìm thấy đợt hủy số {batch_id}.", f"Destruction batch {batch_id} was not found.",
                       field="batch_id")
    return batch


def propose(session: Session, actor: Actor, unit_id: int, dossier_ids: list[int], note: str,
            today: dt.date | None = None) -> DestructionBatch:
    """Propose the destruction of expired dossiers of one unit, with the explanatory note."""
    require(actor, "retention.propose_destruction", unit_id)
    ensure_writable(session)
    cleaned_note = text_field(NOTE, note, max_length=5000, required=True)
    if not dossier_ids:
        raise InvalidInput("Phải chọn ít nhất một hồ sơ.", "Choose at least one dossier.", field=DOSSIERS.key)
    dossiers = _locked_dossiers(session, unit_id, sorted(set(dossier_ids)))
    _ensure_destroyable(session, dossiers, today or dt.date.today(), batch_id=None)
    batch = DestructionBatch(unit_id=unit_id, state="proposed", note=cleaned_note, proposed_by=actor.username)
    batch.items = [DestructionItem(dossier_id=dossier.id, unit_id=unit_id) for dossier in dossiers]
    session.add(batch)
    session.flush()
    audit.record(session, actor, "destruction.propose", object_type="destruction_batch", object_id=batch.id,
                 unit_id=unit_id, after=batch_state(batch), details={"dossiers": [d.code for d in dossiers]})
    return batch


def record_appraisal(session: Session, actor: Actor, batch_id: int, values: dict[str, Any]) -> DestructionBatch:
    """Record the appraisal council's review of a proposed batch: members, meeting date, minutes, opinion."""
    batch = get_batch(session, actor, batch_id, lock=True)
    require(actor, "retention.record_appraisal", batch.unit_id)
    ensure_writable(session)
    members = text_field(MEMBERS, values.get("council_members"), max_length=2000, required=True)
    minutes = text_field(MINUTES, values.get("council_minutes_number"), max_length=50, required=True)
    meeting = date_field(COUNCIL_DATE, values.get("council_date"), required=True)
    opinion = text_field(OPINION, values.get("council_opinion"), max_length=5000, required=True)
    _ensure_not_future(COUNCIL_DATE, meeting)
    _ensure_state(batch, "proposed")
    before = batch_state(batch)
    batch.council_members, batch.council_minutes_number = members, minutes
    batch.council_date, batch.council_opinion, batch.state = meeting, opinion, "appraised"
    audit.record(session, actor, "destruction.appraise", object_type="destruction_batch", object_id=batch.id,
                 unit_id=batch.unit_id, before=before, after=batch_state(batch))
    return batch


def approve(session: Session, actor: Actor, batch_id: int, decision_number: str, decision_date: Any,
            today: dt.date | None = None) -> DestructionBatch:
    """The competent head's decision to destroy an appraised batch (every dossier still destroyable)."""
    batch = get_batch(session, actor, batch_id, lock=True)
    require(actor, "destruction.approve", batch.unit_id)
    ensure_writable(session)
    number = text_field(DECISION, decision_number, max_length=50, required=True)
    decided_on = date_field(DECISION_DATE, decision_date, required=True)
    _ensure_not_future(DECISION_DATE, decided_on)
    _ensure_state(batch, "appraised")
    _ensure_destroyable(session, _batch_dossiers(session, batch), today or dt.date.today(), batch_id=batch.id)
    before = batch_state(batch)
    batch.decision_number, batch.decision_date, batch.decided_by = number, decided_on, actor.username
    batch.state = "approved"
    audit.record(session, actor, "destruction.approve", object_type="destruction_batch", object_id=batch.id,
                 unit_id=batch.unit_id, before=before, after=batch_state(batch))
    return batch


def reject(session: Session, actor: Actor, batch_id: int, reason: str) -> DestructionBatch:
    """The head refuses the proposal: its dossiers stay and may be proposed again later."""
    batch = get_batch(session, actor, batch_id, lock=True)
    require(actor, "destruction.approve", batch.unit_id)
    ensure_writable(session)
    cleaned = text_field(REJECTION, reason, max_length=2000, required=True)
    _ensure_state(batch, "proposed", "appraised")
    before = batch_state(batch)
    batch.rejection_reason, batch.decided_by, batch.state = cleaned, actor.username, "rejected"
    audit.record(session, actor, "destruction.reject", object_type="destruction_batch", object_id=batch.id,
                 unit_id=batch.unit_id, before=before, after=batch_state(batch), details={"reason": cleaned})
    return batch


def destroy(session: Session, actor: Actor, storage: Storage, batch_id: int, minutes_number: str,
            today: dt.date | None = None) -> list[Tombstone]:
    """Carry out an approved decision: delete the documents and their objects, keep a tombstone per dossier."""
    batch = get_batch(session, actor, batch_id, lock=True)
    require(actor, "destruction.execute", batch.unit_id)
    ensure_writable(session)
    minutes = text_field(DESTRUCTION_MINUTES, minutes_number, max_length=50, required=True)
    _ensure_state(batch, "approved")
    today = today or dt.date.today()
    assert batch.decision_date is not None and batch.decision_number is not None
    if today > batch.decision_date + DESTRUCTION_DEADLINE:
        raise Conflict(
            f"Quá 15 ngày kể từ quyết định hủy {batch.decision_number}; cần quyết định mới.",
            f"More than 15 days have passed since decision {batch.decision_number}; a new decision is needed.",
            field="decision_date",
        )
    dossiers = _batch_dossiers(session, batch)
    _ensure_destroyable(session, dossiers, today, batch_id=batch.id)
    now = dt.datetime.now(dt.UTC)
    tombstones = [_destroy_dossier(session, actor, batch, dossier, minutes, now) for dossier in dossiers]
    keys = sorted({entry["object_key"] for tombstone in tombstones for entry in tombstone.objects})
    deleted = _delete_unreferenced_objects(session, storage, keys)
    before = batch_state(batch)
    batch.state, batch.destruction_minutes_number = "destroyed", minutes
    batch.destroyed_by, batch.destroyed_at = actor.username, now
    audit.record(session, actor, "destruction.destroy", object_type="destruction_batch", object_id=batch.id,
                 unit_id=batch.unit_id, before=before, after=batch_state(batch),
                 details={"dossiers": [dossier.code for dossier in dossiers], "objects_deleted": len(deleted),
                          "objects_shared_kept": len(keys) - len(deleted)})
    return tombstones


def tombstones(session: Session, actor: Actor, unit_id: int) -> list[Tombstone]:
    """The unit's tombstones, newest first."""
    require(actor, "retention.review", unit_id)
    return list(session.scalars(select(Tombstone).where(Tombstone.unit_id == unit_id)
                                .order_by(Tombstone.id.desc())))


def batch_state(batch: DestructionBatch) -> dict[str, Any]:
    """The batch's columns, for audit digests and the console."""
    return {column.key: getattr(batch, column.key) for column in DestructionBatch.__table__.columns}


def _destroy_dossier(session: Session, actor: Actor, batch: DestructionBatch, dossier: Dossier, minutes: str,
                     now: dt.datetime) -> Tombstone:
    documents = list(session.scalars(select(Document).where(Document.dossier_id == dossier.id)
                                     .order_by(Document.order_in_dossier)))
    document_ids = [document.id for document in documents]
    files = list(session.scalars(select(DocumentFile).where(DocumentFile.document_id.in_(document_ids))
                                 .order_by(DocumentFile.id))) if document_ids else []
    identifiers = {document.id: document.identifier for document in documents}
    metadata = {"dossier": dossier_state(dossier), "documents": [document_state(d) for d in documents]}
    objects = [{"document": identifiers[row.document_id], "version": row.version, "file_name": row.file_name,
                "object_key": row.object_key, "sha256": row.sha256, "size": row.size} for row in files]
    file_ids = [row.id for row in files]
    if file_ids:
        session.execute(delete(SignatureValidation).where(SignatureValidation.document_file_id.in_(file_ids)))
    if document_ids:
        session.execute(delete(Digitisation).where(Digitisation.document_id.in_(document_ids)))
        session.execute(delete(Extraction).where(Extraction.document_id.in_(document_ids)))
        session.execute(delete(DocumentFile).where(DocumentFile.document_id.in_(document_ids)))
        session.execute(delete(Document).where(Document.id.in_(document_ids)))
    session.expire(dossier, ["documents"])
    # The decision destroys the paper original too: its place in the store is freed (the tombstone keeps the box).
    dossier.state, dossier.box_id = "destroyed", None
    assert batch.decision_number is not None and batch.decision_date is not None
    tombstone = Tombstone(unit_id=dossier.unit_id, dossier_id=dossier.id, batch_id=batch.id, dossier_code=dossier.code,
                          dossier_metadata=metadata, objects=objects, decision_number=batch.decision_number,
                          decision_date=batch.decision_date, destruction_minutes_number=minutes,
                          destroyed_by=actor.username, destroyed_at=now)
    session.add(tombstone)
    session.flush()
    return tombstone


def _delete_unreferenced_objects(session: Session, storage: Storage, keys: list[str]) -> list[str]:
    """Delete the objects no remaining ``document_files`` row references, in any unit; return their keys.

    The check must see every unit's rows, or an object shared with another unit's document would look unreferenced,
    hence ``province_wide_lookup`` for this one read-only query. The exclusive
    objects lock waits for uploads in flight, as the orphan sweeper does, so an upload adopting the same bytes keeps
    its object.
    """
    if not keys:
        return []
    session.execute(select(func.pg_advisory_xact_lock(OBJECTS_LOCK)))
    with province_wide_lookup(session):
        referenced = set(session.scalars(select(DocumentFile.object_key).where(DocumentFile.object_key.in_(keys))))
    unreferenced = [key for key in keys if key not in referenced]
    for key in unreferenced:
        storage.delete(key)
    return unreferenced


def _locked_dossiers(session: Session, unit_id: int, dossier_ids: list[int]) -> list[Dossier]:
    dossiers = list(session.scalars(select(Dossier).where(Dossier.id.in_(dossier_ids)).order_by(Dossier.id)
                                    .with_for_update()))
    found = {dossier.id for dossier in dossiers if dossier.unit_id == unit_id}
    missing = [str(dossier_id) for dossier_id in dossier_ids if dossier_id not in found]
    if missing:
        raise NotFound(f"Không tìm thấy hồ sơ số {', '.join(missing)} của đơn vị.",
                       f"Dossier(s) {', '.join(missing)} of the unit were not found.", field=DOSSIERS.key)
    return dossiers


def _batch_dossiers(session: Session, batch: DestructionBatch) -> list[Dossier]:
    return _locked_dossiers(session, batch.unit_id, [item.dossier_id for item in batch.items])


def _ensure_destroyable(session: Session, dossiers: list[Dossier], today: dt.date, *, batch_id: int | None) -> None:
    """Refuse, naming the dossier, any that is permanent, held, not archived, not expired or in another batch."""
    other_batches = open_batch_of(session, [dossier.id for dossier in dossiers])
    for dossier in dossiers:
        expiry = expiry_date(dossier)
        if dossier.retention_permanent:
            problem = ("được bảo quản vĩnh viễn, không bao giờ được hủy", "is kept permanently and is never destroyed")
        elif dossier.legal_hold:
            problem = (f"đang bị giữ ({dossier.legal_hold_reason}), không được hủy",
                       f"is on legal hold ({dossier.legal_hold_reason}) and cannot be destroyed")
        elif dossier.state != "archived":
            problem = ("chưa được lưu trữ hoặc đã bị hủy", "is not archived, or is already destroyed")
        elif expiry is None or today <= expiry:
            problem = (f"chưa hết thời hạn lưu trữ ({expiry or 'chưa xác định'})",
                       f"has not reached the end of its retention ({expiry or 'not set'})")
        elif other_batches.get(dossier.id, batch_id) != batch_id:
            problem = (f"đã nằm trong đợt hủy số {other_batches[dossier.id]}",
                       f"is already in destruction batch {other_batches[dossier.id]}")
        else:
            continue
        raise Conflict(f"Hồ sơ {dossier.code} {problem[0]}.", f"Dossier {dossier.code} {problem[1]}.",
                       field=DOSSIERS.key)


def _ensure_state(batch: DestructionBatch, *states: str) -> None:
    if batch.state not in states:
        raise Conflict(f"Đợt hủy số {batch.id} đang ở bước '{batch.state}', không thực hiện được bước này.",
                       f"Destruction batch {batch.id} is '{batch.state}'; this step does not apply.", field="state")


def _ensure_not_future(label: Label, value: dt.date | None) -> None:
    if value is not None and value > dt.date.today():
        raise InvalidInput(f"Trường '{label.vi}' không được là ngày trong tương lai.",
                           f"'{label.en}' cannot be in the future.", field=label.key)
