"""The six-monthly usage report (regulation Đ13.6, Đ18.3) as the files sent upwards: .xlsx and .pdf.

Both carry the same table — one row per unit and the total — in Vietnamese with the English heading under it. The
PDF embeds DejaVu Sans (Debian's fonts-dejavu-core), the font the rest of the platform's PDFs use for Vietnamese,
so every diacritic renders and ``pdftotext`` gets the words back.
"""

from __future__ import annotations

import io
from pathlib import Path

from fpdf import FPDF
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from .reports import Indicators, UsageReport

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
FONT_BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
COLUMNS = (
    ("Mã đơn vị", "Unit code", 26), ("Đơn vị", "Unit", 62), ("Hồ sơ lập", "Formed", 17), ("Đã nộp", "Submitted", 17),
    ("Đã lưu trữ", "Archived", 17), ("Văn bản", "Documents", 17), ("Ký số cá nhân", "Personal sig.", 19),
    ("Ký số tổ chức", "Organisation sig.", 19), ("Hồ sơ TTHC", "Procedure", 17), ("Số hóa", "Digitised", 17),
    ("Bóc tách", "Extracted", 17), ("Duyệt TB (giờ)", "Approval (h)", 19),
)
TITLE_VI = "BÁO CÁO TÌNH HÌNH SỬ DỤNG HỆ THỐNG LƯU TRỮ ĐIỆN TỬ DÙNG CHUNG"
TITLE_EN = "Usage report of the shared electronic archive"


def cells(row: Indicators) -> list[object]:
    """One unit's (or the total's) values in column order; shares as "n (p %)"."""
    shares = row.shares

    def counted(part: int, share: float | None) -> str:
        return f"{part} ({share * 100:.1f} %)" if share is not None else str(part)

    return [row.unit_code, row.unit_name, row.created, row.submitted, counted(row.archived, shares["archived"]),
            row.documents, counted(row.personally_signed, shares["personal_signature"]),
            counted(row.organisation_signed, shares["organisation_signature"]), row.procedure_dossiers,
            counted(row.digitised, shares["digitised"]), counted(row.extracted, shares["extracted"]),
            "" if row.approval_hours is None else row.approval_hours]


def to_xlsx(report: UsageReport) -> bytes:
    """The report as a workbook: title, period, headings in both languages, a row per unit, the total in bold."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Bao cao 6 thang"
    sheet.append([TITLE_VI])
    sheet.append([f"{TITLE_EN} — {report.period.label_vi} / {report.period.label_en}"])
    sheet.append([f"Lập lúc / generated {report.generated_at:%d/%m/%Y %H:%M} (UTC+7)"])
    sheet.append([])
    sheet.append([vi for vi, _, _ in COLUMNS])
    sheet.append([en for _, en, _ in COLUMNS])
    for row in report.rows:
        sheet.append(cells(row))
    sheet.append(cells(report.total))
    bold = Font(bold=True)
    for cell in (*sheet[1], *sheet[5], *sheet[sheet.max_row]):
        cell.font = bold
    for index, (_, _, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width * 0.9
        for cell in sheet[get_column_letter(index)][4:6]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def to_pdf(report: UsageReport) -> bytes:
    """The report as an A4 landscape PDF with the same table."""
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_auto_page_break(True, margin=12)
    pdf.add_font("DejaVu", "", str(FONT))
    pdf.add_font("DejaVu", "B", str(FONT_BOLD))
    pdf.set_title(f"{TITLE_VI} — {report.period.label_vi}")
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 12)
    pdf.cell(0, 7, TITLE_VI, new_x="LMARGIN", new_y="NEXT", align="C")
    pdf.set_font("DejaVu", "", 9)
    pdf.cell(0, 5, f"{TITLE_EN} — {report.period.label_vi} / {report.period.label_en}", new_x="LMARGIN",
             new_y="NEXT", align="C")
    pdf.cell(0, 5, f"Lập lúc / generated {report.generated_at:%d/%m/%Y %H:%M} (UTC+7)", new_x="LMARGIN",
             new_y="NEXT", align="C")
    pdf.ln(3)
    with pdf.table(col_widths=[width for _, _, width in COLUMNS], text_align="LEFT", line_height=4.2,
                   first_row_as_headings=True) as table:
        pdf.set_font("DejaVu", "", 7)
        table.row([f"{vi}\n{en}" for vi, en, _ in COLUMNS])
        for row in [*report.rows, report.total]:
            table.row([str(value) for value in cells(row)])
    return bytes(pdf.output())
