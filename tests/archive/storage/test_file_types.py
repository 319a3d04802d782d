"""Sniffing, readability and safe names: the type comes from the content, the name never leads anywhere."""

from __future__ import annotations

import io
import unicodedata

import pytest
from PIL import Image
from pypdf import PdfWriter

from kholuutru.archive import file_types
from kholuutru.archive.errors import InvalidInput
from kholuutru.archive.file_types import JPEG, PDF, PNG, TIFF, safe_file_name


@pytest.mark.parametrize(("head", "expected"), [
    (b"%PDF-1.7\n%\xe2", PDF), (b"II*\x00\x08\x00\x00\x00", TIFF), (b"MM\x00*\x00\x00\x00\x08", TIFF),
    (b"\x89PNG\r\n\x1a\n", PNG), (b"\xff\xd8\xff\xe0\x00\x10JF", JPEG),
])
def test_sniff_knows_the_archive_formats(head, expected):
    assert file_types.sniff(head) is expected


@pytest.mark.parametrize("head", [b"MZ\x90\x00", b"\x7fELF\x02\x01", b"GIF89a", b"<html>", b" %PDF-1.4"])
def test_sniff_refuses_everything_else_in_both_languages(head):
    with pytest.raises(InvalidInput) as refused:
        file_types.sniff(head)
    assert refused.value.field == "file"
    assert "PDF" in refused.value.message("vi") and "not PDF" in refused.value.message("en")


def pdf(*, pages: int = 1, user_password: str | None = None, owner_password: str | None = None) -> io.BytesIO:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if user_password is not None or owner_password is not None:
        writer.encrypt(user_password=user_password or "", owner_password=owner_password, algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out


def test_a_pdf_must_have_pages_and_open_without_a_password():
    file_types.check_readable(pdf(pages=2), PDF)
    file_types.check_readable(pdf(owner_password="chi-han-che-in"), PDF)  # restrictions only: readable
    for unreadable, words in ((pdf(user_password="bi-mat"), "password"), (pdf(pages=0), "no pages")):
        with pytest.raises(InvalidInput) as refused:
            file_types.check_readable(unreadable, PDF)
        assert words in refused.value.message("en") and refused.value.field == "file"


def test_every_page_of_a_multi_page_tiff_must_decode():
    out = io.BytesIO()
    pages = [Image.new("L", (32, 32), shade) for shade in (0, 128, 255)]
    pages[0].save(out, "TIFF", save_all=True, append_images=pages[1:])
    file_types.check_readable(out, TIFF)
    damaged = io.BytesIO(out.getvalue()[:200])
    with pytest.raises(InvalidInput):
        file_types.check_readable(damaged, TIFF)


@pytest.mark.parametrize(("name", "file_type", "expected"), [
    ("../../etc/passwd", PDF, "passwd.pdf"),
    ("C:\\Users\\canbo\\Desktop\\Công văn số 12.PDF", PDF, "Công văn số 12.PDF"),
    ("bao\x00cao\r\n.pdf", PDF, "baocao.pdf"),
    ("hoa-don\u202efdp.exe", PDF, "hoa-donfdp.exe.pdf"),
    ("..", PDF, "tai-lieu.pdf"),
    ("", JPEG, "tai-lieu.jpg"),
    (None, TIFF, "tai-lieu.tif"),
    (".bashrc", PNG, "bashrc.png"),
    ("  ảnh quét.jpeg  ", JPEG, "ảnh quét.jpeg"),
    ("ban-quet.tiff", TIFF, "ban-quet.tiff"),
])
def test_safe_file_names(name, file_type, expected):
    assert safe_file_name(name, file_type) == expected


def test_names_are_nfc_and_at_most_255_bytes_keeping_the_extension():
    decomposed = unicodedata.normalize("NFD", "Quyết định")
    assert safe_file_name(f"{decomposed}.pdf", PDF) == "Quyết định.pdf"
    long_name = "Tờ trình về việc phê duyệt " * 20 + ".pdf"
    safe = safe_file_name(long_name, PDF)
    assert len(safe.encode()) <= 255 and safe.endswith(".pdf") and safe.startswith("Tờ trình")
    assert unicodedata.is_normalized("NFC", safe)
