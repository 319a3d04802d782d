"""Scans rendered in the tests (Pillow + DejaVu Sans): a real Vietnamese procedure result, diacritics included, at a
chosen resolution recorded in the file — for the console's digitisation tests and the browser test."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
CERTIFICATE = """UBND THÀNH PHỐ TAM KỲ
GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH
Số giấy chứng nhận: 40A8012345
Họ và tên chủ hộ: Nguyễn Thị Hồng Nhung
Ngày cấp: 15/03/2026
Ngành, nghề kinh doanh: bán lẻ lương thực, thực phẩm"""


def render_scan(dpi: int = 200, text: str = CERTIFICATE) -> bytes:
    """A 12-point text on an A4-wide strip, as a PNG scanned at ``dpi``."""
    font = ImageFont.truetype(FONT, round(12 * dpi / 72))
    lines = text.splitlines()
    image = Image.new("RGB", (round(8.27 * dpi), round((0.6 + 0.27 * len(lines)) * dpi)), "white")
    draw = ImageDraw.Draw(image)
    for number, line in enumerate(lines):
        draw.text((round(0.3 * dpi), round(0.3 * dpi + number * 0.27 * dpi)), line, font=font, fill=(10, 10, 10))
    out = io.BytesIO()
    image.save(out, "PNG", dpi=(dpi, dpi))
    return out.getvalue()
