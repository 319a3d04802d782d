"""Extraction (bóc tách) of procedure results (regulation Đ16.2): templates, proposals, confirmation, export.

A template field is ``{"key", "label", "type": text|date|number, "pattern" | "anchor"}``: ``pattern`` is a regular
expression over the OCR text whose first group is the value; ``anchor`` is the printed label the value follows on the
same line ("Số giấy chứng nhận:"). OCR is never trusted blindly: a run only *proposes* values, and the values become
data when staff confirm them, corrections included — each correction is named in the one audit event of the
confirmation. Confirming issues the digitisation result code (``result_codes``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import audit, result_codes
from .access import Actor, require
from .digitisation_models import Digitisation
from .dossier_models import Document
from .errors import Conflict, InvalidInput, NotFound
from .extraction_models import Extraction, ExtractionTemplate
from .models import Unit
from .settings import Settings
from .suspension import ensure_writable
from .workflow import ensure_editable

FIELD_TYPES = ("text", "date", "number")
_DATE = re.compile(r"(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})")


def create_template(session: Session, actor: Actor, *, unit_id: int, procedure_code: str, name: str,
                    fields: list[Mapping[str, Any]]) -> ExtractionTemplate:
    """A unit admin lists the result fields of one procedure and how to find each (DOMAIN.md § roles)."""
    require(actor, "extraction_templates.manage", unit_id)
    ensure_writable(session)
    code, title = (procedure_code or "").strip(), (name or "").strip()
    if not code or len(code) > 20:
        raise InvalidInput("Mã thủ tục hành chính bắt buộc, tối đa 20 ký tự.",
                           "The procedure code is required, at most 20 characters.", field="procedure_code")
    if not title or len(title) > 200:
        raise InvalidInput("Tên mẫu bắt buộc, tối đa 200 ký tự.", "The template name is required, at most 200 "
                           "characters.", field="name")
    if session.scalar(select(ExtractionTemplate.id).where(ExtractionTemplate.unit_id == unit_id,
                                                          ExtractionTemplate.procedure_code == code)):
        raise Conflict(f"Đơn vị đã có mẫu bóc tách cho thủ tục {code}.",
                       f"The unit already has an extraction template for procedure {code}.", field="procedure_code")
    template = ExtractionTemplate(unit_id=unit_id, procedure_code=code, name=title, fields=_clean_fields(fields),
                                  created_by=actor.username)
    session.add(template)
    session.flush()
    audit.record(session, actor, "extraction_template.create", object_type="extraction_template",
                 object_id=template.id, unit_id=unit_id,
                 after={"procedure_code": code, "name": title, "fields": template.fields})
    return template


def _clean_fields(fields: list[Mapping[str, Any]]) -> list[dict[str, str]]:
    if not fields:
        raise InvalidInput("Mẫu phải có ít nhất một trường.", "A template needs at least one field.", field="fields")
    cleaned, keys = [], set()
    for index, raw in enumerate(fields):
        where = f"fields[{index}]"
        key, label, kind = (str(raw.get(name) or "").strip() for name in ("key", "label", "type"))
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", key) or key in keys:
            raise InvalidInput(f"{where}: khóa trường phải là chữ thường không dấu, không trùng.",
                               f"{where}: the key must be lower-case ASCII and unique.", field=f"{where}.key")
        if kind not in FIELD_TYPES:
            raise InvalidInput(f"{where}: kiểu phải là một trong {', '.join(FIELD_TYPES)}.",
                               f"{where}: the type must be one of {', '.join(FIELD_TYPES)}.", field=f"{where}.type")
        pattern, anchor = str(raw.get("pattern") or ""), str(raw.get("anchor") or "").strip()
        if bool(pattern) == bool(anchor):
            raise InvalidInput(f"{where}: cần đúng một trong 'pattern' (biểu thức chính quy) hoặc 'anchor' (nhãn).",
                               f"{where}: give exactly one of 'pattern' (a regular expression) or 'anchor' (a label).",
                               field=f"{where}.pattern")
        if pattern:
            try:
                if re.compile(pattern).groups < 1:
                    raise re.error("no capturing group")
            except re.error as error:
                raise InvalidInput(f"{where}: biểu thức chính quy không hợp lệ hoặc thiếu nhóm ( ): {error}.",
                                   f"{where}: invalid regular expression or no ( ) group: {error}.",
                                   field=f"{where}.pattern") from error
        keys.add(key)
        cleaned.append({"key": key, "label": label or key, "type": kind, "pattern": pattern, "anchor": anchor})
    return cleaned


def templates(session: Session, actor: Actor, *, procedure_code: str | None = None) -> list[ExtractionTemplate]:
    """The templates of the actor's unit (all units for province-wide roles), optionally for one procedure."""
    statement = select(ExtractionTemplate).order_by(ExtractionTemplate.procedure_code)
    if not actor.sees_all_units:
        statement = statement.where(ExtractionTemplate.unit_id == (actor.unit_id if actor.unit_id is not None else -1))
    if procedure_code:
        statement = statement.where(ExtractionTemplate.procedure_code == procedure_code)
    return list(session.scalars(statement))


def apply_template(fields: list[Mapping[str, str]], text: str) -> dict[str, Any]:
    """The value each field's rule finds in ``text`` (None when not found), typed (dates as ISO 8601)."""
    found: dict[str, Any] = {}
    for spec in fields:
        regex = spec["pattern"] or re.escape(spec["anchor"]) + r"\s*[:：]?\s*([^\n]+)"
        match = re.search(regex, text, flags=re.IGNORECASE | re.MULTILINE)
        raw = match.group(1).strip() if match else None
        found[spec["key"]] = _typed(spec, raw, strict=False) if raw else None
    return found


