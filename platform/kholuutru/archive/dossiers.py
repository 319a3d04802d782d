"""Dossier services: forming a dossier from the annual list, its metadata and documents, and the workflow.

Every function takes the session and the actor, checks the actor's role *in the dossier's unit*, refuses writes while
the platform is suspended, validates the whole input before writing, and writes exactly one audit event.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from . import audit
from .access import Actor, may, require
from .catalogue_models import DossierList, ListEntry
from .dossier_metadata import archival_code, clean, document_identifier, number_symbol, office_code, profile, retention
from .dossier_models import Document, Dossier, DossierCorrection, IssuedCode
from .errors import Conflict, InvalidInput, NotFound
from .metadata_profiles import CURRENT_PROFILE, DOCUMENT_FIELDS, DOSSIER_FIELDS
from .models import Fonds, Unit
from .search import SearchQuery
from .search import search as search_dossiers
from .suspension import ensure_writable
from .validation import Label, integer
from .validation import text as text_field
from .workflow import STATE_NAMES, ensure_editable


@dataclass(frozen=True)
class Problem:
    """Why a dossier cannot be submitted yet, naming the field (and document) concerned."""

    field: str
    message_vi: str
    message_en: str


SubmitCheck = Callable[[Dossier], list[Problem]]
_SUBMIT_CHECKS: list[SubmitCheck] = []


def register_submit_check(check: SubmitCheck) -> SubmitCheck:
    """Add a rule to ``can_submit`` (signatures, extraction … register theirs when they arrive)."""
    _SUBMIT_CHECKS.append(check)
    return check


def can_submit(dossier: Dossier) -> list[Problem]:
    """The policy hook: every problem that blocks submission; an empty list means the dossier may be submitted."""
    return [problem for check in _SUBMIT_CHECKS for problem in check(dossier)]


@register_submit_check
def _metadata_complete(dossier: Dossier) -> list[Problem]:
    rules = profile(dossier.profile)
    problems = [
        Problem(key, f"Thiếu '{DOSSIER_FIELDS[key].label.vi}'.", f"'{DOSSIER_FIELDS[key].label.en}' is missing.")
        for key in rules.dossier_required
        if getattr(dossier, key) in (None, "")
    ]
    if not dossier.documents:
        problems.append(Problem("documents", "Hồ sơ chưa có văn bản nào.", "The dossier has no documents."))
    for document in dossier.documents:
        for key in rules.document_required:
            if getattr(document, key) in (None, ""):
                label = DOCUMENT_FIELDS[key].label
                problems.append(Problem(
                    f"documents[{document.order_in_dossier}].{key}",
                    f"Văn bản số {document.order_in_dossier}: thiếu '{label.vi}'.",
                    f"Document {document.order_in_dossier}: '{label.en}' is missing.",
                ))
        if not document.files:
            problems.append(Problem(
                f"documents[{document.order_in_dossier}].file",
                f"Văn bản số {document.order_in_dossier}: chưa có tệp.",
                f"Document {document.order_in_dossier} has no file.",
            ))
    return problems


# The state each action starts from; who may do it is the right ``dossier.<action>`` of rights.RIGHTS.
ACTIONS: dict[str, str] = {
    "edit": "draft",
    "submit": "draft",
    "withdraw": "submitted",
    "approve": "submitted",
    "return": "submitted",
    "archive": "approved",
    "correct": "archived",
}
# The verb of each transition in refusals: Vietnamese, and the English past participle.
_VERBS = {
    "submit": ("nộp", "submitted"),
    "withdraw": ("rút lại", "withdrawn"),
    "approve": ("duyệt", "approved"),
    "return": ("trả lại", "returned"),
    "archive": ("lưu trữ", "archived"),
}


def allowed_actions(actor: Actor, dossier: Dossier) -> frozenset[str]:
    """What ``actor`` may do to ``dossier`` now, so screens show only the buttons that would be accepted."""
    allowed = set()
    for action, state in ACTIONS.items():
        if dossier.state == state and may(actor, f"dossier.{action}", dossier.unit_id):
            allowed.add(action)
    if "withdraw" in allowed and not actor.is_system_admin and dossier.created_by_id != actor.user_id:
        allowed.discard("withdraw")
    return frozenset(allowed)


def get_dossier(session: Session, actor: Actor, dossier_id: int) -> Dossier:
    """A dossier the actor may see; another unit's dossier is reported as not found."""
    dossier = session.get(Dossier, dossier_id)
    if dossier is None or not actor.sees_unit(dossier.unit_id):
        raise NotFound(f"Không tìm thấy hồ sơ số {dossier_id}.", f"Dossier {dossier_id} was not found.", field="id")
    return dossier


