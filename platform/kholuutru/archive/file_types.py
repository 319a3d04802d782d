"""Which files the archive accepts, judged by their content, and the names they are kept under.

A document's type is read from its first bytes (magic numbers), never from the extension or the MIME type a browser
sends: both are whatever the uploader's machine says. Only the formats of digitised archives are taken — PDF, TIFF,
PNG, JPEG — and each must also open: a PDF whose pages cannot be counted, or an image that does not decode, would be
an archived document nobody can read later.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import BinaryIO

from PIL import Image, ImageSequence
from pypdf import PdfReader

from .errors import InvalidInput

MAGIC_LENGTH = 8
_MAX_NAME_BYTES = 255
_DEFAULT_STEM = "tai-lieu"
# Unicode categories never kept in a name: controls, invisible formatting (bidi overrides that fake an extension,
# zero-width characters), lone surrogates, line and paragraph separators.
_DROPPED_CATEGORIES = {"Cc", "Cf", "Cs", "Zl", "Zp"}


@dataclass(frozen=True)
class FileType:
    """An accepted format: its media type, its extensions (the first is the usual one) and Pillow's name for it."""

    media_type: str
    extensions: tuple[str, ...]
    pillow_format: str | None = None


PDF = FileType("application/pdf", ("pdf",))
TIFF = FileType("image/tiff", ("tif", "tiff"), "TIFF")
PNG = FileType("image/png", ("png",), "PNG")
JPEG = FileType("image/jpeg", ("jpg", "jpeg"), "JPEG")

_SIGNATURES: tuple[tuple[bytes, FileType], ...] = (
    (b"%PDF-", PDF),
    (b"II*\x00", TIFF),
    (b"MM\x00*", TIFF),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"\xff\xd8\xff", JPEG),
)
# Formats people often upload by mistake, named in the refusal so they know what to do instead.
_KNOWN_REFUSED: tuple[tuple[bytes, str, str], ...] = (
    (b"MZ", "chương trình Windows (.exe, .dll)", "a Windows program (.exe, .dll)"),
    (b"\x7fELF", "chương trình Linux", "a Linux program"),
    (b"PK\x03\x04", "tệp nén ZIP hoặc văn bản Office (.docx, .xlsx)", "a ZIP archive or an Office file (.docx, .xlsx)"),
    (b"\xd0\xcf\x11\xe0", "văn bản Office cũ (.doc, .xls)", "an old Office file (.doc, .xls)"),
)


def sniff(head: bytes) -> FileType:
    """The type of a file from its first ``MAGIC_LENGTH`` bytes; anything but PDF, TIFF, PNG or JPEG is refused."""
    if not head:
        raise InvalidInput("Tệp rỗng, không có nội dung.", "The file is empty.", field="file")
    for signature, file_type in _SIGNATURES:
        if head.startswith(signature):
            return file_type
    what_vi, what_en = next(
        ((vi, en) for signature, vi, en in _KNOWN_REFUSED if head.startswith(signature)),
        ("loại tệp không được hỗ trợ", "a kind of file that is not supported"),
    )
    raise InvalidInput(
        f"Nội dung tệp là {what_vi}, không phải PDF, TIFF, PNG hay JPEG (loại tệp được xác định theo nội dung, "
        "không theo phần mở rộng). Hãy tải lên bản PDF hoặc ảnh quét.",
        f"The file's content is {what_en}, not PDF, TIFF, PNG or JPEG (the type is judged by the content, not the "
        "extension). Upload a PDF or a scanned image instead.",
        field="file",
    )


def check_readable(file: BinaryIO, file_type: FileType) -> None:
    """Refuse a file of ``file_type`` that does not open: a PDF must yield its pages, an image must decode.

    The parsers meet hostile or broken input here, and each library fails in its own ways (its own errors, but also
    ValueError, KeyError, RecursionError…), so any exception from them means "not readable".
    """
    file.seek(0)
    try:
        problem = _pdf_problem(file) if file_type is PDF else _image_problem(file, file_type)
    except Exception as error:  # any parser failure is a refusal, see above
        problem = (f"{type(error).__name__}: {error}",) * 2
    finally:
        file.seek(0)
    if problem:
        kind_vi, kind_en = ("PDF", "PDF") if file_type is PDF else ("ảnh", "image")
        raise InvalidInput(
            f"Tệp {kind_vi} bị hỏng hoặc không đọc được ({problem[0]}).",
            f"The {kind_en} file is damaged or unreadable ({problem[1]}).",
            field="file",
        )


def _pdf_problem(file: BinaryIO) -> tuple[str, str] | None:
    reader = PdfReader(file)
    # An owner password only restricts printing or copying; a user password would lock the archive out.
    if reader.is_encrypted and not reader.decrypt(""):
        return "tệp được đặt mật khẩu mở", "it is protected by an opening password"
    if len(reader.pages) == 0:
        return "không có trang nào", "it has no pages"
    return None


def _image_problem(file: BinaryIO, file_type: FileType) -> tuple[str, str] | None:
    # Decode every frame (a multi-page TIFF is one scanned document), one at a time to bound memory.
    with Image.open(file, formats=[file_type.pillow_format]) as image:
        for frame in ImageSequence.Iterator(image):
            frame.load()
    return None


def safe_file_name(name: str | None, file_type: FileType) -> str:
    """The name to keep for an uploaded file: no folders, no control characters, at most 255 bytes of UTF-8.

    Vietnamese letters are kept (NFC, so the same name typed on two systems compares equal). The extension is kept
    when it fits the real type and the usual one is appended when it does not, so a download opens in the right
    program whatever the uploader called the file.
    """
    text = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(char for char in text if unicodedata.category(char) not in _DROPPED_CATEGORIES)
    text = text.strip().strip(".").strip()
    stem, dot, extension = text.rpartition(".")
    if not dot or extension.lower() not in file_type.extensions:
        stem, extension = text, file_type.extensions[0]
    suffix = f".{extension}"
    budget = _MAX_NAME_BYTES - len(suffix.encode())
    stem = stem.encode()[:budget].decode(errors="ignore").rstrip(" .")
    return f"{stem or _DEFAULT_STEM}{suffix}"
