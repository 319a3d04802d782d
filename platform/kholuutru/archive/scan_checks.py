"""Technical checks of a scan before digitisation (DOMAIN.md § digitisation): format, resolution, colour.

What cannot be read at all — another format, a damaged image or PDF — is refused (``InvalidInput``), because OCR
would only fail later. What can be read but misses the standard — under the minimum resolution, grey or black and
white, no resolution recorded — is flagged: the digitisation still runs, and each finding names its field in
Vietnamese and English so staff can rescan. The resolution of a PDF's page is that of its largest image.
"""

from __future__ import annotations

import io
from dataclasses import asdict, dataclass, field
from typing import Any

from PIL import Image, ImageSequence
from pypdf import PdfReader

from . import file_types

_COLOUR_MODES = {"RGB", "RGBA", "CMYK", "YCbCr", "LAB", "HSV", "P"}


@dataclass(frozen=True)
class Finding:
    """One requirement a page misses (``page`` counts from 1; None when it concerns the whole file)."""

    field: str
    message_vi: str
    message_en: str
    page: int | None = None


@dataclass
class ScanReport:
    """The format, the pages and their resolutions (dpi; None when unknown), and every finding."""

    media_type: str
    pages: int
    dpi: list[float | None]
    findings: list[Finding] = field(default_factory=list)

    @property
    def meets_standard(self) -> bool:
        return not self.findings

    def as_dict(self) -> dict[str, Any]:
        return {"media_type": self.media_type, "pages": self.pages, "dpi": self.dpi,
                "meets_standard": self.meets_standard, "findings": [asdict(f) for f in self.findings]}


def check_scan(data: bytes, minimum_dpi: int) -> ScanReport:
    """Check ``data`` (TIFF, PNG, JPEG or PDF); refuse what cannot be read, flag what misses the standard."""
    file_type = file_types.sniff(data[: file_types.MAGIC_LENGTH])
    stream = io.BytesIO(data)
    file_types.check_readable(stream, file_type)
    pages = _pdf_pages(stream) if file_type is file_types.PDF else _image_pages(stream, file_type)
    report = ScanReport(file_type.media_type, len(pages), [dpi for dpi, _ in pages])
    for number, (dpi, mode) in enumerate(pages, start=1):
        if dpi is None and mode is not None:  # a page without any image (born digital) has nothing to measure
            report.findings.append(Finding(
                "resolution", f"Trang {number}: ảnh quét không ghi độ phân giải (cần tối thiểu {minimum_dpi} dpi).",
                f"Page {number}: the scan records no resolution ({minimum_dpi} dpi at least is required).", number))
        elif dpi is not None and round(dpi) < minimum_dpi:
            report.findings.append(Finding(
                "resolution", f"Trang {number}: độ phân giải {dpi:.0f} dpi, thấp hơn mức tối thiểu {minimum_dpi} dpi.",
                f"Page {number}: resolution {dpi:.0f} dpi is below the minimum of {minimum_dpi} dpi.", number))
        if mode is not None and mode not in _COLOUR_MODES:
            report.findings.append(Finding(
                "colour", f"Trang {number}: ảnh quét không phải ảnh màu (chế độ {mode}); cần quét màu.",
                f"Page {number}: the scan is not in colour (mode {mode}); scan in colour.", number))
    return report


def _image_pages(stream: io.BytesIO, file_type: file_types.FileType) -> list[tuple[float | None, str | None]]:
    pages = []
    with Image.open(stream, formats=[file_type.pillow_format]) as image:
        for frame in ImageSequence.Iterator(image):
            dpi = frame.info.get("dpi")
            pages.append((float(dpi[0]) if dpi and dpi[0] else None, frame.mode))
    return pages


def _pdf_pages(stream: io.BytesIO) -> list[tuple[float | None, str | None]]:
    pages = []
    for page in PdfReader(stream).pages:
        images = [image.image for image in page.images]
        if not images:
            pages.append((None, None))
            continue
        largest = max(images, key=lambda image: image.width * image.height)
        width_inches = float(page.mediabox.width) / 72
        pages.append((largest.width / width_inches if width_inches else None, largest.mode))
    return pages
