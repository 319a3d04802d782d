"""Signing documents (regulation Đ15.5): the staff member's personal signature, then the organisation's seal.

Each signature is a PAdES signature added to the document's current PDF as an incremental update, so every earlier
signature still covers exactly the bytes it signed. The signed PDF becomes a new version of the document's file,
stored like an upload (``file_versions``: object first under its content address, then the row), and is validated at
once; the validation records and the one audit event commit with the version. Records staff sign personally; the
clerk (văn thư) applies the organisation signature, and only on top of a valid personal one (DOMAIN.md § signatures).
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps import HTTPTimeStamper, TimestampRequestError
from sqlalchemy import select
from sqlalchemy.orm import Session

from . import audit, file_versions, signature_stamps, signature_validation
from .access import Actor, require
from .dossier_models import Document, DocumentFile
from .errors import ArchiveError, Conflict, NotFound
from .models import Unit
from .settings import Settings
from .signature_models import SignatureValidation
from .signing_keys import SigningKey
from .storage import Storage
from .suspension import ensure_writable
from .workflow import ensure_editable

PERSONAL, ORGANISATION = "personal", "organisation"
_PREFIXES = {PERSONAL: signature_validation.PERSONAL_FIELD_PREFIX,
             ORGANISATION: signature_validation.ORGANISATION_FIELD_PREFIX}
# The right each kind of signature needs: the staff member's own, then the unit's seal held by the clerk.
SIGNING_RIGHTS = {PERSONAL: "document.sign_personal", ORGANISATION: "document.sign_organisation"}
_REASONS = {PERSONAL: "Ký số cá nhân (Đ15.5)", ORGANISATION: "Ký số của cơ quan, tổ chức (Đ15.5)"}


class SigningFailed(ArchiveError):
    """Signing could not be completed by an outside service (the time-stamping authority)."""

    http_status = 502


@dataclass(frozen=True)
class Signed:
    """The new file version and the validation record of every signature it carries."""

    file: DocumentFile
    checks: list[SignatureValidation]


def sign_personal(session: Session, actor: Actor, storage: Storage, settings: Settings, *, document_id: int,
                  key: SigningKey, position: str | None = None) -> Signed:
    """The records staff member's own signature on the document's current PDF."""
    return _sign(session, actor, storage, settings, document_id=document_id, kind=PERSONAL, key=key,
                 position=position, copy_type=None)


def sign_organisation(session: Session, actor: Actor, storage: Storage, settings: Settings, *, document_id: int,
                      key: SigningKey, copy_type: str | None = None) -> Signed:
    """The unit's seal signature by the clerk; ``copy_type`` (e.g. "Bản sao số hóa từ bản gốc giấy") marks a copy."""
    return _sign(session, actor, storage, settings, document_id=document_id, kind=ORGANISATION, key=key,
                 position=None, copy_type=copy_type)


def _sign(session: Session, actor: Actor, storage: Storage, settings: Settings, *, document_id: int, kind: str,
          key: SigningKey, position: str | None, copy_type: str | None) -> Signed:
    document = session.scalar(select(Document).where(Document.id == document_id).with_for_update())
    if document is None or not actor.sees_unit(document.unit_id):
        raise NotFound("Không tìm thấy văn bản.", "Document not found.", field="document_id")
    require(actor, SIGNING_RIGHTS[kind], document.unit_id)
    ensure_writable(session)
    ensure_editable(document.dossier)
    current = _current_pdf(session, document)
    with storage.open(current.object_key) as stream:
        original = stream.read()
    existing = signature_validation.validate_pdf(original, settings)
    _ensure_order(kind, existing)
    field_name = f"{_PREFIXES[kind]}-{sum(check.kind == kind for check in existing) + 1}"
    unit_name = session.get(Unit, document.unit_id).name
    with key.signer(settings) as signer:
        signed = _signed_bytes(original, signer, settings, kind=kind, field_name=field_name, unit_name=unit_name,
                               position=position, copy_type=copy_type)
    row = file_versions.store_version(session, actor, storage, document, signed, current.file_name)
    checks = signature_validation.record(session, row, signature_validation.validate_pdf(signed, settings))
    audit.record(
        session, actor, "document.sign", object_type="document_file", object_id=row.id, unit_id=row.unit_id,
        before={"file_id": current.id, "sha256": current.sha256},
        after={"sha256": row.sha256, "size": row.size, "version": row.version},
        details={"kind": kind, "field": field_name, "document_id": document.id,
                 "checks": [(check.kind, check.status) for check in checks]},
    )
    return Signed(row, checks)


