"""Reading LGSP records: each feed's fields checked and cleaned, every problem named with its field in both languages.

A record is never silently dropped: ``Rejected`` carries all of its problems (not only the first), and the sync puts it
in the review queue with them. Field names are LGSP's (DOMAIN.md § LGSP): dossiers ``MaHoSo``, ``MaTTHC``, ``TenTTHC``,
``MaLinhVuc``, ``ChuHoSo``, ``LoaiDoiTuong``, ``NgayTiepNhan``, ``NgayHenTra``, ``TrangThaiHoSo``, ``NgayTra``,
``DonViXuLy`` and the result papers ``GiayToKetQua`` (``TenGiayTo``, ``MaThanhPhanHoSo``, ``DuongDanTep``); dates are
``yyyyMMddHHmmss`` in Vietnam time. Staff records: ``MaCanBo``, ``HoVaTen``, ``Email``, ``MaDinhDanhDonVi``,
``ChucVu``, ``TenDangNhap``. Procedures: ``Id``, ``MaTTHC``, ``TenTTHC``, ``LinhVuc``, ``CoQuanThucHien``,
``ThanhPhanHoSo``, ``KetQua`` (``MaKetQua``, ``TenKetQua``), ``CanCuPhapLy``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from .dossier_metadata import PROCEDURE_CODE
from .errors import ArchiveError

VIETNAM_TIME = ZoneInfo("Asia/Ho_Chi_Minh")
LGSP_DATE = re.compile(r"^\d{14}$")
EXTERNAL_IDS = {"users": "MaCanBo", "procedures": "Id", "dossiers": "MaHoSo"}


@dataclass(frozen=True)
class Reason:
    """One problem of a record: the LGSP field and what is wrong, in Vietnamese and English."""

    field: str | None
    vi: str
    en: str

    def as_dict(self) -> dict[str, str | None]:
        return {"field": self.field, "vi": self.vi, "en": self.en}


class Rejected(Exception):
    """A record that cannot be taken in as it is; it goes to the review queue with these reasons."""

    def __init__(self, reasons: list[Reason]) -> None:
        super().__init__("; ".join(reason.en for reason in reasons))
        self.reasons = reasons

    @classmethod
    def of(cls, error: ArchiveError) -> Rejected:
        """A service's refusal (unknown field value, code already issued…) as the record's reason."""
        return cls([Reason(error.field, error.message_vi, error.message_en)])


def digest(payload: Any) -> str:
    """Fingerprint of a record as received: equal records are recognised however often LGSP sends them."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def external_id(feed: str, payload: Any) -> str | None:
    """The record's LGSP identifier when it has a usable one."""
    value = payload.get(EXTERNAL_IDS[feed]) if isinstance(payload, dict) else None
    cleaned = str(value).strip() if isinstance(value, str | int) else ""
    return cleaned[:100] or None


class _Reader:
    """Collects the problems of one record while its fields are read."""

    def __init__(self, payload: Any) -> None:
        if not isinstance(payload, dict):
            raise Rejected([Reason(None, "Bản ghi không phải một đối tượng JSON.", "The record is not a JSON object.")])
        self.payload = payload
        self.reasons: list[Reason] = []

    def text(self, key: str, max_length: int, *, required: bool = False) -> str | None:
        value = self.payload.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.reasons.append(Reason(key, f"Thiếu trường {key}.", f"{key} is missing."))
            return None
        if not isinstance(value, str | int):
            self.reasons.append(Reason(key, f"Trường {key} phải là chuỗi ký tự.", f"{key} must be a string."))
            return None
        cleaned = " ".join(str(value).split())
        if len(cleaned) > max_length:
            self.reasons.append(Reason(key, f"Trường {key} dài quá {max_length} ký tự.",
                                       f"{key} is longer than {max_length} characters."))
            return None
        return cleaned

    def procedure_code(self, key: str = "MaTTHC") -> str | None:
        code = self.text(key, 20, required=True)
        if code is not None and not PROCEDURE_CODE.match(code):
            self.reasons.append(Reason(key, f"Mã thủ tục {code} không đúng dạng 1.005129.",
                                       f"Procedure code {code} does not look like 1.005129."))
            return None
        return code

    def moment(self, key: str, *, required: bool = False) -> dt.datetime | None:
        """A ``yyyyMMddHHmmss`` date in Vietnam time."""
        value = self.text(key, 14, required=required)
        if value is None:
            return None
        try:
            if not LGSP_DATE.match(value):
                raise ValueError(value)
            return dt.datetime.strptime(value, "%Y%m%d%H%M%S").replace(tzinfo=VIETNAM_TIME)
        except ValueError:
            self.reasons.append(Reason(key, f"Ngày {key} không đúng dạng yyyyMMddHHmmss: {value}.",
                                       f"{key} is not a yyyyMMddHHmmss date: {value}."))
            return None

    def records(self, key: str) -> list[dict[str, Any]]:
        value = self.payload.get(key) or []
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            self.reasons.append(Reason(key, f"Trường {key} phải là danh sách đối tượng.",
                                       f"{key} must be a list of objects."))
            return []
        return value

    def done(self) -> None:
        if self.reasons:
            raise Rejected(self.reasons)


