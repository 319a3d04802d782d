"""OCR of a scan into PDF/A-2b with a text layer: OCRmyPDF driving Tesseract's Vietnamese model (``vie``).

OCRmyPDF 17 with Tesseract 5.3 writes PDF/A-2b itself (through pikepdf; Ghostscript is only its fallback). Images are
kept as scanned — ``optimize=0`` — because the standard forbids lossy shrinking of scans. An image that records no
resolution is laid out at the minimum resolution of the standard (the scan checks have flagged it already).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import ocrmypdf
import pikepdf
from ocrmypdf.exceptions import ExitCodeException, MissingDependencyError

from .errors import ArchiveError, InvalidInput
from .settings import Settings


class OcrUnavailable(ArchiveError):
    """Tesseract, its language data or another OCR tool is missing on this machine."""

    http_status = 503


@dataclass(frozen=True)
class OcrResult:
    """The PDF/A bytes, the recognised text (pages separated by form feeds) and the page count."""

    pdf: bytes
    text: str
    pages: int
    pdfa: str


def ocr_to_pdfa(data: bytes, suffix: str, settings: Settings, *, assume_dpi: bool) -> OcrResult:
    """OCR ``data`` (an image or PDF whose extension is ``suffix``) into PDF/A-2b; ``assume_dpi`` for images that
    record no resolution."""
    with tempfile.TemporaryDirectory(prefix="kholuutru-ocr-") as folder:
        source, output, sidecar = Path(folder, f"scan{suffix}"), Path(folder, "out.pdf"), Path(folder, "text.txt")
        source.write_bytes(data)
        try:
            ocrmypdf.ocr(
                source, output, language=settings.ocr_languages.split("+"), output_type="pdfa-2", sidecar=sidecar,
                optimize=0, jobs=1, use_threads=True, progress_bar=False,
                image_dpi=settings.scan_min_dpi if assume_dpi else None,
            )
        except MissingDependencyError as error:
            raise OcrUnavailable(f"Thiếu công cụ OCR trên máy chủ: {error}", f"An OCR tool is missing: {error}",
                                 field="KHOLUUTRU_OCR_LANGUAGES") from error
        except ExitCodeException as error:
            raise InvalidInput(f"Không nhận dạng được ảnh quét ({type(error).__name__}: {error}).",
                               f"The scan could not be OCR'd ({type(error).__name__}: {error}).",
                               field="file") from error
        with pikepdf.open(output) as pdf:
            pages, pdfa = len(pdf.pages), pdf.open_metadata().pdfa_status
        return OcrResult(output.read_bytes(), sidecar.read_text(encoding="utf-8"), pages, pdfa)