def get_document(session: Session, actor: Actor, document_id: int) -> Document:
    """A document whose dossier the actor may see; anything else is reported as not found."""
    document = session.get(Document, document_id)
    if document is None or not actor.sees_unit(document.unit_id):
        raise NotFound(f"Không tìm thấy văn bản số {document_id}.", f"Document {document_id} was not found.",
                       field="id")
    return document


def list_dossiers(
    session: Session, actor: Actor, *, state: str | None = None, year: int | None = None,
    search: str | None = None, limit: int = 50, offset: int = 0,
) -> tuple[list[Dossier], int]:
    """The actor's visible dossiers (best match first when searched, else newest first), with the total count.

    The dossier list is the search service with its simplest filters, so both find the same dossiers.
    """
    query = SearchQuery(text=search, state=state, year=year, page=offset // limit + 1, page_size=limit)
    result = search_dossiers(session, actor, query)
    return [hit.dossier for hit in result.hits], result.total


def approval_queue(session: Session, actor: Actor) -> list[Dossier]:
    """Submitted dossiers waiting for this unit head."""
    if actor.unit_id is None or not may(actor, "dossier.approve", actor.unit_id):
        return []
    return list(session.scalars(select(Dossier).where(Dossier.unit_id == actor.unit_id, Dossier.state == "submitted")
                                .order_by(Dossier.submitted_at)))


def create_dossier(
    session: Session, actor: Actor, *, unit_id: int, year: int, list_entry_id: int | None = None,
    number_symbol_value: str | None = None, title: str | None = None, retention_permanent: Any = None,
    retention_years: Any = None, fonds_id: int | None = None, profile_code: str = CURRENT_PROFILE,
    metadata: Mapping[str, Any] | None = None,
) -> Dossier:
    """Form a dossier, normally from an entry of the unit's approved annual list for ``year``.

    The entry gives the number and symbol, title and retention; without an entry (legacy imports) they are given.
    Both codes are issued here, recorded in ``issued_codes`` and never given again.
    """
    require(actor, "dossier.form", unit_id)
    ensure_writable(session)
    rules = profile(profile_code)
    year = integer(Label("year", "Năm hình thành", "Year formed"), year, minimum=1900,
                   maximum=dt.date.today().year + 1, required=True) or 0
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise InvalidInput("Đơn vị không tồn tại.", "The unit does not exist.", field="unit_id")
    entry = _list_entry(session, unit_id, year, list_entry_id) if list_entry_id is not None else None
    symbol = number_symbol(entry.number_symbol if entry else number_symbol_value)
    title_value = text_field(DOSSIER_FIELDS["title"].label, entry.title if entry and not title else title,
                             max_length=rules.title_length, required=True)
    permanent, years = (entry.retention_permanent, entry.retention_years) if entry and retention_years is None \
        and retention_permanent is None else retention(retention_permanent, retention_years)
    cleaned = clean(DOSSIER_FIELDS, {k: v for k, v in (metadata or {}).items() if k != "title"})
    fonds = _fonds(session, unit_id, fonds_id)
    codes = (archival_code(fonds.code, year, symbol), office_code(unit.code, year, symbol))
    for code in codes:
        if session.get(IssuedCode, code) is not None:
            raise Conflict(f"Mã hồ sơ {code} đã được cấp, không cấp lại.",
                           f"Dossier code {code} was issued before and is never reused.", field="number_symbol")
    dossier = Dossier(
        unit_id=unit_id, fonds_id=fonds.id, list_entry_id=entry.id if entry else None, profile=rules.code,
        state="draft", code=codes[0], office_code=codes[1], unit_identifier=unit.code, fonds_code=fonds.code,
        year=year, number_symbol=symbol, title=title_value, retention_permanent=permanent, retention_years=years,
        created_by_id=actor.user_id, **cleaned,
    )
    session.add(dossier)
    session.flush()
    session.add_all(IssuedCode(code=code, unit_id=unit_id, dossier_id=dossier.id) for code in codes)
    audit.record(session, actor, "dossier.create", object_type="dossier", object_id=dossier.id, unit_id=unit_id,
                 after=dossier_state(dossier))
    return dossier


def update_dossier(session: Session, actor: Actor, dossier_id: int, changes: Mapping[str, Any]) -> Dossier:
    """Change a draft dossier's metadata (codes never change)."""
    dossier = _writable_dossier(session, actor, dossier_id)
    ensure_editable(dossier)
    _apply(session, actor, dossier, _cleaned_dossier_changes(dossier, changes), "dossier.update", dossier_state)
    return dossier


def add_document(session: Session, actor: Actor, dossier_id: int, metadata: Mapping[str, Any]) -> Document:
    """Add a document to a draft dossier; its identifier and order are assigned here."""
    dossier = _writable_dossier(session, actor, dossier_id)
    ensure_editable(dossier)
    cleaned = clean(DOCUMENT_FIELDS, metadata)
    # One identifier sequence per unit and year; the lock serialises concurrent additions.
    session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"),
                    {"k": f"document-identifier:{dossier.unit_id}:{dossier.year}"})
    prefix = f"{dossier.unit_identifier}.{dossier.year}.%"
    sequence = (session.scalar(select(func.count()).where(Document.identifier.like(prefix))) or 0) + 1
    order = (session.scalar(select(func.max(Document.order_in_dossier)).where(Document.dossier_id == dossier.id))
             or 0) + 1
    document = Document(dossier_id=dossier.id, unit_id=dossier.unit_id, order_in_dossier=order,
                        identifier=document_identifier(dossier.unit_identifier, dossier.year, sequence),
                        created_by_id=actor.user_id, **cleaned)
    session.add(document)
    session.flush()
    session.refresh(dossier)
    audit.record(session, actor, "document.create", object_type="document", object_id=document.id,
                 unit_id=dossier.unit_id, after=document_state(document))
    return document


