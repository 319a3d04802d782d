"""Access requests (khai thác, regulation Đ15.8): ask, decide, read for a limited time, every use recorded.

A person outside the owning unit finds an archived dossier in the published catalogue (code, title, unit, year —
never its documents) and asks to consult it for a purpose and a period. The owning unit's head approves, fixing the
last day of access, or refuses with a reason. While the grant is valid the requester reads that one dossier and
downloads its files, each download watermarked with the requester and the time; every view and download is recorded
(``access_events`` and the audit chain). After the last day both layers refuse: this module with a message that says
the grant expired, and the row-level security policy of migration 0007, which compares the validity with ``now()``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from . import audit
from .access import Actor, province_wide_lookup, require
from .access_request_models import AccessEvent, AccessRequest
from .dossier_models import Document, DocumentFile, Dossier
from .errors import Conflict, InvalidInput, NotFound, PermissionDenied
from .models import Account, Unit
from .settings import Settings
from .signature_stamps import VIETNAM_TIME, vietnam_time
from .storage import Storage
from .suspension import ensure_writable
from .validation import Label
from .validation import date as date_field
from .validation import text as text_field
from .watermark import watermark, watermark_text

PURPOSE = Label("purpose", "Mục đích khai thác", "Purpose")
WANTED_FROM = Label("wanted_from", "Khai thác từ ngày", "From")
WANTED_UNTIL = Label("wanted_until", "Khai thác đến ngày", "Until")
VALID_UNTIL = Label("valid_until", "Được khai thác đến hết ngày", "Access until (inclusive)")
REFUSAL = Label("reason", "Lý do từ chối", "Reason for refusal")
_CATALOGUE_LIMIT = 50


@dataclass(frozen=True)
class CatalogueEntry:
    """What the published catalogue shows of an archived dossier of any unit."""

    id: int
    code: str
    title: str
    year: int
    unit_id: int
    unit_name: str
    access_level: str | None


def catalogue(session: Session, actor: Actor, search: str | None = None) -> list[CatalogueEntry]:
    """Archived dossiers of every unit a requester may ask for (catalogue fields only), matching ``search``."""
    require(actor, "access_request.create", actor.unit_id)
    query = (select(Dossier.id, Dossier.code, Dossier.title, Dossier.year, Dossier.unit_id, Dossier.access_level,
                    Unit.name).join(Unit, Unit.id == Dossier.unit_id)
             .where(Dossier.state == "archived").order_by(Dossier.code).limit(_CATALOGUE_LIMIT))
    if search and search.strip():
        pattern = f"%{search.strip()}%"
        query = query.where(or_(Dossier.code.ilike(pattern), Dossier.title.ilike(pattern)))
    with province_wide_lookup(session):
        rows = session.execute(query).all()
    return [CatalogueEntry(row.id, row.code, row.title, row.year, row.unit_id, row.name, row.access_level)
            for row in rows]


def catalogue_entry(session: Session, dossier_id: int) -> CatalogueEntry:
    """The catalogue line of one archived dossier of any unit (what a request form shows and copies)."""
    with province_wide_lookup(session):
        row = session.execute(select(Dossier.id, Dossier.code, Dossier.title, Dossier.year, Dossier.unit_id,
                                     Dossier.access_level, Dossier.state, Unit.name)
                              .join(Unit, Unit.id == Dossier.unit_id).where(Dossier.id == dossier_id)).first()
    if row is None or row.state != "archived":
        raise NotFound(f"Không có hồ sơ lưu trữ số {dossier_id} để khai thác.",
                       f"There is no archived dossier {dossier_id} to consult.", field="dossier_id")
    return CatalogueEntry(row.id, row.code, row.title, row.year, row.unit_id, row.name, row.access_level)


def request_access(session: Session, actor: Actor, dossier_id: int, values: dict[str, Any]) -> AccessRequest:
    """Ask to consult an archived dossier of another unit for a purpose and a period."""
    require(actor, "access_request.create", actor.unit_id)
    ensure_writable(session)
    purpose = text_field(PURPOSE, values.get("purpose"), max_length=1000, required=True)
    wanted_from = date_field(WANTED_FROM, values.get("wanted_from"), required=True)
    wanted_until = date_field(WANTED_UNTIL, values.get("wanted_until"), required=True)
    assert wanted_from is not None and wanted_until is not None
    if wanted_until < wanted_from:
        raise InvalidInput("Ngày kết thúc phải sau ngày bắt đầu.", "'Until' must not be before 'From'.",
                           field=WANTED_UNTIL.key)
    if wanted_until < _today():
        raise InvalidInput("Thời gian khai thác đã qua.", "The period asked for is already over.",
                           field=WANTED_UNTIL.key)
    entry = catalogue_entry(session, dossier_id)
    if actor.sees_unit(entry.unit_id):
        raise InvalidInput("Bạn đã được xem hồ sơ của đơn vị này, không cần yêu cầu khai thác.",
                           "You already read this unit's dossiers; no request is needed.", field="dossier_id")
    pending = session.scalar(select(AccessRequest.id).where(
        AccessRequest.dossier_id == dossier_id, AccessRequest.requester_username == actor.username,
        AccessRequest.state == "pending"))
    if pending is not None:
        raise Conflict(f"Bạn đã có yêu cầu số {pending} đang chờ duyệt cho hồ sơ này.",
                       f"Your request {pending} for this dossier is still pending.", field="dossier_id")
    request = AccessRequest(
        unit_id=entry.unit_id, dossier_id=entry.id, dossier_code=entry.code, dossier_title=entry.title,
        requester_id=actor.user_id, requester_username=actor.username, requester_unit_id=actor.unit_id,
        purpose=purpose, wanted_from=wanted_from, wanted_until=wanted_until, state="pending",
    )
    session.add(request)
    session.flush()
    audit.record(session, actor, "access_request.create", object_type="access_request", object_id=request.id,
                 unit_id=request.unit_id, after=request_state(request))
    return request


def approve(session: Session, actor: Actor, request_id: int, valid_until: Any = None) -> AccessRequest:
    """The owning unit's head grants reading from now through the end of ``valid_until`` (default: as asked)."""
    request = _decidable(session, actor, request_id)
    last_day = date_field(VALID_UNTIL, valid_until) or request.wanted_until
    if last_day < _today():
        raise InvalidInput("Ngày hết hạn khai thác không được ở quá khứ.", "The last day of access cannot be past.",
                           field=VALID_UNTIL.key)
    before = request_state(request)
    request.state, request.decided_by, request.decided_at = "approved", actor.username, _now()
    request.valid_from = request.decided_at
    request.valid_until = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(), tzinfo=VIETNAM_TIME)
    audit.record(session, actor, "access_request.approve", object_type="access_request", object_id=request.id,
                 unit_id=request.unit_id, before=before, after=request_state(request))
    return request


