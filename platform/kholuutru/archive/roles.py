"""The roles of the regulation (DOMAIN.md § roles), by stable code, with their Vietnamese and English names.

The codes are what is stored (FAB role names, audit events); the names are what people read.
"""

from __future__ import annotations

from dataclasses import dataclass

SYSTEM_ADMIN = "system_admin"
UNIT_ADMIN = "unit_admin"
UNIT_HEAD = "unit_head"
RECORDS_STAFF = "records_staff"
CLERK = "clerk"
READER = "reader"
OPERATOR = "operator"
INSPECTOR = "inspector"


@dataclass(frozen=True)
class RoleInfo:
    """One role: its code, its names and whether it reads across all units (province-wide)."""

    code: str
    name_vi: str
    name_en: str
    province_wide: bool = False

    def name(self, language: str = "vi") -> str:
        return self.name_en if language == "en" else self.name_vi


ROLES: dict[str, RoleInfo] = {
    role.code: role
    for role in (
        RoleInfo(SYSTEM_ADMIN, "Quản trị hệ thống", "System administrator", province_wide=True),
        RoleInfo(UNIT_ADMIN, "Quản trị đơn vị", "Unit administrator"),
        RoleInfo(UNIT_HEAD, "Lãnh đạo đơn vị", "Unit head"),
        RoleInfo(RECORDS_STAFF, "Cán bộ lưu trữ", "Records staff"),
        RoleInfo(CLERK, "Văn thư", "Clerk"),
        RoleInfo(READER, "Người khai thác", "Reader"),
        RoleInfo(OPERATOR, "Trực vận hành", "On-call operator", province_wide=True),
        RoleInfo(INSPECTOR, "Thanh tra, kiểm tra", "Inspector", province_wide=True),
    )
}