def update_document(session: Session, actor: Actor, document_id: int, changes: Mapping[str, Any]) -> Document:
    """Change a document's metadata while its dossier is a draft."""
    document = get_document(session, actor, document_id)
    dossier = _writable_dossier(session, actor, document.dossier_id)
    ensure_editable(dossier)
    _apply(session, actor, document, clean(DOCUMENT_FIELDS, changes), "document.update", document_state)
    return document


def submit(session: Session, actor: Actor, dossier_id: int) -> Dossier:
    """Draft → submitted, when ``can_submit`` finds nothing missing. Counts are filled from the documents."""
    dossier = _transition_target(session, actor, dossier_id, "submit")
    dossier.document_count = len(dossier.documents)
    dossier.page_count = sum(d.page_count or 0 for d in dossier.documents) or dossier.page_count
    problems = can_submit(dossier)
    if problems:
        first = problems[0]
        raise InvalidInput(
            "Chưa nộp được hồ sơ: " + " ".join(p.message_vi for p in problems),
            "The dossier cannot be submitted yet: " + " ".join(p.message_en for p in problems),
            field=first.field,
        )
    return _move(session, actor, dossier, "submitted", "dossier.submit", submitted_at=_now(), return_reason=None)


def withdraw(session: Session, actor: Actor, dossier_id: int) -> Dossier:
    """Submitted → draft, by the staff member who formed the dossier."""
    dossier = _transition_target(session, actor, dossier_id, "withdraw")
    if not actor.is_system_admin and dossier.created_by_id != actor.user_id:
        raise InvalidInput("Chỉ người lập hồ sơ được rút lại hồ sơ.", "Only the dossier's creator may withdraw it.",
                           field="state")
    return _move(session, actor, dossier, "draft", "dossier.withdraw", submitted_at=None)


