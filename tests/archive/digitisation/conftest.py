"""Scans rendered in the tests (Pillow + DejaVu Sans, a real Vietnamese text with its diacritics) and a unit →
dossier → document to digitise them into, with the scan uploaded through the real upload service.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable

import pytest
from PIL import Image, ImageDraw, ImageFont

from kholuutru.archive import document_files, units
from kholuutru.archive.access import Actor
from kholuutru.archive.dossier_models import Document, Dossier
from kholuutru.archive.roles import RECORDS_STAFF

ADMIN = Actor.system("test")
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
SOURCE_TEXT = """CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH
Số giấy chứng nhận: 40A8012345
Họ và tên chủ hộ: Nguyễn Thị Hồng Nhung
Ngày cấp: 15/03/2026
Địa điểm kinh doanh: số 12 đường Trần Hưng Đạo, phường Tân Thạnh, thành phố Tam Kỳ"""
_numbers = itertools.count(1)


def render_scan(dpi: int, *, mode: str = "RGB", image_format: str = "PNG", text: str = SOURCE_TEXT) -> bytes:
    """A 12-point text on an A4-wide strip scanned at ``dpi`` (recorded in the file), dark blue ink on white."""
    font = ImageFont.truetype(FONT, round(12 * dpi / 72))
    lines = text.splitlines()
    image = Image.new("RGB", (round(8.27 * dpi), round((0.6 + 0.27 * len(lines)) * dpi)), "white")
    draw = ImageDraw.Draw(image)
    for number, line in enumerate(lines):
        draw.text((round(0.3 * dpi), round(0.3 * dpi + number * 0.27 * dpi)), line, font=font, fill=(20, 20, 70))
    out = io.BytesIO()
    image.convert(mode).save(out, image_format, dpi=(dpi, dpi))
    return out.getvalue()


def staff(unit_id: int) -> Actor:
    return Actor(user_id=601, username="canbo-so-hoa", unit_id=unit_id, roles=frozenset({RECORDS_STAFF}))


@pytest.fixture(scope="module")
def unit_ids(database) -> tuple[int, int]:
    with database.session(ADMIN) as session:
        province = units.create_unit(session, ADMIN, code="000.00.00.H47", name="UBND tỉnh Quảng Nam",
                                     level="province")
        a = units.create_unit(session, ADMIN, code="000.00.01.H47", name="Sở Công Thương", level="department",
                              parent_id=province.id)
        b = units.create_unit(session, ADMIN, code="000.00.02.H47", name="Sở Tư pháp", level="department",
                              parent_id=province.id)
    return a.id, b.id


@pytest.fixture
def scanned_document(database, storage, settings, unit_ids) -> Callable[[bytes], int]:
    """A draft dossier's document with ``scan`` uploaded as its file; returns the document id."""

    def make(scan: bytes) -> int:
        unit_id, number = unit_ids[0], next(_numbers)
        with database.session(ADMIN) as session:
            dossier = Dossier(
                unit_id=unit_id, profile="tt05_2025", state="draft", code=f"H47.2026.{number:02d}.SH",
                office_code=f"000.00.01.H47.2026.{number:02d}.SH", unit_identifier="000.00.01.H47", year=2026,
                number_symbol=f"{number:02d}.SH", title="Hồ sơ đăng ký hộ kinh doanh", retention_permanent=True,
            )
            session.add(dossier)
            session.flush()
            document = Document(dossier_id=dossier.id, unit_id=unit_id, identifier=f"SH-{number:06d}",
                                order_in_dossier=1)
            session.add(document)
            session.flush()
            document_id = document.id
        with database.session(staff(unit_id)) as session:
            document_files.add_file(session, staff(unit_id), storage, settings, document_id=document_id,
                                    stream=io.BytesIO(scan), file_name="ban-quet.png")
        return document_id

    return make
