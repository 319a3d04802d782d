"""Records as LGSP sends them (DOMAIN.md § LGSP), for the synchronisation tests: valid ones, to which tests apply
changes (a missing field, a bad date, an unknown unit) to make them malformed."""

from __future__ import annotations

UNIT_A, UNIT_B = "000.00.01.H47", "000.00.02.H47"


def dossier_record(number: int, **changes: object) -> dict:
    """A procedure dossier as LGSP sends it, received by department A on 1 May 2026."""
    record = {
        "MaHoSo": f"000.00.01.H47-260501-{number:04d}", "MaTTHC": "1.005129",
        "TenTTHC": "Đăng ký thành lập hộ kinh doanh", "MaLinhVuc": "TLHKD", "ChuHoSo": f"Nguyễn Thị Hồng {number}",
        "LoaiDoiTuong": "Công dân", "NgayTiepNhan": "20260501083000", "NgayHenTra": "20260504170000",
        "TrangThaiHoSo": "DaTraKetQua", "NgayTra": "20260503100000", "DonViXuLy": UNIT_A,
        "GiayToKetQua": [{"TenGiayTo": "Giấy chứng nhận đăng ký hộ kinh doanh", "MaThanhPhanHoSo": "KQ01",
                          "DuongDanTep": f"https://lgsp.example/files/{number}.pdf"}],
    }
    record.update(changes)
    return {key: value for key, value in record.items() if value is not None}


def procedure_record(number: int, **changes: object) -> dict:
    record = {"Id": f"TTHC-{number}", "MaTTHC": f"1.{5000 + number:06d}", "TenTTHC": f"Thủ tục số {number}",
              "LinhVuc": "Thành lập và hoạt động của hộ kinh doanh", "CoQuanThucHien": "UBND cấp huyện",
              "ThanhPhanHoSo": ["Giấy đề nghị đăng ký hộ kinh doanh", "Bản sao giấy tờ pháp lý của cá nhân"],
              "KetQua": [{"MaKetQua": "KQ01", "TenKetQua": "Giấy chứng nhận đăng ký hộ kinh doanh"}],
              "CanCuPhapLy": ["Nghị định 01/2021/NĐ-CP"]}
    record.update(changes)
    return record


def staff_record(number: int, **changes: object) -> dict:
    record = {"MaCanBo": f"CB{number:04d}", "HoVaTen": f"Trần Văn Cán Bộ{number}",
              "Email": f"canbo{number}@quangnam.gov.vn", "MaDinhDanhDonVi": UNIT_A, "ChucVu": "Chuyên viên"}
    record.update(changes)
    return record