def approve(session: Session, actor: Actor, dossier_id: int) -> Dossier:
    """Submitted → approved, by the unit head."""
    dossier = _transition_target(session, actor, dossier_id, "approve")
    return _move(session, actor, dossier, "approved", "dossier.approve", approved_at=_now(),
                 approved_by_id=actor.user_id)


def return_dossier(session: Session, actor: Actor, dossier_id: int, reason: str) -> Dossier:
    """Submitted → draft with a reason, by the unit head."""
    cleaned = text_field(Label("reason", "Lý do trả lại", "Reason"), reason, max_length=2000, required=True)
    dossier = _transition_target(session, actor, dossier_id, "return")
    return _move(session, actor, dossier, "draft", "dossier.return", submitted_at=None, return_reason=cleaned)


def archive(session: Session, actor: Actor, dossier_id: int) -> Dossier:
    """Approved → archived: the dossier is sealed, read-only from now on."""
    dossier = _transition_target(session, actor, dossier_id, "archive")
    return _move(session, actor, dossier, "archived", "dossier.archive", archived_at=_now())


def correct(session: Session, actor: Actor, dossier_id: int, changes: Mapping[str, Any], reason: str) -> Dossier:
    """Correct an archived dossier's metadata: the only change after sealing, with a reason, kept as a diff."""
    cleaned_reason = text_field(Label("reason", "Lý do hiệu chỉnh", "Reason"), reason, max_length=2000,
                                required=True)
    dossier = get_dossier(session, actor, dossier_id)
    require(actor, "dossier.correct", dossier.unit_id)
    ensure_writable(session)
    if dossier.state != "archived":
        raise Conflict("Chỉ hồ sơ đã lưu trữ mới hiệu chỉnh; hồ sơ đang lập thì sửa trực tiếp.",
                       "Only archived dossiers are corrected; edit a draft directly.", field="state")
    updates = _cleaned_dossier_changes(dossier, changes)
    before = dossier_state(dossier)
    diff = {key: [_jsonable(getattr(dossier, key)), _jsonable(value)] for key, value in updates.items()
            if getattr(dossier, key) != value}
    if not diff:
        raise InvalidInput("Không có gì thay đổi.", "Nothing would change.", field="changes")
    for key, value in updates.items():
        setattr(dossier, key, value)
    session.add(DossierCorrection(dossier_id=dossier.id, unit_id=dossier.unit_id, corrected_by_id=actor.user_id,
                                  corrected_by=actor.username, reason=cleaned_reason, changes=diff))
    session.flush()
    audit.record(session, actor, "dossier.correct", object_type="dossier", object_id=dossier.id,
                 unit_id=dossier.unit_id, before=before, after=dossier_state(dossier),
                 details={"reason": cleaned_reason, "fields": sorted(diff)})
    return dossier


def dossier_state(dossier: Dossier) -> dict[str, Any]:
    """The dossier's columns, for audit digests and the API."""
    return {column.key: _jsonable(getattr(dossier, column.key)) for column in Dossier.__table__.columns}


def document_state(document: Document) -> dict[str, Any]:
    return {column.key: _jsonable(getattr(document, column.key)) for column in Document.__table__.columns}