def refuse(session: Session, actor: Actor, request_id: int, reason: str) -> AccessRequest:
    """The owning unit's head refuses, with the reason the requester will read."""
    cleaned = text_field(REFUSAL, reason, max_length=2000, required=True)
    request = _decidable(session, actor, request_id)
    before = request_state(request)
    request.state, request.decided_by, request.decided_at = "refused", actor.username, _now()
    request.refusal_reason = cleaned
    audit.record(session, actor, "access_request.refuse", object_type="access_request", object_id=request.id,
                 unit_id=request.unit_id, before=before, after=request_state(request), details={"reason": cleaned})
    return request


def my_requests(session: Session, actor: Actor) -> list[AccessRequest]:
    """The actor's own requests, newest first."""
    return list(session.scalars(select(AccessRequest).where(AccessRequest.requester_username == actor.username)
                                .order_by(AccessRequest.id.desc())))


def unit_requests(session: Session, actor: Actor, unit_id: int, *, pending_only: bool = False) -> list[AccessRequest]:
    """Requests for a unit's dossiers (the head's queue when ``pending_only``), oldest pending first."""
    require(actor, "access_request.approve", unit_id)
    query = select(AccessRequest).where(AccessRequest.unit_id == unit_id)
    if pending_only:
        query = query.where(AccessRequest.state == "pending")
    return list(session.scalars(query.order_by(AccessRequest.state != "pending", AccessRequest.id)))


@dataclass(frozen=True)
class GrantedDossier:
    """A dossier opened by a valid grant, with its documents and their files."""

    request: AccessRequest
    dossier: Dossier
    documents: list[Document]


