"""Refusals of the archive as web answers: the right status, the message in the user's language, never a 500.

A service raises ``ArchiveError`` (with ``http_status`` and both languages). Views that FAB wraps in its own
``try/except`` get a ``ServiceRefusal`` instead, whose text is already in the user's language, so FAB's flashed
message reads correctly; anything that reaches Flask is answered by ``handle_archive_error``: JSON
``{"message": …}`` under ``/api/``, an HTML page otherwise.
"""

from __future__ import annotations

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import RequestEntityTooLarge

from kholuutru.archive.errors import ArchiveError

from .i18n import current_language


class ServiceRefusal(Exception):
    """An ``ArchiveError`` carried through FAB's generic exception handling, worded for the current user."""

    def __init__(self, error: ArchiveError) -> None:
        self.error = error
        self.http_status = error.http_status
        super().__init__(error.message(current_language()))

    def body(self) -> dict[str, str | None]:
        """The JSON body of the refusal (``{"message": …}`` plus ``field`` when one is at fault)."""
        return self.error.as_dict(current_language())


MULTIPART_HEADROOM = 64 * 1024
"""Bytes a multipart body may carry beyond the file itself (boundaries, part headers, small fields)."""


class UploadTooLarge(ArchiveError):
    """A request body far over the upload limit, stopped while it arrives rather than spooled to disk first."""

    http_status = 413

    def __init__(self, limit: int) -> None:
        size = f"{limit / 1024 / 1024:.1f} MiB" if limit >= 1024 * 1024 else f"{limit} bytes"
        super().__init__(f"Tệp vượt quá dung lượng tối đa {size}.", f"The file is larger than the limit of {size}.",
                         field="file")


def wants_json() -> bool:
    """Whether the current request is an API call (answered in JSON) rather than a console page."""
    return request.path.startswith("/api/")


def refusal_response(error: ArchiveError) -> Response | tuple[str, int]:
    """The answer to a refused request, JSON or HTML by path."""
    language = current_language()
    if wants_json():
        response = jsonify(error.as_dict(language))
        response.status_code = error.http_status
        return response
    return (
        render_template("kholuutru/refused.html", message=error.message(language), status=error.http_status),
        error.http_status,
    )


def register_error_handlers(app: Flask) -> None:
    """Answer every ``ArchiveError`` or ``ServiceRefusal`` that escapes a view with its own status."""
    app.register_error_handler(ArchiveError, refusal_response)
    # MAX_CONTENT_LENGTH (the upload limit plus headroom) stops a page's oversized body before CSRF parses it.
    app.register_error_handler(
        RequestEntityTooLarge,
        lambda _error: refusal_response(UploadTooLarge(app.config["MAX_CONTENT_LENGTH"] - MULTIPART_HEADROOM)),
    )
    app.register_error_handler(ServiceRefusal, lambda refusal: refusal_response(refusal.error))
