"""The one table of who may do what (DOMAIN.md § roles), read by the services and by every screen.

A right is held either by certain roles *inside one unit* (rights are per unit: a unit head of one Sở approves nothing
of another) or by province-wide roles for every unit (the on-call operator runs drills for the whole province). The
system administrator holds every right. Services call ``access.require`` before acting; screens call ``access.may``
to decide which forms and buttons to show, so the two can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

from .roles import CLERK, INSPECTOR, OPERATOR, READER, RECORDS_STAFF, ROLES, SYSTEM_ADMIN, UNIT_ADMIN, UNIT_HEAD


@dataclass(frozen=True)
class Right:
    """One right: the unit roles and province-wide roles that hold it, and the action's words for refusals."""

    code: str
    action_vi: str
    action_en: str
    unit_roles: frozenset[str] = frozenset()
    province_roles: frozenset[str] = frozenset()


def _right(code: str, action_vi: str, action_en: str, *unit_roles: str, province: tuple[str, ...] = ()) -> Right:
    return Right(code, action_vi, action_en, frozenset(unit_roles), frozenset(province))


RIGHTS: dict[str, Right] = {
    right.code: right
    for right in (
        _right("units.manage", "thay đổi danh mục đơn vị", "change the units"),
        _right("accounts.view", "xem tài khoản", "see the accounts", UNIT_ADMIN, province=(INSPECTOR,)),
        _right("accounts.manage", "quản lý tài khoản và phân quyền", "manage the accounts and their rights",
               UNIT_ADMIN),
        _right("accounts.move", "chuyển đơn vị hay cho nghỉ hưu tài khoản",
               "transfer accounts to another unit or retire them"),
        _right("fonds.manage", "quản lý phông lưu trữ", "manage the fonds", UNIT_ADMIN),
        _right("dossier_list.draw", "lập danh mục hồ sơ", "draw up the dossier list", UNIT_ADMIN),
        _right("dossier_list.approve", "duyệt danh mục hồ sơ", "approve the dossier list", UNIT_HEAD),
        _right("store.manage", "quản lý kho, kệ, hộp", "manage the records store", UNIT_ADMIN, RECORDS_STAFF),
        _right("extraction_templates.manage", "quản lý mẫu bóc tách", "manage extraction templates", UNIT_ADMIN),
        _right("dossier.form", "lập hồ sơ", "form dossiers", RECORDS_STAFF),
        _right("dossier.edit", "sửa hồ sơ", "edit dossiers", RECORDS_STAFF),
        _right("dossier.place", "xếp hồ sơ vào hộp", "place dossiers in boxes", RECORDS_STAFF),
        _right("dossier.submit", "nộp hồ sơ", "submit dossiers", RECORDS_STAFF),
        _right("dossier.withdraw", "rút lại hồ sơ", "withdraw dossiers", RECORDS_STAFF),
        _right("dossier.approve", "duyệt hồ sơ", "approve dossiers", UNIT_HEAD),
        _right("dossier.return", "trả lại hồ sơ", "return dossiers", UNIT_HEAD),
        _right("dossier.archive", "lưu trữ hồ sơ", "archive dossiers", RECORDS_STAFF, UNIT_HEAD),
        _right("dossier.correct", "hiệu chỉnh hồ sơ", "correct dossiers", RECORDS_STAFF, UNIT_HEAD),
        _right("document.add_file", "thêm tệp vào văn bản", "add files to the documents", RECORDS_STAFF),
        _right("document.digitise", "số hóa văn bản", "digitise the documents", RECORDS_STAFF),
        _right("document.extract", "bóc tách dữ liệu văn bản", "extract data from the documents", RECORDS_STAFF),
        _right("document.sign_personal", "ký số cá nhân văn bản", "sign the documents personally", RECORDS_STAFF),
        _right("document.sign_organisation", "ký số của cơ quan, tổ chức lên văn bản",
               "apply the organisation signature to the documents", CLERK),
        _right("platform.suspend", "tạm dừng hay khôi phục hệ thống", "suspend or resume the platform",
               province=(OPERATOR,)),
        # Anyone signed in reports an incident (the online form); the operating unit handles it (regulation Đ10).
        _right("incident.report", "báo cáo sự cố", "report incidents", province=tuple(ROLES)),
        _right("incident.view", "xem các sự cố", "see the incidents", province=(OPERATOR, INSPECTOR)),
        _right("incident.manage", "xử lý sự cố", "handle incidents", province=(OPERATOR,)),
        # Those who keep reading while suspended (DOMAIN.md) also write the investigation down.
        _right("incident.timeline", "ghi diễn biến sự cố", "add to an incident's timeline",
               province=(OPERATOR, INSPECTOR)),
        _right("reports.view", "xem báo cáo thống kê", "read the reports", UNIT_HEAD, UNIT_ADMIN,
               province=(OPERATOR, INSPECTOR)),
        _right("backups.view", "xem sao lưu", "see the backups", province=(OPERATOR, INSPECTOR)),
        _right("backups.drill", "chạy diễn tập phục hồi", "start a restore drill", province=(OPERATOR,)),
        _right("lgsp.sync", "đồng bộ dữ liệu từ LGSP", "synchronise data from LGSP"),
        _right("lgsp.review", "xử lý bản ghi LGSP chờ xem xét", "handle the LGSP records awaiting review",
               UNIT_ADMIN),
        _right("retention_schedule.manage", "quản lý bảng thời hạn lưu trữ", "manage the retention schedule"),
        _right("retention.review", "xem hồ sơ hết thời hạn lưu trữ", "review expired dossiers",
               RECORDS_STAFF, UNIT_ADMIN, UNIT_HEAD, province=(INSPECTOR,)),
        _right("retention.propose_destruction", "đề nghị hủy hồ sơ hết giá trị",
               "propose the destruction of expired dossiers", RECORDS_STAFF, UNIT_ADMIN),
        _right("retention.record_appraisal", "ghi kết quả thẩm định của Hội đồng",
               "record the appraisal council's review", RECORDS_STAFF, UNIT_ADMIN),
        _right("destruction.approve", "quyết định hủy hồ sơ", "decide on the destruction of dossiers", UNIT_HEAD),
        _right("destruction.execute", "thực hiện hủy hồ sơ", "carry out the destruction of dossiers",
               RECORDS_STAFF, UNIT_ADMIN),
        _right("dossier.legal_hold", "đặt hay gỡ lệnh giữ hồ sơ", "place or lift a legal hold on dossiers",
               UNIT_HEAD),
        _right("access_request.create", "gửi yêu cầu khai thác hồ sơ", "request access to archived dossiers",
               READER, RECORDS_STAFF, UNIT_ADMIN, UNIT_HEAD, CLERK),
        _right("access_request.approve", "duyệt yêu cầu khai thác hồ sơ", "decide on access requests", UNIT_HEAD),
        _right("access_request.report", "xem báo cáo khai thác", "see the access report", UNIT_HEAD, UNIT_ADMIN,
               province=(INSPECTOR,)),
    )
}


def holders(right_code: str) -> frozenset[str]:
    """Every role that holds ``right_code`` somewhere: what a menu entry of that right is shown to."""
    right = RIGHTS[right_code]
    return right.unit_roles | right.province_roles | {SYSTEM_ADMIN}
