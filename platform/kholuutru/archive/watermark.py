"""The watermark on every copy handed out through an access request: "Bản khai thác", who downloaded it and when.

Only the served copy is marked; the stored object is never touched (invariant 3). A PDF gets the mark as an
incremental update, a text stamp at the foot of every page in the stamp font (FreeSans, for Vietnamese letters) — the
original revision and its signatures stay as they were, so a reader can still validate them and see the watermark
added after signing. Scanned images get the same line drawn into every frame.
"""

from __future__ import annotations

import datetime as dt
import io

from PIL import Image, ImageDraw, ImageFont, ImageSequence
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.stamp import TextStamp
from pypdf import PdfReader

from .errors import InvalidInput
from .settings import Settings
from .signature_stamps import stamp_style, vietnam_time

_MARGIN = 12
_IMAGE_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/tiff": "TIFF"}


def watermark_text(requester: str, request_id: int, moment: dt.datetime) -> str:
    """``Bản khai thác - yêu cầu số 7 - khaithac - 2026-11-26T09:00:00+07:00``."""
    return f"Bản khai thác - yêu cầu số {request_id} - {requester} - {vietnam_time(moment)}"


def watermark(data: bytes, media_type: str, text: str, settings: Settings) -> bytes:
    """A marked copy of ``data``; refuses a type that cannot carry a visible mark."""
    if media_type == "application/pdf":
        return _watermark_pdf(data, text, settings)
    if media_type in _IMAGE_FORMATS:
        return _watermark_image(data, _IMAGE_FORMATS[media_type], text, settings)
    raise InvalidInput(f"Không đóng dấu khai thác được lên tệp loại {media_type}.",
                       f"A file of type {media_type} cannot carry the access watermark.", field="file_id")


def _watermark_pdf(data: bytes, text: str, settings: Settings) -> bytes:
    pages = len(PdfReader(io.BytesIO(data)).pages)
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    style = stamp_style(settings, text)
    for page in range(pages):
        _ensure_content_stream(writer, page)
        TextStamp(writer=writer, style=style).apply(page, _MARGIN, _MARGIN)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _ensure_content_stream(writer: IncrementalPdfFileWriter, page_index: int) -> None:
    """Give a page without content (a blank page may have none) an empty stream the stamp can be added to."""
    page_ref, _ = writer.find_page_for_modification(page_index)
    page = page_ref.get_object()
    if "/Contents" not in page:
        page["/Contents"] = writer.add_object(generic.StreamObject(stream_data=b""))
        writer.mark_update(page_ref)


def _watermark_image(data: bytes, image_format: str, text: str, settings: Settings) -> bytes:
    stamp_style(settings, text)  # the same font checks as the PDF stamp
    image = Image.open(io.BytesIO(data))
    frames = []
    for frame in ImageSequence.Iterator(image):
        page = frame.convert("RGB")
        size = max(12, page.width // 60)
        font = ImageFont.truetype(str(settings.signature_font_file), size)
        draw = ImageDraw.Draw(page)
        position = (_MARGIN, page.height - _MARGIN - size * 2)
        box = draw.textbbox(position, text, font=font)
        draw.rectangle((box[0] - 4, box[1] - 4, box[2] + 4, box[3] + 4), fill="white", outline="red")
        draw.text(position, text, fill="red", font=font)
        frames.append(page)
    out = io.BytesIO()
    if len(frames) > 1:
        frames[0].save(out, format=image_format, save_all=True, append_images=frames[1:])
    else:
        frames[0].save(out, format=image_format)
    return out.getvalue()
