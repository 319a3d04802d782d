"""The visible stamp of a signature, in the form Vietnamese readers expect (signer, position, unit, time).

Vietnamese needs a TrueType font with its precomposed letters (ắ, ệ, ữ …): the PDF's 14 standard fonts have none, so
the stamp embeds the font named in the settings (FreeSans by default, from Debian's fonts-freefont-ttf). pyHanko writes
glyph widths in the font's own units, which PDF readers take as thousandths of an em, so only a font with 1000 units
per em is spaced right (DejaVu's 2048 spread letters apart): others are refused with a clear message. Times are
ISO 8601 in Vietnam time (UTC+7, no daylight saving), as DOMAIN.md asks. The organisation signature goes top-right of
page 1 (where a digitised copy shows its seal); the personal one bottom-right of the last page, where a signer signs.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from fontTools.ttLib import TTFont
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign.fields import SigFieldSpec
from pyhanko.stamp import TextStampStyle
from pypdf import PdfReader

from .errors import InvalidInput
from .settings import Settings

VIETNAM_TIME = dt.timezone(dt.timedelta(hours=7))
_WIDTH, _HEIGHT, _MARGIN = 230, 62, 18
_FONT_SIZE = 7


def vietnam_time(moment: dt.datetime) -> str:
    """``2026-11-26T05:19:25+07:00``."""
    return moment.astimezone(VIETNAM_TIME).isoformat(timespec="seconds")


@dataclass(frozen=True)
class StampText:
    """What a stamp says; ``copy_type`` is set on the organisation stamp of a digitised copy."""

    signer: str
    position: str | None
    unit_name: str
    signed_at: dt.datetime
    copy_type: str | None = None

    def personal(self) -> str:
        lines = [f"Người ký: {self.signer}"]
        if self.position:
            lines.append(f"Chức vụ: {self.position}")
        lines += [f"Đơn vị: {self.unit_name}", f"Thời gian ký: {vietnam_time(self.signed_at)}"]
        return "\n".join(lines)

    def organisation(self) -> str:
        lines = [self.copy_type] if self.copy_type else []
        lines += [f"Cơ quan, tổ chức: {self.unit_name}", f"Người ký: {self.signer}",
                  f"Thời gian ký: {vietnam_time(self.signed_at)}"]
        return "\n".join(lines)


def stamp_style(settings: Settings, text: str) -> TextStampStyle:
    """A bordered text stamp in the configured TrueType font (the text is literal: ``%`` is escaped)."""
    font_file = settings.signature_font_file
    if not font_file.is_file():
        raise InvalidInput(f"Không tìm thấy phông chữ {font_file} để in dấu chữ ký.",
                           f"The stamp font {font_file} does not exist.", field="KHOLUUTRU_SIGNATURE_FONT_FILE")
    if TTFont(font_file, lazy=True)["head"].unitsPerEm != 1000:
        raise InvalidInput(
            f"Phông chữ {font_file} không dùng được cho dấu chữ ký (cần 1000 đơn vị mỗi em, ví dụ FreeSans).",
            f"The font {font_file} cannot be used for stamps (it needs 1000 units per em, e.g. FreeSans).",
            field="KHOLUUTRU_SIGNATURE_FONT_FILE",
        )
    font = GlyphAccumulatorFactory(str(font_file))
    return TextStampStyle(stamp_text=text.replace("%", "%%"), border_width=1,
                          text_box_style=TextBoxStyle(font=font, font_size=_FONT_SIZE))


def field_spec(pdf: bytes, field_name: str, kind: str) -> SigFieldSpec:
    """Where the stamp goes: organisation top-right of page 1, personal bottom-right of the last page."""
    pages = PdfReader(io.BytesIO(pdf)).pages
    page_index = 0 if kind == "organisation" else len(pages) - 1
    box = pages[page_index].mediabox
    right = int(box.right) - _MARGIN
    if kind == "organisation":
        top = int(box.top) - _MARGIN
        rect = (right - _WIDTH, top - _HEIGHT, right, top)
    else:
        bottom = int(box.bottom) + _MARGIN
        rect = (right - _WIDTH, bottom, right, bottom + _HEIGHT)
    return SigFieldSpec(sig_field_name=field_name, on_page=page_index, box=rect)
