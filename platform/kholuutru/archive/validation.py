"""Field checks shared by every service, each failure an ``InvalidInput`` that names the field in both languages.

A form or an API body is checked as a whole before anything is written, so bad input loses nothing and half-writes
nothing: services call these helpers, collect the clean values, and only then touch the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .errors import InvalidInput


@dataclass(frozen=True)
class Label:
    """A field's name as people read it, in Vietnamese and English, with its key in forms and JSON."""

    key: str
    vi: str
    en: str


def text(label: Label, value: Any, *, max_length: int, required: bool = False) -> str | None:
    """A trimmed string of at most ``max_length`` characters; empty becomes None (or an error when required)."""
    if value is None:
        cleaned = ""
    elif isinstance(value, str):
        cleaned = value.strip()
    else:
        raise InvalidInput(f"Trường '{label.vi}' phải là văn bản.", f"'{label.en}' must be text.", field=label.key)
    if not cleaned:
        if required:
            raise InvalidInput(f"Trường '{label.vi}' là bắt buộc.", f"'{label.en}' is required.", field=label.key)
        return None
    if len(cleaned) > max_length:
        raise InvalidInput(
            f"Trường '{label.vi}' dài tối đa {max_length} ký tự (đang có {len(cleaned)}).",
            f"'{label.en}' is at most {max_length} characters long (got {len(cleaned)}).",
            field=label.key,
        )
    return cleaned


def integer(label: Label, value: Any, *, minimum: int = 0, maximum: int = 2**31 - 1,
            required: bool = False) -> int | None:
    """An integer within bounds; numeric strings from forms are accepted."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidInput(f"Trường '{label.vi}' là bắt buộc.", f"'{label.en}' is required.", field=label.key)
        return None
    try:
        number = int(str(value).strip()) if not isinstance(value, bool) else None
    except ValueError:
        number = None
    if number is None or not minimum <= number <= maximum:
        raise InvalidInput(
            f"Trường '{label.vi}' phải là số nguyên từ {minimum} đến {maximum}.",
            f"'{label.en}' must be a whole number from {minimum} to {maximum}.",
            field=label.key,
        )
    return number


def date(label: Label, value: Any, *, required: bool = False) -> dt.date | None:
    """A date as ``YYYY-MM-DD`` or ``DD/MM/YYYY`` (the form Vietnamese users type), or a ``date`` object."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidInput(f"Trường '{label.vi}' là bắt buộc.", f"'{label.en}' is required.", field=label.key)
        return None
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(str(value).strip(), pattern).date()
        except ValueError:
            continue
    raise InvalidInput(
        f"Trường '{label.vi}' phải là ngày dạng ngày/tháng/năm (vd. 25/11/2026).",
        f"'{label.en}' must be a date such as 2026-11-25 or 25/11/2026.",
        field=label.key,
    )


def choice(label: Label, value: Any, allowed: Iterable[str], *, required: bool = False) -> str | None:
    """One value of a controlled vocabulary."""
    options = list(allowed)
    cleaned = value.strip() if isinstance(value, str) else value
    if cleaned in (None, ""):
        if required:
            raise InvalidInput(f"Trường '{label.vi}' là bắt buộc.", f"'{label.en}' is required.", field=label.key)
        return None
    if cleaned not in options:
        raise InvalidInput(
            f"Giá trị của trường '{label.vi}' không nằm trong danh mục cho phép.",
            f"'{label.en}' must be one of: {', '.join(options)}.",
            field=label.key,
        )
    return cleaned
