"""Errors the archive reports to people, in Vietnamese and English, naming the field at fault.

Every refusal a user can meet is an ``ArchiveError``: the console turns it into a flashed message or a JSON body with
``http_status``, the CLI into exit code 2 (bad input) or 1, so bad input never becomes a crash or a lost change.
"""

from __future__ import annotations


class ArchiveError(Exception):
    """A refusal with a message in both languages and the HTTP status the web layer should answer with."""

    http_status = 400

    def __init__(self, message_vi: str, message_en: str, field: str | None = None) -> None:
        super().__init__(message_en)
        self.message_vi = message_vi
        self.message_en = message_en
        self.field = field

    def message(self, language: str = "vi") -> str:
        """The message in ``language`` (``vi`` unless ``en`` is asked for)."""
        return self.message_en if language == "en" else self.message_vi

    def as_dict(self, language: str = "vi") -> dict[str, str | None]:
        """The JSON body of a refused request (ARCHITECTURE §4: ``{"message": …}``)."""
        body: dict[str, str | None] = {"message": self.message(language)}
        if self.field:
            body["field"] = self.field
        return body


class InvalidInput(ArchiveError):
    """A value that breaks a rule of the metadata standard or of the data model."""

    http_status = 422


class PermissionDenied(ArchiveError):
    """The actor's role or unit does not allow the action."""

    http_status = 403


class NotFound(ArchiveError):
    """The object does not exist, or is not visible to the actor (the two are not distinguished on purpose)."""

    http_status = 404


class Conflict(ArchiveError):
    """The action clashes with existing data (a code already issued, a unit that still has children…)."""

    http_status = 409


class PlatformSuspended(ArchiveError):
    """The platform is suspended (regulation Đ10): every write is refused until it is resumed."""

    http_status = 503

    def __init__(self, reason: str) -> None:
        super().__init__(
            f"Hệ thống đang tạm dừng hoạt động, không thể ghi dữ liệu. Lý do: {reason}",
            f"The platform is suspended; no changes can be written. Reason: {reason}",
        )
        self.reason = reason