def open_granted(session: Session, actor: Actor, request_id: int) -> GrantedDossier:
    """Read the dossier of a valid grant; the view is recorded."""
    request = valid_grant(session, actor, request_id)
    dossier = session.get(Dossier, request.dossier_id)
    if dossier is None:
        raise NotFound(f"Không tìm thấy hồ sơ {request.dossier_code}.", f"Dossier {request.dossier_code} was not "
                       "found.", field="request_id")
    documents = list(session.scalars(select(Document).where(Document.dossier_id == dossier.id)
                                     .order_by(Document.order_in_dossier)))
    _record_use(session, actor, request, "view", None)
    return GrantedDossier(request, dossier, documents)


def download(session: Session, actor: Actor, storage: Storage, settings: Settings, request_id: int,
             file_id: int) -> tuple[DocumentFile, bytes]:
    """A watermarked copy of one file of a granted dossier; the download is recorded."""
    request = valid_grant(session, actor, request_id)
    row = session.scalar(select(DocumentFile).join(Document).where(DocumentFile.id == file_id,
                                                                   Document.dossier_id == request.dossier_id))
    if row is None:
        raise NotFound("Không tìm thấy tệp trong hồ sơ được khai thác.", "The file is not in the granted dossier.",
                       field="file_id")
    with storage.open(row.object_key) as stream:
        data = stream.read()
    moment = _now()
    marked = watermark(data, row.media_type, watermark_text(_requester_name(session, actor), request.id, moment),
                       settings)
    _record_use(session, actor, request, "download", row.id)
    return row, marked


def valid_grant(session: Session, actor: Actor, request_id: int) -> AccessRequest:
    """The actor's own approved request, refused with a clear reason when pending, refused or expired."""
    ensure_writable(session)  # every use is recorded: nothing is read while the platform is suspended
    request = session.get(AccessRequest, request_id)
    if request is None or request.requester_username != actor.username:
        raise NotFound(f"Không tìm thấy yêu cầu khai thác số {request_id}.",
                       f"Access request {request_id} was not found.", field="request_id")
    if request.state == "pending":
        raise PermissionDenied("Yêu cầu khai thác chưa được duyệt.", "The access request has not been approved yet.",
                               field="request_id")
    if request.state == "refused":
        raise PermissionDenied(f"Yêu cầu khai thác đã bị từ chối: {request.refusal_reason}",
                               f"The access request was refused: {request.refusal_reason}", field="request_id")
    assert request.valid_until is not None
    if not request.valid_at(_now()):
        raise PermissionDenied(
            f"Quyền khai thác hồ sơ {request.dossier_code} đã hết hạn lúc {vietnam_time(request.valid_until)}.",
            f"Access to dossier {request.dossier_code} expired at {vietnam_time(request.valid_until)}.",
            field="request_id",
        )
    return request


def request_state(request: AccessRequest) -> dict[str, Any]:
    """The request's columns, for audit digests and the API."""
    return {column.key: getattr(request, column.key) for column in AccessRequest.__table__.columns}


def _record_use(session: Session, actor: Actor, request: AccessRequest, kind: str, file_id: int | None) -> None:
    session.add(AccessEvent(unit_id=request.unit_id, request_id=request.id, requester_username=actor.username,
                            kind=kind, document_file_id=file_id))
    session.flush()
    audit.record(session, actor, f"access.{kind}", object_type="access_request", object_id=request.id,
                 unit_id=request.unit_id, details={"dossier": request.dossier_code, "file_id": file_id})


def _decidable(session: Session, actor: Actor, request_id: int) -> AccessRequest:
    request = session.scalar(select(AccessRequest).where(AccessRequest.id == request_id).with_for_update())
    if request is None or not actor.sees_unit(request.unit_id):
        raise NotFound(f"Không tìm thấy yêu cầu khai thác số {request_id}.",
                       f"Access request {request_id} was not found.", field="request_id")
    require(actor, "access_request.approve", request.unit_id)
    ensure_writable(session)
    if request.state != "pending":
        raise Conflict(f"Yêu cầu số {request.id} đã được xử lý.", f"Request {request.id} has already been decided.",
                       field="state")
    return request


def _requester_name(session: Session, actor: Actor) -> str:
    account = session.get(Account, actor.user_id) if actor.user_id is not None else None
    return f"{account.last_name} {account.first_name} ({actor.username})" if account else actor.username


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _today() -> dt.date:
    return _now().astimezone(VIETNAM_TIME).date()
