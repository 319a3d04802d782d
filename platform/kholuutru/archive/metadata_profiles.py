"""Versioned metadata profiles: which dossier and document fields exist, their limits, which are mandatory.

TT 02/2019/TT-BNV is the legacy profile (imports and dossiers formed before 01/7/2025); TT 05/2025/TT-BNV is the
current one (DOMAIN.md § law in force). A dossier records the profile it was formed under, and is always validated
against that one. Lengths follow the standards' tables (research-vn-standards.md §1); where the Circulars' own tables
were not retrieved, the mandatory sets and vocabularies below are configurable defaults, marked ⚠ in the console help.
"""

from __future__ import annotations

from dataclasses import dataclass

from .validation import Label

CURRENT_PROFILE = "tt05_2025"
LEGACY_PROFILE = "tt02_2019"

# ⚠ Controlled vocabularies (codes stored; names shown). Access levels after Luật Lưu trữ 2024 ("mức độ tiếp cận").
ACCESS_LEVELS = {
    "public": ("Sử dụng rộng rãi", "Open"),
    "restricted": ("Hạn chế sử dụng", "Restricted"),
    "internal": ("Nội bộ", "Internal"),
}
RELIABILITY = {
    "born_digital": ("Gốc điện tử", "Born digital"),
    "digitised": ("Số hóa", "Digitised"),
    "mixed": ("Hỗn hợp", "Mixed"),
}


@dataclass(frozen=True)
class FieldSpec:
    """One metadata field: its label, kind (text/int/date/choice) and limit or vocabulary."""

    label: Label
    kind: str
    max_length: int = 0
    maximum: int = 9999
    vocabulary: tuple[str, ...] = ()


def _text(key: str, vi: str, en: str, length: int) -> FieldSpec:
    return FieldSpec(Label(key, vi, en), "text", max_length=length)


def _int(key: str, vi: str, en: str, maximum: int = 99999) -> FieldSpec:
    return FieldSpec(Label(key, vi, en), "int", maximum=maximum)


def _date(key: str, vi: str, en: str) -> FieldSpec:
    return FieldSpec(Label(key, vi, en), "date")


def _choice(key: str, vi: str, en: str, vocabulary: dict[str, tuple[str, str]]) -> FieldSpec:
    return FieldSpec(Label(key, vi, en), "choice", vocabulary=tuple(vocabulary))


DOSSIER_FIELDS: dict[str, FieldSpec] = {
    spec.label.key: spec
    for spec in (
        _text("title", "Tiêu đề hồ sơ", "Title", 1000),
        _choice("access_level", "Mức độ tiếp cận / chế độ sử dụng", "Access level", ACCESS_LEVELS),
        _text("creator", "Người lập hồ sơ", "Creator", 100),
        _text("language", "Ngôn ngữ", "Language", 50),
        _date("start_date", "Thời gian bắt đầu", "Start date"),
        _date("end_date", "Thời gian kết thúc", "End date"),
        _int("document_count", "Tổng số văn bản", "Number of documents"),
        _int("page_count", "Số lượng trang", "Number of pages"),
        _int("sheet_count", "Số lượng tờ", "Number of sheets"),
        _text("information_symbol", "Ký hiệu thông tin", "Information symbol", 30),
        _text("keywords", "Từ khóa", "Keywords", 100),
        _text("physical_state", "Tình trạng vật lý", "Physical state", 50),
        _choice("reliability", "Mức độ tin cậy", "Reliability", RELIABILITY),
        _text("paper_original_code", "Mã hồ sơ gốc giấy", "Paper original code", 30),
        _text("backup_copy_status", "Tình trạng lập bản sao dự phòng", "Backup copy status", 30),
        _text("note", "Chú giải / ghi chú", "Note", 2000),
        _text("procedure_code", "Mã thủ tục hành chính", "Procedure code", 20),
        _text("procedure_dossier_code", "Mã hồ sơ thủ tục hành chính", "Procedure dossier code", 40),
        _text("applicant", "Người nộp hồ sơ", "Applicant", 200),
        _date("received_on", "Ngày tiếp nhận", "Date received"),
        _date("returned_on", "Ngày trả kết quả", "Date returned"),
    )
}

DOCUMENT_FIELDS: dict[str, FieldSpec] = {
    spec.label.key: spec
    for spec in (
        _text("type_name", "Tên loại văn bản", "Document type", 100),
        _text("number", "Số của văn bản", "Number", 11),
        _text("symbol", "Ký hiệu của văn bản", "Symbol", 30),
        _date("issued_on", "Ngày tháng năm văn bản", "Date of the document"),
        _text("issuing_organisation", "Tên cơ quan, tổ chức ban hành", "Issuing organisation", 200),
        _text("summary", "Trích yếu nội dung", "Summary", 500),
        _text("language", "Ngôn ngữ", "Language", 50),
        _int("page_count", "Số lượng trang", "Number of pages", maximum=9999),
        _text("signer_name", "Họ tên người ký", "Signer's name", 50),
        _text("signer_position", "Chức vụ người ký", "Signer's position", 100),
        _text("information_symbol", "Ký hiệu thông tin", "Information symbol", 30),
        _text("keywords", "Từ khóa", "Keywords", 100),
        _choice("usage_mode", "Chế độ sử dụng", "Usage mode", ACCESS_LEVELS),
        _choice("reliability", "Mức độ tin cậy", "Reliability", RELIABILITY),
        _text("annotations", "Bút tích", "Handwritten annotations", 2000),
        _text("physical_state", "Tình trạng vật lý", "Physical state", 50),
        _text("note", "Ghi chú", "Note", 500),
    )
}


@dataclass(frozen=True)
class Profile:
    """A metadata profile: its name and which fields must be filled before a dossier is submitted."""

    code: str
    name: str
    dossier_required: tuple[str, ...]
    document_required: tuple[str, ...]
    title_length: int = 1000


PROFILES: dict[str, Profile] = {
    CURRENT_PROFILE: Profile(
        CURRENT_PROFILE,
        "TT 05/2025/TT-BNV",
        dossier_required=("title", "access_level", "language", "start_date", "end_date", "reliability"),
        document_required=("type_name", "issued_on", "issuing_organisation", "summary", "usage_mode", "page_count"),
    ),
    LEGACY_PROFILE: Profile(
        LEGACY_PROFILE,
        "TT 02/2019/TT-BNV",
        dossier_required=("title", "access_level", "language", "start_date", "end_date"),
        document_required=("type_name", "issuing_organisation", "usage_mode"),
    ),
}
