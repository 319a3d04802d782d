"""Cleaning metadata against a profile, and the codes dossiers receive (DOMAIN.md § codes)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from . import validation
from .errors import InvalidInput
from .metadata_profiles import PROFILES, FieldSpec, Profile

ARCHIVAL_CODE_LENGTH = 30
PROCEDURE_CODE = re.compile(r"^\d\.\d{6}$")  # e.g. 1.005129 (national procedure catalogue)
# Letters, digits, '.' and '-' only, starting with a letter or digit, no '..': the symbol ends up in codes and file
# names (DOMAIN.md § codes), so it must never carry a path.
NUMBER_SYMBOL = re.compile(r"^(?!.*\.\.)[0-9A-Za-zĐđ][0-9A-Za-zĐđ.\-]{0,19}$")


def profile(code: str) -> Profile:
    """The profile named ``code``; an unknown one is bad input."""
    if code not in PROFILES:
        raise InvalidInput("Bộ đặc tả siêu dữ liệu không hợp lệ.",
                           f"Unknown metadata profile; use one of {', '.join(PROFILES)}.", field="profile")
    return PROFILES[code]


def clean(fields: Mapping[str, FieldSpec], values: Mapping[str, Any]) -> dict[str, Any]:
    """Validate every given value by its spec (unknown keys are refused) and return the cleaned values."""
    cleaned: dict[str, Any] = {}
    for key, value in values.items():
        spec = fields.get(key)
        if spec is None:
            raise InvalidInput(f"Không có trường '{key}'.", f"There is no field '{key}'.", field=key)
        if spec.kind == "text":
            cleaned[key] = validation.text(spec.label, value, max_length=spec.max_length)
        elif spec.kind == "int":
            cleaned[key] = validation.integer(spec.label, value, maximum=spec.maximum)
        elif spec.kind == "date":
            cleaned[key] = validation.date(spec.label, value)
        else:
            cleaned[key] = validation.choice(spec.label, value, spec.vocabulary)
    _check_procedure_fields(cleaned)
    if cleaned.get("start_date") and cleaned.get("end_date") and cleaned["end_date"] < cleaned["start_date"]:
        raise InvalidInput("Thời gian kết thúc phải sau thời gian bắt đầu.", "The end date is before the start date.",
                           field="end_date")
    return cleaned


def _check_procedure_fields(cleaned: Mapping[str, Any]) -> None:
    code = cleaned.get("procedure_code")
    if code and not PROCEDURE_CODE.match(code):
        raise InvalidInput("Mã thủ tục hành chính có dạng 1.005129.", "A procedure code looks like 1.005129.",
                           field="procedure_code")
    received = cleaned.get("procedure_dossier_code")
    if received and any(ch.isspace() for ch in received):
        raise InvalidInput("Mã hồ sơ thủ tục hành chính không được chứa khoảng trắng.",
                           "The procedure dossier code must not contain spaces.", field="procedure_dossier_code")


def retention(permanent: Any, years: Any) -> tuple[bool, int | None]:
    """Retention is *Vĩnh viễn* or a number of years from 1 to 100, never both, never neither."""
    is_permanent = permanent in (True, "true", "on", "1", 1, "Vĩnh viễn")
    label = validation.Label("retention_years", "Thời hạn lưu trữ (năm)", "Retention (years)")
    count = validation.integer(label, years, minimum=1, maximum=100, required=not is_permanent)
    if is_permanent and count is not None:
        raise InvalidInput("Chọn 'Vĩnh viễn' hoặc số năm, không chọn cả hai.",
                           "Choose permanent or a number of years, not both.", field="retention_years")
    return is_permanent, count


def number_symbol(value: Any) -> str:
    """The dossier's number and symbol from the annual list (e.g. ``01.TH``)."""
    label = validation.Label("number_symbol", "Số và ký hiệu hồ sơ", "Number and symbol")
    cleaned = validation.text(label, value, max_length=20, required=True)
    assert cleaned is not None
    if not NUMBER_SYMBOL.match(cleaned):
        raise InvalidInput("Số và ký hiệu hồ sơ chỉ gồm chữ, số, dấu chấm, gạch ngang (vd. 01.TH).",
                           "The number and symbol uses letters, digits, '.' and '-' only (e.g. 01.TH).",
                           field="number_symbol")
    return cleaned


def office_code(unit_identifier: str, year: int, symbol: str) -> str:
    """Văn thư dossier code (NĐ 30/2020 PL VI): ``<unit identifier>.<year>.<number and symbol>``."""
    return f"{unit_identifier}.{year}.{symbol}"


def archival_code(fonds_code: str, year: int, symbol: str) -> str:
    """Archival dossier code (TT 02/2019): ``<fonds code>.<year>.<number and symbol>``, at most 30 characters."""
    code = f"{fonds_code}.{year}.{symbol}"
    if len(code) > ARCHIVAL_CODE_LENGTH:
        raise InvalidInput(
            f"Mã hồ sơ lưu trữ {code} dài quá {ARCHIVAL_CODE_LENGTH} ký tự; hãy rút gọn số và ký hiệu hồ sơ.",
            f"The archival dossier code {code} is longer than {ARCHIVAL_CODE_LENGTH}; shorten the number and symbol.",
            field="number_symbol",
        )
    return code


def document_identifier(unit_identifier: str, year: int, sequence: int) -> str:
    """⚠ Document identifier (25 characters; composition not found in a primary text): unit, year, sequence."""
    return f"{unit_identifier}.{year}.{sequence:06d}"
