"""The dossier workflow (DOMAIN.md § workflow): draft → submitted → approved → archived, returned, withdrawn.

This module holds the states and the rule of what may still change in each; the transitions themselves are in
``dossiers``.
"""

from __future__ import annotations

from .dossier_models import Dossier
from .errors import Conflict

STATE_NAMES = {
    "draft": ("Đang lập", "Draft"),
    "submitted": ("Chờ duyệt", "Submitted"),
    "approved": ("Đã duyệt", "Approved"),
    "archived": ("Đã lưu trữ", "Archived"),
    "destroyed": ("Đã tiêu hủy", "Destroyed"),
}


def ensure_editable(dossier: Dossier) -> None:
    """Only a draft dossier's metadata, documents and files change; an archived one only through a correction."""
    if dossier.state != "draft":
        vi, en = STATE_NAMES[dossier.state]
        raise Conflict(
            f"Hồ sơ {dossier.code} đang ở trạng thái '{vi}', không sửa được."
            + (" Hãy dùng chức năng hiệu chỉnh có nêu lý do." if dossier.state == "archived" else ""),
            f"Dossier {dossier.code} is {en.lower()} and cannot be edited."
            + (" Use the correction action, with a reason." if dossier.state == "archived" else ""),
            field="state",
        )
