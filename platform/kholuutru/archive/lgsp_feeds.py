"""How one LGSP record of each feed becomes (or updates) our row: idempotent upserts keyed by the LGSP identifier.

Each applier returns ``created``, ``updated`` or ``unchanged`` and writes one audit event for a created or updated row
(none when unchanged: a record received again, byte for byte, is recognised by the digest kept beside the row).
Anything it cannot take raises ``Rejected`` with the reasons, for the review queue. Accounts come in inactive and
without roles (the unit admin decides); procedure dossiers come in as drafts of the unit (regulation Đ15.1: staff
check them before submitting) and are never changed by LGSP once submitted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable
from typing import Any, Literal, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import accounts, audit, dossiers, lgsp_records
from .access import Actor
from .dossier_models import Dossier
from .errors import ArchiveError, PlatformSuspended
from .lgsp_records import Reason, Rejected, digest
from .metadata_profiles import CURRENT_PROFILE
from .models import Account, Unit
from .settings import Settings
from .suspension import ensure_writable
from .sync_models import Procedure, SyncedAccount, SyncedDossier

Outcome = Literal["created", "updated", "unchanged"]
Applier = Callable[[Session, Actor, Settings, Any], Outcome]
PROCEDURE_DOSSIER_CODE = re.compile(r"-(\d{6}-\d{1,6})$")  # <agency identifier>-YYMMDD-NNNN (TT 01/2018 Đ19)
UNIT_FIELDS = {"users": "MaDinhDanhDonVi", "dossiers": "DonViXuLy"}
T = TypeVar("T")


def unit_by_code(session: Session, code: str | None, field: str) -> Unit:
    """The unit an LGSP record names by electronic identifier; an unknown one rejects the record."""
    unit = session.scalar(select(Unit).where(Unit.code == code)) if code else None
    if unit is None:
        raise Rejected([Reason(field, f"Không có đơn vị mã định danh {code}.", f"No unit has identifier {code}.")])
    return unit


def apply_user(session: Session, actor: Actor, settings: Settings, payload: Any) -> Outcome:
    record = lgsp_records.staff(payload)
    fingerprint = digest(payload)
    link = session.get(SyncedAccount, record.external_id)
    if link is not None and link.payload_digest == fingerprint:
        return "unchanged"
    unit = unit_by_code(session, record.unit_code, "MaDinhDanhDonVi")
    *given, family = record.full_name.split(" ")
    first_name, last_name = family[:64], " ".join(given)[:64]
    account = session.get(Account, link.account_id) if link else session.scalar(
        select(Account).where(Account.email == record.email))
    if account is None:
        account = _guarded(lambda: accounts.create_pending_account(
            session, actor, username=record.username or _username(record.email), first_name=first_name,
            last_name=last_name, email=record.email, unit_id=unit.id, position=record.position))
        session.add(SyncedAccount(external_id=record.external_id, account_id=account.id, payload_digest=fingerprint))
        return "created"
    if account.unit_id != unit.id:
        raise Rejected([Reason("MaDinhDanhDonVi", "Cán bộ đã chuyển đơn vị: quản trị đơn vị cần chuyển tài khoản.",
                               "The person moved to another unit: an administrator must move the account.")])
    changed = _guarded(lambda: accounts.update_profile(session, actor, account, first_name=first_name,
                                                       last_name=last_name, email=record.email,
                                                       position=record.position))
    if link is None:
        session.add(SyncedAccount(external_id=record.external_id, account_id=account.id, payload_digest=fingerprint))
    else:
        link.payload_digest, link.synced_at = fingerprint, _now()
    return "updated" if changed else "unchanged"


def apply_procedure(session: Session, actor: Actor, settings: Settings, payload: Any) -> Outcome:
    record = lgsp_records.procedure(payload)
    fingerprint = digest(payload)
    row = session.scalar(select(Procedure).where(Procedure.external_id == record.external_id))
    if row is not None and row.payload_digest == fingerprint:
        return "unchanged"
    ensure_writable(session)
    values = {"code": record.code, "name": record.name, "field": record.field, "agency": record.agency,
              "components": record.components, "results": record.results, "legal_basis": record.legal_basis}
    before = procedure_state(row) if row is not None else None
    if row is None:
        row = Procedure(external_id=record.external_id, **values)
        session.add(row)
    for key, value in values.items():
        setattr(row, key, value)
    row.payload_digest, row.synced_at = fingerprint, _now()
    session.flush()
    audit.record(session, actor, "procedure.update" if before else "procedure.create", object_type="procedure",
                 object_id=row.id, before=before, after=procedure_state(row))
    return "updated" if before else "created"


def apply_dossier(session: Session, actor: Actor, settings: Settings, payload: Any) -> Outcome:
    record = lgsp_records.dossier(payload)
    fingerprint = digest(payload)
    link = session.get(SyncedDossier, record.external_id)
    if link is not None and link.payload_digest == fingerprint:
        return "unchanged"
    unit = unit_by_code(session, record.unit_code, "DonViXuLy")
    dossier_id = link.dossier_id if link else session.scalar(
        select(Dossier.id).where(Dossier.procedure_dossier_code == record.external_id))
    title = f"{record.procedure_name} — {record.applicant}"[:500]
    metadata = _dossier_metadata(record)
    if dossier_id is None:
        dossier = _guarded(lambda: dossiers.create_dossier(
            session, actor, unit_id=unit.id, year=record.received_at.year, title=title,
            number_symbol_value=_number_symbol(record.external_id), profile_code=CURRENT_PROFILE,
            retention_years=settings.lgsp_dossier_retention_years, metadata=metadata))
        outcome: Outcome = "created"
    else:
        dossier = session.get(Dossier, dossier_id)
        assert dossier is not None
        if dossier.unit_id != unit.id:
            raise Rejected([Reason("DonViXuLy", "Hồ sơ đã thuộc đơn vị khác trong kho lưu trữ.",
                                   "The dossier already belongs to another unit of the archive.")])
        if dossier.state != "draft":
            raise Rejected([Reason("MaHoSo", "Hồ sơ đã được nộp lưu; thay đổi từ LGSP không được áp dụng tự động.",
                                   "The dossier was already submitted; LGSP's changes are not applied by themselves.")])
        _guarded(lambda: dossiers.update_dossier(session, actor, dossier.id, {"title": title, **metadata}))
        outcome = "updated"
    if link is None:
        link = SyncedDossier(external_id=record.external_id, dossier_id=dossier.id, unit_id=unit.id)
        session.add(link)
    link.payload, link.payload_digest, link.synced_at = payload, fingerprint, _now()
    return outcome


APPLIERS: dict[str, Applier] = {"users": apply_user, "procedures": apply_procedure, "dossiers": apply_dossier}


def procedure_state(row: Procedure) -> dict[str, Any]:
    """The catalogue entry's columns, for audit digests and the API."""
    return {column.key: (value.isoformat() if isinstance(value := getattr(row, column.key), dt.datetime) else value)
            for column in Procedure.__table__.columns}


