"""Reading a request into the arguments of a service: its shape only (a JSON object, ids as whole numbers, the
uploaded file), never a rule of the archive — the services check the values and name the field at fault.

Ids are made integers here because the services compare them with the actor's unit and hand them to SQL: a string
``"5"`` would read as another unit, and ``"abc"`` would reach PostgreSQL. The checks are the archive's own
``validation`` helpers, so the refusals read like every other one.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import request
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import RequestEntityTooLarge

from kholuutru.archive import validation
from kholuutru.archive.access import Actor
from kholuutru.archive.errors import InvalidInput
from kholuutru.archive.validation import Label

from ..errors import MULTIPART_HEADROOM, UploadTooLarge

UNIT = Label("unit_id", "Đơn vị", "Unit")
YEAR = Label("year", "Năm", "Year")
PAGE = Label("page", "Trang", "Page")
PAGE_SIZE = Label("page_size", "Số dòng mỗi trang", "Page size")
MAX_PAGE_SIZE = 100
def json_object() -> dict[str, Any]:
    """The request's JSON body, which must be an object."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidInput("Nội dung yêu cầu phải là một đối tượng JSON (Content-Type: application/json).",
                           "The request body must be a JSON object (Content-Type: application/json).", field="body")
    return body


def known_fields(body: dict[str, Any], fields: Iterable[str]) -> dict[str, Any]:
    """``body`` as keyword arguments of a service that takes ``**values``, every key one of ``fields``.

    Such services refuse unknown fields themselves, but a key that is also one of their parameters (``actor``,
    ``unit_id``…) would break the call before they could: it is refused here in the same words.
    """
    allowed = set(fields)
    for key in body:
        if key not in allowed:
            raise InvalidInput(f"Không có trường '{key}'.", f"There is no field '{key}'.", field=key)
    return body


def object_member(body: dict[str, Any], label: Label) -> dict[str, Any]:
    """The member ``label.key`` of a JSON body, which must itself be an object."""
    value = body.get(label.key)
    if not isinstance(value, dict):
        raise InvalidInput(f"Trường '{label.vi}' phải là một đối tượng JSON.", f"'{label.en}' must be a JSON object.",
                           field=label.key)
    return value


def identifier(label: Label, value: Any, *, required: bool = False) -> int | None:
    """An id (a whole number from 1) or None when absent and not required."""
    return validation.integer(label, value, minimum=1, required=required)


def unit_of(actor: Actor, value: Any) -> int:
    """The unit named in the request, else the caller's own (a province-wide role must name one)."""
    given = value if value not in (None, "") else actor.unit_id
    return validation.integer(UNIT, given, minimum=1, required=True) or 0


def page_arguments() -> tuple[int, int]:
    """``page`` (from 1) and ``page_size`` (1 to 100) from the query string, 1 and 20 by default."""
    page = validation.integer(PAGE, request.args.get("page"), minimum=1) or 1
    size = validation.integer(PAGE_SIZE, request.args.get("page_size"), minimum=1, maximum=MAX_PAGE_SIZE) or 20
    return page, size


def uploaded_file(limit: int) -> FileStorage:
    """The multipart part ``file``; a body far over ``limit`` is refused before it is spooled.

    The archive's upload service stops at exactly ``limit`` bytes while it hashes the file; this only keeps an
    oversized body from filling the temporary folder first.
    """
    request.max_content_length = limit + MULTIPART_HEADROOM
    try:
        upload = request.files.get("file")
    except RequestEntityTooLarge as error:
        raise UploadTooLarge(limit) from error
    if upload is None:
        raise InvalidInput("Hãy gửi tệp trong trường 'file' của biểu mẫu multipart/form-data.",
                           "Send the file in the 'file' part of a multipart/form-data body.", field="file")
    return upload
