"""Refusals of the backup commands, in Vietnamese and English, naming the setting or option at fault.

All are ``ArchiveError``s, so the CLI contract applies unchanged: bad input or configuration exits 2, a failed
backup, check or restore exits 1.
"""

from __future__ import annotations

from kholuutru.archive.errors import ArchiveError, InvalidInput


class BackupFailed(ArchiveError):
    """A backup, verification, restore or drill could not be completed; nothing is claimed about its result."""

    http_status = 503


class ToolFailed(BackupFailed):
    """An external program (restic, pg_dump, pg_restore) failed; ``detail`` is the end of its error output."""

    def __init__(self, program: str, action_vi: str, action_en: str, detail: str) -> None:
        super().__init__(
            f"{program} thất bại khi {action_vi}: {detail}",
            f"{program} failed to {action_en}: {detail}",
        )
        self.program = program
        self.detail = detail


class ToolMissing(BackupFailed):
    """A program backups need is not installed (or not in a usable version)."""

    def __init__(self, program: str, hint: str) -> None:
        super().__init__(f"Thiếu chương trình {program}: {hint}", f"{program} is not available: {hint}")


class BadBackupSetting(InvalidInput):
    """A backup setting is missing, unreadable or contradicts another (e.g. invariant 5)."""


class FixityFailure(BackupFailed):
    """Document objects in primary storage do not match their SHA-256 and size in the database: backup refused."""

    def __init__(self, problems: list[dict[str, object]]) -> None:
        shown = ", ".join(str(problem["key"]) for problem in problems[:10])
        more = f" (+{len(problems) - 10})" if len(problems) > 10 else ""
        super().__init__(
            f"Từ chối sao lưu: {len(problems)} tệp tài liệu bị thiếu hoặc bị thay đổi so với cơ sở dữ liệu: "
            f"{shown}{more}. Hãy khôi phục các tệp này từ bản sao lưu trước rồi chạy lại.",
            f"Backup refused: {len(problems)} document object(s) missing or altered against the database: "
            f"{shown}{more}. Restore them from an earlier backup, then run again.",
            field="storage_url",
        )
        self.problems = problems
