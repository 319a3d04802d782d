"""A digitised procedure result to extract from: a certificate rendered at 200 dpi, uploaded and OCR'd for real."""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable

import pytest
from PIL import Image, ImageDraw, ImageFont

from kholuutru.archive import digitisation, document_files, jobs, units
from kholuutru.archive.access import Actor
from kholuutru.archive.dossier_models import Document, Dossier
from kholuutru.archive.roles import RECORDS_STAFF, UNIT_ADMIN

ADMIN = Actor.system("test")
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
CERTIFICATE = """UBND THÀNH PHỐ TAM KỲ
GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH
Số giấy chứng nhận: 40A8012345
Họ và tên chủ hộ: Nguyễn Thị Hồng Nhung
Ngày cấp: 15/03/2026
Ngành, nghề kinh doanh: bán lẻ lương thực, thực phẩm"""
_numbers = itertools.count(1)


def render_certificate(text: str = CERTIFICATE, dpi: int = 200) -> bytes:
    font = ImageFont.truetype(FONT, round(12 * dpi / 72))
    lines = text.splitlines()
    image = Image.new("RGB", (round(8.27 * dpi), round((0.6 + 0.27 * len(lines)) * dpi)), "white")
    draw = ImageDraw.Draw(image)
    for number, line in enumerate(lines):
        draw.text((round(0.3 * dpi), round(0.3 * dpi + number * 0.27 * dpi)), line, font=font, fill=(10, 10, 10))
    out = io.BytesIO()
    image.save(out, "PNG", dpi=(dpi, dpi))
    return out.getvalue()


@pytest.fixture(scope="module")
def unit_id(database) -> int:
    with database.session(ADMIN) as session:
        province = units.create_unit(session, ADMIN, code="000.00.00.H47", name="UBND tỉnh Quảng Nam",
                                     level="province")
        unit = units.create_unit(session, ADMIN, code="000.00.07.H47", name="UBND thành phố Tam Kỳ",
                                 level="district", parent_id=province.id)
    return unit.id


def staff(unit_id: int) -> Actor:
    return Actor(user_id=701, username="canbo-boc-tach", unit_id=unit_id, roles=frozenset({RECORDS_STAFF}))


def unit_admin(unit_id: int) -> Actor:
    return Actor(user_id=702, username="quantri-donvi", unit_id=unit_id, roles=frozenset({UNIT_ADMIN}))


@pytest.fixture(scope="module")
def digitised_certificate(database, storage, settings, unit_id) -> Callable[[str], int]:
    """Upload a rendered certificate to a new document, digitise it through the job queue; returns the document id."""

    def make(text: str = CERTIFICATE) -> int:
        number = next(_numbers)
        with database.session(ADMIN) as session:
            dossier = Dossier(
                unit_id=unit_id, profile="tt05_2025", state="draft", code=f"H47.2026.{number:02d}.HKD",
                office_code=f"000.00.07.H47.2026.{number:02d}.HKD", unit_identifier="000.00.07.H47", year=2026,
                number_symbol=f"{number:02d}.HKD", title="Hồ sơ đăng ký hộ kinh doanh", retention_permanent=True,
                procedure_code="1.001612",
            )
            session.add(dossier)
            session.flush()
            document = Document(dossier_id=dossier.id, unit_id=unit_id, identifier=f"HKD-{number:06d}",
                                order_in_dossier=1)
            session.add(document)
            session.flush()
            document_id = document.id
        with database.session(staff(unit_id)) as session:
            document_files.add_file(session, staff(unit_id), storage, settings, document_id=document_id,
                                    stream=io.BytesIO(render_certificate(text)), file_name="giay-chung-nhan.png")
            digitisation.request(session, staff(unit_id), storage, settings, document_id=document_id)
        job = jobs.run_next(database, storage, settings)
        assert job.state == "succeeded", job.message
        return document_id

    return make