@dataclass(frozen=True)
class StaffRecord:
    external_id: str
    full_name: str
    email: str
    unit_code: str
    position: str | None
    username: str | None


@dataclass(frozen=True)
class ProcedureRecord:
    external_id: str
    code: str
    name: str
    field: str | None
    agency: str | None
    components: list[str]
    results: list[dict[str, str | None]]
    legal_basis: str | None


@dataclass(frozen=True)
class DossierRecord:
    external_id: str
    procedure_code: str
    procedure_name: str
    field_code: str | None
    applicant: str
    applicant_kind: str | None
    received_at: dt.datetime
    due_at: dt.datetime | None
    status: str | None
    returned_at: dt.datetime | None
    unit_code: str
    papers: list[dict[str, str | None]]


def staff(payload: Any) -> StaffRecord:
    read = _Reader(payload)
    identifier, full_name = read.text("MaCanBo", 100, required=True), read.text("HoVaTen", 128, required=True)
    email, unit_code = read.text("Email", 320, required=True), read.text("MaDinhDanhDonVi", 13, required=True)
    position, username = read.text("ChucVu", 200), read.text("TenDangNhap", 64)
    if email is not None and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        read.reasons.append(Reason("Email", f"Địa chỉ thư điện tử không hợp lệ: {email}.",
                                   f"Not an e-mail address: {email}."))
    read.done()
    return StaffRecord(identifier, full_name, email.lower(), unit_code, position,  # type: ignore[arg-type, union-attr]
                       username.lower() if username else None)


def procedure(payload: Any) -> ProcedureRecord:
    read = _Reader(payload)
    identifier, code = read.text("Id", 100, required=True), read.procedure_code()
    name = read.text("TenTTHC", 1000, required=True)
    field, agency = read.text("LinhVuc", 300), read.text("CoQuanThucHien", 300)
    components = payload.get("ThanhPhanHoSo")
    if components is not None and not (isinstance(components, list) and all(isinstance(c, str) for c in components)):
        read.reasons.append(Reason("ThanhPhanHoSo", "Thành phần hồ sơ phải là danh sách tên giấy tờ.",
                                   "ThanhPhanHoSo must be a list of paper names."))
        components = None
    results = [{"code": _str(item.get("MaKetQua")), "name": _str(item.get("TenKetQua"))}
               for item in read.records("KetQua")]
    legal = payload.get("CanCuPhapLy")
    legal_basis = "\n".join(map(str, legal)) if isinstance(legal, list) else read.text("CanCuPhapLy", 10000)
    read.done()
    return ProcedureRecord(identifier, code, name, field, agency, list(components or []),  # type: ignore[arg-type]
                           results, legal_basis or None)


def dossier(payload: Any) -> DossierRecord:
    read = _Reader(payload)
    identifier = read.text("MaHoSo", 40, required=True)
    if identifier is not None and " " in identifier:
        read.reasons.append(Reason("MaHoSo", "Mã hồ sơ không được chứa khoảng trắng.",
                                   "MaHoSo must not contain spaces."))
    code, name = read.procedure_code(), read.text("TenTTHC", 1000, required=True)
    field_code, applicant = read.text("MaLinhVuc", 50), read.text("ChuHoSo", 200, required=True)
    kind = read.text("LoaiDoiTuong", 50)
    received, due = read.moment("NgayTiepNhan", required=True), read.moment("NgayHenTra")
    status, returned = read.text("TrangThaiHoSo", 50), read.moment("NgayTra")
    unit_code = read.text("DonViXuLy", 13, required=True)
    if received and returned and returned < received:
        read.reasons.append(Reason("NgayTra", "Ngày trả kết quả trước ngày tiếp nhận.",
                                   "NgayTra is before NgayTiepNhan."))
    papers = [{"name": _str(item.get("TenGiayTo")), "component": _str(item.get("MaThanhPhanHoSo")),
               "link": _str(item.get("DuongDanTep"))} for item in read.records("GiayToKetQua")]
    read.done()
    return DossierRecord(identifier, code, name, field_code, applicant, kind, received, due,  # type: ignore[arg-type]
                         status, returned, unit_code, papers)  # type: ignore[arg-type]


def _str(value: Any) -> str | None:
    return None if value is None else str(value).strip() or None