def _current_pdf(session: Session, document: Document) -> DocumentFile:
    current = session.scalar(select(DocumentFile).where(DocumentFile.document_id == document.id)
                             .order_by(DocumentFile.version.desc()).limit(1))
    if current is None:
        raise Conflict("Văn bản chưa có tệp để ký.", "The document has no file to sign.", field="file")
    if current.media_type != signature_validation.PDF_MEDIA_TYPE:
        raise Conflict("Chỉ ký được tệp PDF; hãy số hóa ảnh quét thành PDF trước.",
                       "Only a PDF can be signed; digitise the scan into a PDF first.", field="file")
    return current


def _ensure_order(kind: str, existing: list[signature_validation.SignatureCheck]) -> None:
    """Personal before organisation, and never on top of a signature that is already broken (or revoked)."""
    broken = [check for check in existing if check.status in ("modified", "invalid", "revoked")]
    if broken:
        raise Conflict(
            f"Tệp hiện hành có chữ ký không còn giá trị ({broken[0].field_name}: {broken[0].status}); không ký thêm.",
            f"The current file has a broken signature ({broken[0].field_name}: {broken[0].status}); it cannot be "
            "signed again.", field="file",
        )
    kinds = {check.kind for check in existing if check.status in ("valid", "untrusted")}
    if kind == PERSONAL and ORGANISATION in kinds:
        raise Conflict("Văn bản đã có chữ ký của cơ quan, tổ chức; chữ ký cá nhân phải có trước.",
                       "The document already carries the organisation signature; the personal one comes first.",
                       field="signatures.personal")
    if kind == ORGANISATION and PERSONAL not in kinds:
        raise Conflict("Văn bản chưa có chữ ký số cá nhân hợp lệ; cán bộ phải ký trước văn thư.",
                       "The document has no valid personal signature yet; the staff member signs before the clerk.",
                       field="signatures.personal")


def _signed_bytes(original: bytes, signer: signers.Signer, settings: Settings, *, kind: str, field_name: str,
                  unit_name: str, position: str | None, copy_type: str | None) -> bytes:
    common_name = signer.signing_cert.subject.native.get("common_name") or signer.signing_cert.subject.human_friendly
    text = signature_stamps.StampText(common_name, position, unit_name, dt.datetime.now(dt.UTC), copy_type)
    style = signature_stamps.stamp_style(settings, text.personal() if kind == PERSONAL else text.organisation())
    metadata = signers.PdfSignatureMetadata(
        field_name=field_name, md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES,
        reason=_REASONS[kind], name=common_name,
    )
    timestamper = HTTPTimeStamper(settings.tsa_url, timeout=30) if settings.tsa_url else None
    pdf_signer = signers.PdfSigner(metadata, signer, timestamper=timestamper, stamp_style=style,
                                   new_field_spec=signature_stamps.field_spec(original, field_name, kind))
    output = io.BytesIO()
    try:
        pdf_signer.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(original), strict=False), output=output)
    except TimestampRequestError as error:
        raise SigningFailed(f"Máy chủ cấp dấu thời gian {settings.tsa_url} không trả lời được: {error}",
                            f"The time-stamping authority {settings.tsa_url} failed: {error}",
                            field="KHOLUUTRU_TSA_URL") from error
    return output.getvalue()

