"""Validating the PAdES signatures of stored PDFs, recording the outcome, and the submit rule that reads it.

A signature is judged with pyHanko against the trust roots named in the settings (never the machine's own store, so
the outcome is the same on every node and after a restore), with the revocation status of each certificate that
names an OCSP responder or a CRL fetched at validation time (soft- or hard-fail:
``KHOLUUTRU_SIGNATURE_REVOCATION_MODE``). Each signature ends in one of five statuses people can act on: ``valid``;
``modified`` (the signed bytes were changed, or later revisions went beyond adding signatures and form data);
``invalid`` (the signature itself is broken or unreadable); ``revoked`` (intact, but the signer's certificate was
revoked); ``untrusted`` (intact, but the certificate does not chain to a configured root, or — in hard-fail mode —
its revocation status could not be had). The kind — personal or organisation — comes from the field name the
platform gives each signature it makes, so a signature added outside the platform counts as ``other``.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pyhanko.keys import load_certs_from_pemder_data
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from sqlalchemy import func, select
from sqlalchemy.orm import Session, object_session

from . import audit, demo_pki
from .access import Actor
from .dossier_models import Document, DocumentFile, Dossier
from .dossiers import Problem, register_submit_check
from .errors import InvalidInput
from .settings import Settings, load_settings
from .signature_models import SignatureValidation
from .storage import Storage

PERSONAL_FIELD_PREFIX = "ChuKyCaNhan"
ORGANISATION_FIELD_PREFIX = "ChuKyToChuc"
PDF_MEDIA_TYPE = "application/pdf"
CLOCK_TOLERANCE = dt.timedelta(minutes=5)
"""How far an OCSP responder's or CRL issuer's clock may run ahead of ours: the validation moment is fixed when the
check starts, and a response fetched seconds later (or from a responder whose clock is a little fast) is not wrong."""


@dataclass(frozen=True)
class SignatureCheck:
    """The outcome for one signature of a file (or, with ``kind == "none"``, for a file that has no signature)."""

    field_name: str | None
    kind: str
    status: str
    signer: str | None = None
    signing_time: dt.datetime | None = None
    timestamped: bool = False
    message: str | None = None


def signature_kind(field_name: str | None) -> str:
    """``personal`` or ``organisation`` for the fields the platform names, ``other`` for anything else."""
    name = field_name or ""
    if name.startswith(PERSONAL_FIELD_PREFIX):
        return "personal"
    if name.startswith(ORGANISATION_FIELD_PREFIX):
        return "organisation"
    return "other"


@lru_cache(maxsize=8)
def _trust_roots(path: Path, mtime: float) -> tuple:
    """The roots of one file, read once per file version (``mtime`` is part of the cache key)."""
    return tuple(load_certs_from_pemder_data(path.read_bytes()))


def validation_context(settings: Settings) -> ValidationContext:
    """A context trusting exactly the configured roots (and the demo CA on a demo data dir, ``demo_pki``), fetching
    OCSP responses and CRLs for the certificates that name them."""
    path = settings.signature_trust_roots_file
    if path is not None and not path.is_file():
        raise InvalidInput(
            f"Không đọc được tệp chứng thư gốc tin cậy {path}.",
            f"The trust roots file {path} cannot be read.",
            field="KHOLUUTRU_SIGNATURE_TRUST_ROOTS_FILE",
        )
    roots = [root for file in demo_pki.trust_roots_files(settings) for root in _trust_roots(file, file.stat().st_mtime)]
    return ValidationContext(trust_roots=roots, allow_fetching=True, revocation_mode=settings.signature_revocation_mode,
                             time_tolerance=CLOCK_TOLERANCE)


def validate_pdf(data: bytes, settings: Settings) -> list[SignatureCheck]:
    """Every signature of ``data`` judged (see the module docstring); one ``unsigned`` entry when there is none."""
    context = validation_context(settings)
    try:
        signatures = PdfFileReader(io.BytesIO(data), strict=False).embedded_signatures
    except Exception as error:  # a damaged PDF fails inside the parser in many ways; each one means "invalid"
        return [SignatureCheck(None, "none", "invalid", message=f"{type(error).__name__}: {error}")]
    if not signatures:
        return [SignatureCheck(None, "none", "unsigned")]
    checks = []
    for signature in signatures:
        kind = signature_kind(signature.field_name)
        try:
            status = validate_pdf_signature(signature, signer_validation_context=context)
        except Exception as error:  # malformed CMS data: the signature cannot be evaluated at all
            checks.append(SignatureCheck(signature.field_name, kind, "invalid",
                                         message=f"{type(error).__name__}: {error}"))
            continue
        cn = status.signing_cert.subject.native.get("common_name")
        checks.append(SignatureCheck(
            signature.field_name, kind, _status(status), signer=cn or status.signing_cert.subject.human_friendly,
            signing_time=_signing_time(status), timestamped=status.timestamp_validity is not None,
            message=status.summary(),
        ))
    return checks


def _status(status: PdfSignatureStatus) -> str:
    if not status.intact:
        return "modified"
    if not status.valid:
        return "invalid"
    later_changes = status.modification_level is not None and status.modification_level > ModificationLevel.FORM_FILLING
    whole = status.coverage in (SignatureCoverageLevel.ENTIRE_FILE, SignatureCoverageLevel.ENTIRE_REVISION)
    if not whole or later_changes or status.docmdp_ok is False:
        return "modified"
    if status.revoked:
        return "revoked"
    return "valid" if status.trusted else "untrusted"


def _signing_time(status: PdfSignatureStatus) -> dt.datetime | None:
    """The timestamp token's time when there is one (a third party vouches for it), else the signer's own claim."""
    if status.timestamp_validity is not None:
        return status.timestamp_validity.timestamp
    return status.signer_reported_dt


def record(session: Session, file: DocumentFile, checks: list[SignatureCheck]) -> list[SignatureValidation]:
    """Store the checks of one file version; the caller writes the audit event of the change they belong to."""
    rows = [
        SignatureValidation(
            document_file_id=file.id, unit_id=file.unit_id, field_name=check.field_name, kind=check.kind,
            status=check.status, signer=check.signer, signing_time=check.signing_time,
            timestamped=check.timestamped, message=check.message,
        )
        for check in checks
    ]
    session.add_all(rows)
    session.flush()
    return rows


def record_checks(session: Session, storage: Storage, settings: Settings,
                  file: DocumentFile) -> list[SignatureValidation]:
    """Validate a stored PDF version and record the outcome, not audited: an upload names the checks in its own
    event (one event per change). Files that are not PDFs (scans waiting to be digitised) get no record."""
    if file.media_type != PDF_MEDIA_TYPE:
        return []
    with storage.open(file.object_key) as stream:
        checks = validate_pdf(stream.read(), settings)
    return record(session, file, checks)


def check_file(session: Session, actor: Actor, storage: Storage, settings: Settings,
               file: DocumentFile) -> list[SignatureValidation]:
    """Validate a stored PDF version again (e.g. after the trust roots changed) and record the outcome, audited."""
    rows = record_checks(session, storage, settings, file)
    if not rows:
        return []
    audit.record(
        session, actor, "document.signatures_check", object_type="document_file", object_id=file.id,
        unit_id=file.unit_id, after={"checks": [(row.kind, row.status, row.field_name) for row in rows]},
    )
    return rows


def latest_checks(session: Session, file_id: int) -> list[SignatureValidation]:
    """The most recent check of each signature of a file version."""
    newest = (select(SignatureValidation.field_name, func.max(SignatureValidation.id).label("id"))
              .where(SignatureValidation.document_file_id == file_id)
              .group_by(SignatureValidation.field_name).subquery())
    return list(session.scalars(select(SignatureValidation).join(newest, SignatureValidation.id == newest.c.id)
                                .order_by(SignatureValidation.id)))


def missing_signatures(session: Session, document: Document) -> list[str]:
    """Which of ``personal`` and ``organisation`` the document's current file lacks as a valid signature."""
    current = max(document.files, key=lambda file: file.version, default=None)
    if current is None:
        return ["personal", "organisation"]
    valid = {row.kind for row in latest_checks(session, current.id) if row.status == "valid"}
    return [kind for kind in ("personal", "organisation") if kind not in valid]


_KIND_NAMES = {"personal": ("chữ ký cá nhân", "personal signature"),
               "organisation": ("chữ ký của cơ quan, tổ chức", "organisation signature")}


@register_submit_check
def _signatures_present(dossier: Dossier) -> list[Problem]:
    """Regulation Đ15.5: each document signed personally, then by the organisation, before submission.

    ⚠ A configurable default (DOMAIN.md): on unless ``KHOLUUTRU_REQUIRE_SIGNATURES`` is false (legacy imports).
    """
    session = object_session(dossier)
    if session is None or not load_settings().require_signatures:
        return []
    problems = []
    for document in dossier.documents:
        if not document.files:  # "no file" is its own problem; a missing file has no signatures to ask for
            continue
        for kind in missing_signatures(session, document):
            vi, en = _KIND_NAMES[kind]
            problems.append(Problem(
                f"documents[{document.order_in_dossier}].signatures.{kind}",
                f"Văn bản số {document.order_in_dossier}: tệp hiện hành chưa có {vi} hợp lệ.",
                f"Document {document.order_in_dossier}: its current file has no valid {en}.",
            ))
    return problems