def _cleaned_dossier_changes(dossier: Dossier, changes: Mapping[str, Any]) -> dict[str, Any]:
    values = dict(changes)
    updates: dict[str, Any] = {}
    if "retention_permanent" in values or "retention_years" in values:
        updates["retention_permanent"], updates["retention_years"] = retention(
            values.pop("retention_permanent", None), values.pop("retention_years", None))
    if "title" in values:
        updates["title"] = text_field(DOSSIER_FIELDS["title"].label, values.pop("title"),
                                      max_length=profile(dossier.profile).title_length, required=True)
    updates.update(clean(DOSSIER_FIELDS, values))
    return updates


def _apply(session: Session, actor: Actor, row: Dossier | Document, updates: Mapping[str, Any], action: str,
           state: Callable[[Any], dict[str, Any]]) -> None:
    """Set cleaned values on a row and record the change with the row's state before and after."""
    before = state(row)
    for key, value in updates.items():
        setattr(row, key, value)
    session.flush()
    audit.record(session, actor, action, object_type=type(row).__name__.lower(), object_id=row.id,
                 unit_id=row.unit_id, before=before, after=state(row))


def _writable_dossier(session: Session, actor: Actor, dossier_id: int) -> Dossier:
    dossier = get_dossier(session, actor, dossier_id)
    require(actor, "dossier.edit", dossier.unit_id)
    ensure_writable(session)
    return dossier


def _transition_target(session: Session, actor: Actor, dossier_id: int, action: str) -> Dossier:
    dossier = get_dossier(session, actor, dossier_id)
    require(actor, f"dossier.{action}", dossier.unit_id)
    expected = ACTIONS[action]
    verb_vi, verb_done = _VERBS[action]
    ensure_writable(session)
    session.refresh(dossier, with_for_update=True)
    if dossier.state != expected:
        raise Conflict(
            f"Không thể {verb_vi} hồ sơ đang ở trạng thái '{STATE_NAMES[dossier.state][0]}'.",
            f"A dossier that is {STATE_NAMES[dossier.state][1].lower()} cannot be {verb_done}.",
            field="state",
        )
    return dossier


def _move(session: Session, actor: Actor, dossier: Dossier, state: str, action: str, **columns: Any) -> Dossier:
    before = dossier_state(dossier)
    dossier.state = state
    for key, value in columns.items():
        setattr(dossier, key, value)
    session.flush()
    audit.record(session, actor, action, object_type="dossier", object_id=dossier.id, unit_id=dossier.unit_id,
                 before=before, after=dossier_state(dossier),
                 details={"reason": dossier.return_reason} if action == "dossier.return" else None)
    return dossier


def _list_entry(session: Session, unit_id: int, year: int, entry_id: int) -> ListEntry:
    entry = session.scalar(
        select(ListEntry).join(DossierList).where(ListEntry.id == entry_id, DossierList.unit_id == unit_id,
                                                  DossierList.year == year)
    )
    if entry is None:
        raise InvalidInput("Mục này không có trong danh mục hồ sơ năm đó của đơn vị.",
                           "That entry is not in the unit's dossier list for that year.", field="list_entry_id")
    if entry.dossier_list.status != "approved":
        raise InvalidInput("Danh mục hồ sơ năm đó chưa được phê duyệt.",
                           "The unit's dossier list for that year is not approved yet.", field="list_entry_id")
    return entry


def _fonds(session: Session, unit_id: int, fonds_id: int | None) -> Fonds:
    query = select(Fonds).where(Fonds.unit_id == unit_id)
    candidates = session.scalars(query.where(Fonds.id == fonds_id) if fonds_id else query.where(Fonds.is_open)).all()
    if len(candidates) != 1:
        raise InvalidInput(
            "Hãy chọn phông lưu trữ của đơn vị cho hồ sơ." if candidates or fonds_id else
            "Đơn vị chưa có phông lưu trữ đang mở; hãy tạo phông trước.",
            "Choose the unit's fonds for the dossier." if candidates or fonds_id else
            "The unit has no open fonds; create one first.",
            field="fonds_id",
        )
    return candidates[0]


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date | dt.datetime) else value


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