def _dossier_metadata(record: lgsp_records.DossierRecord) -> dict[str, Any]:
    received = record.received_at.date()
    returned = record.returned_at.date() if record.returned_at else None
    papers = "; ".join(" ".join(filter(None, (paper["name"], f"[{paper['component']}]" if paper["component"]
                                              else None, paper["link"]))) for paper in record.papers)
    note = "LGSP: " + "; ".join(filter(None, (
        f"lĩnh vực {record.field_code}" if record.field_code else None,
        f"đối tượng {record.applicant_kind}" if record.applicant_kind else None,
        f"hẹn trả {record.due_at:%d/%m/%Y}" if record.due_at else None,
        f"trạng thái {record.status}" if record.status else None,
        f"giấy tờ kết quả: {papers}" if papers else None,
    )))
    return {"procedure_code": record.procedure_code, "procedure_dossier_code": record.external_id,
            "applicant": record.applicant, "received_on": received, "returned_on": returned,
            "start_date": received, "end_date": returned, "note": note[:2000]}


def _number_symbol(procedure_dossier_code: str) -> str:
    """The dossier's number and symbol: ``YYMMDD-NNNN`` of the procedure dossier code, or a stable digest of it."""
    match = PROCEDURE_DOSSIER_CODE.search(procedure_dossier_code)
    return match.group(1) if match else "HS-" + hashlib.sha256(procedure_dossier_code.encode()).hexdigest()[:10]


def _username(email: str) -> str:
    return re.sub(r"[^a-z0-9._-]+", ".", email.split("@", 1)[0].lower()).strip(".-_")[:64]


def _guarded(action: Callable[[], T]) -> T:
    """Run a service call; its refusal (a code already issued, no open fonds…) becomes the record's reason, except a
    suspension, which stops the whole run."""
    try:
        return action()
    except PlatformSuspended:
        raise
    except ArchiveError as error:
        raise Rejected.of(error) from error


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