def _typed(spec: Mapping[str, str], raw: Any, *, strict: bool) -> Any:
    """A value in its field's type; with ``strict`` (staff input) a value that does not fit is refused."""
    text = str(raw).strip()
    if spec["type"] == "date":
        match = _DATE.search(text) or re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text)
        try:
            if match and len(match.group(1)) == 4:
                return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3))).isoformat()
            if match:
                return dt.date(int(match.group(3)), int(match.group(2)), int(match.group(1))).isoformat()
        except ValueError:
            pass
    elif spec["type"] == "number":
        digits = re.sub(r"[.,\s]", "", text)
        if digits.isdigit():
            return int(digits)
    else:
        return text
    if strict:
        raise InvalidInput(f"'{spec['label']}': giá trị '{text}' không đúng kiểu {spec['type']}.",
                           f"'{spec['label']}': '{text}' is not a valid {spec['type']}.", field=f"values.{spec['key']}")
    return None


def propose(session: Session, actor: Actor, *, document_id: int, template_id: int) -> Extraction:
    """Run a template on the document's latest digitisation; the values wait for staff to confirm them."""
    document = _editable_document(session, actor, document_id)
    template = session.get(ExtractionTemplate, template_id)
    if template is None or template.unit_id != document.unit_id:
        raise NotFound("Không tìm thấy mẫu bóc tách của đơn vị.", "Extraction template not found in the unit.",
                       field="template_id")
    source = session.scalar(select(Digitisation).where(Digitisation.document_id == document.id,
                                                       Digitisation.state == "succeeded")
                            .order_by(Digitisation.id.desc()).limit(1))
    if source is None:
        raise Conflict("Văn bản chưa được số hóa (chưa có văn bản nhận dạng).",
                       "The document has not been digitised yet (no OCR text).", field="document_id")
    row = Extraction(unit_id=document.unit_id, document_id=document.id, template_id=template.id,
                     digitisation_id=source.id, state="proposed",
                     proposed=apply_template(template.fields, source.ocr_text or ""), proposed_by=actor.username)
    session.add(row)
    session.flush()
    audit.record(session, actor, "extraction.propose", object_type="extraction", object_id=row.id,
                 unit_id=row.unit_id, after={"proposed": row.proposed, "template_id": template.id})
    return row


def confirm(session: Session, actor: Actor, settings: Settings, extraction_id: int,
            values: Mapping[str, Any]) -> Extraction:
    """Staff confirm the values, correcting any; the corrections are audited and the result code is issued."""
    row = session.scalar(select(Extraction).where(Extraction.id == extraction_id).with_for_update())
    if row is None or not actor.sees_unit(row.unit_id):
        raise NotFound(f"Không tìm thấy kết quả bóc tách số {extraction_id}.",
                       f"Extraction {extraction_id} was not found.", field="id")
    _editable_document(session, actor, row.document_id)
    fields = session.get(ExtractionTemplate, row.template_id).fields
    unknown = set(values) - {spec["key"] for spec in fields}
    if unknown:
        raise InvalidInput(f"Trường không có trong mẫu: {', '.join(sorted(unknown))}.",
                           f"Fields not in the template: {', '.join(sorted(unknown))}.", field="values")
    confirmed: dict[str, Any] = {}
    for spec in fields:
        value = values.get(spec["key"], row.proposed.get(spec["key"]))
        confirmed[spec["key"]] = None if value in (None, "") else _typed(spec, value, strict=True)
    corrections = {key: {"proposed": row.proposed.get(key), "confirmed": value}
                   for key, value in confirmed.items() if value != row.proposed.get(key)}
    before = {"state": row.state, "values": row.values}
    row.values, row.state = confirmed, "confirmed"
    row.confirmed_by, row.confirmed_at = actor.username, dt.datetime.now(dt.UTC)
    if row.result_code is None:
        row.result_code = result_codes.issue(session, settings, session.get(Unit, row.unit_id))
    audit.record(session, actor, "extraction.confirm", object_type="extraction", object_id=row.id,
                 unit_id=row.unit_id, before=before, after={"state": row.state, "values": confirmed},
                 details={"corrections": corrections, "result_code": row.result_code})
    return row


def find(session: Session, actor: Actor, **values: Any) -> list[Extraction]:
    """Confirmed extractions whose values contain all of ``values`` (e.g. ``certificate_number="40A8012345"``)."""
    statement = (select(Extraction).where(Extraction.state == "confirmed", Extraction.values.contains(values))
                 .order_by(Extraction.id))
    if not actor.sees_all_units:
        statement = statement.where(Extraction.unit_id == (actor.unit_id if actor.unit_id is not None else -1))
    return list(session.scalars(statement))


def export_rows(session: Session, actor: Actor, template_id: int) -> list[dict[str, Any]]:
    """The confirmed values of one template as flat rows (result code, document, then one column per field)."""
    template = session.get(ExtractionTemplate, template_id)
    if template is None or not actor.sees_unit(template.unit_id):
        raise NotFound("Không tìm thấy mẫu bóc tách.", "Extraction template not found.", field="template_id")
    rows = session.scalars(select(Extraction).where(Extraction.template_id == template.id,
                                                    Extraction.state == "confirmed").order_by(Extraction.id))
    return [{"result_code": row.result_code, "document_id": row.document_id,
             **{spec["key"]: (row.values or {}).get(spec["key"]) for spec in template.fields}} for row in rows]


def _editable_document(session: Session, actor: Actor, document_id: int) -> Document:
    document = session.get(Document, document_id)
    if document is None or not actor.sees_unit(document.unit_id):
        raise NotFound("Không tìm thấy văn bản.", "Document not found.", field="document_id")
    require(actor, "document.extract", document.unit_id)
    ensure_writable(session)
    ensure_editable(document.dossier)
    return document
