"""The annual dossier list as an Excel workbook in the layout of NĐ 30/2020 Phụ lục V, out and back in.

Units draw up, print and keep their lists in Excel, so the archive reads and writes the same sheet:

* title rows: the unit's name, then ``DANH MỤC HỒ SƠ NĂM <year>``;
* the five column headers (1) Số và ký hiệu hồ sơ, (2) Tên đề mục và tiêu đề hồ sơ, (3) Thời hạn bảo quản,
  (4) Người lập hồ sơ, (5) Ghi chú, and a row ``(1)`` … ``(5)``;
* heading rows: label in column 1 (Roman numerals for large headings, Arabic for sub-headings), title in column 2,
  column 3 empty; column 5 carries the heading's abbreviation, which PL V does not print but new numbers need
  (when it is empty on import, it is taken from the numbers of the heading's first entry);
* entry rows; then the footer totals of permanent and fixed-term dossiers, where reading stops.

An import checks every row first and reports every problem with its sheet, row and column, so a unit fixes the file
in one go; nothing is created unless the whole file is good.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any, BinaryIO
from zipfile import BadZipFile

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy.orm import Session

from . import dossier_lists
from .access import Actor, require
from .catalogue_models import DossierList, ListEntry
from .dossier_lists import ENTRY_FIELDS, HEADING_FIELDS, NUMBER, EntryDraft, HeadingDraft, HeadingNode
from .errors import ArchiveError, InvalidInput
from .models import Unit
from .suspension import ensure_writable

COLUMNS = (
    ("Số và ký hiệu hồ sơ", "number and symbol", 16),
    ("Tên đề mục và tiêu đề hồ sơ", "heading or dossier title", 60),
    ("Thời hạn bảo quản", "retention period", 14),
    ("Người lập hồ sơ", "person who forms the dossier", 24),
    ("Ghi chú", "note", 20),
)
# The entry fields in column order; the unit that forms a dossier has no column in PL V.
ENTRY_COLUMNS = ("number_symbol", "title", "retention", "responsible_person", "note")
FOOTER_STARTS = ("bản danh mục", "tổng số", "tổng cộng")
COLUMN_NUMBER = re.compile(r"^\(\d\)$")
# A heading written in one cell, as many units do: "I. TỔNG HỢP", "2) Kế hoạch".
HEADING_IN_ONE_CELL = re.compile(r"^([IVXLCDM]+|\d{1,3})[.)]\s+(\S.*)$")
HEADER_SEARCH_ROWS = 30
THIN = Side(style="thin")
BOXED = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


@dataclass(frozen=True)
class CellProblem:
    """One thing wrong in the workbook, where it is."""

    sheet: str
    row: int
    column: int
    message_vi: str
    message_en: str

    def text(self, language: str = "vi") -> str:
        letter = get_column_letter(self.column)
        vi, en, _ = COLUMNS[self.column - 1]
        if language == "en":
            return f"Sheet '{self.sheet}', row {self.row}, column {letter} ({en}): {self.message_en}"
        return f"Trang '{self.sheet}', dòng {self.row}, cột {letter} ({vi}): {self.message_vi}"

    def as_dict(self, language: str = "vi") -> dict[str, Any]:
        return {"sheet": self.sheet, "row": self.row, "column": get_column_letter(self.column),
                "message": self.message_en if language == "en" else self.message_vi}


class WorkbookInvalid(InvalidInput):
    """The workbook has problems; each is listed with its sheet, row and column, and nothing was imported."""

    def __init__(self, problems: list[CellProblem]) -> None:
        super().__init__(
            f"Tệp có {len(problems)} lỗi, chưa nhập gì:\n" + "\n".join(p.text("vi") for p in problems),
            f"The file has {len(problems)} problem(s); nothing was imported:\n"
            + "\n".join(p.text("en") for p in problems),
            field="file",
        )
        self.problems = problems

    def as_dict(self, language: str = "vi") -> dict[str, Any]:
        return {**super().as_dict(language), "errors": [p.as_dict(language) for p in self.problems]}


def export_list(session: Session, actor: Actor, list_id: int) -> bytes:
    """The list as an .xlsx file in the PL V layout."""
    dossier_list = dossier_lists.get_list(session, actor, list_id)
    unit = session.get(Unit, dossier_list.unit_id)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = f"DMHS {dossier_list.year}"
    _title(sheet, 1, (unit.name if unit else "").upper())
    _title(sheet, 2, f"DANH MỤC HỒ SƠ NĂM {dossier_list.year}")
    for index, (*_, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    _row(sheet, 4, [vi for vi, _, _ in COLUMNS], bold=True, centred=True)
    _row(sheet, 5, [f"({index})" for index in range(1, len(COLUMNS) + 1)], centred=True)
    row = 6
    for node in dossier_lists.outline(dossier_list):
        row = _write_node(sheet, row, node)
    _footer(sheet, row + 1, dossier_list)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def import_list(session: Session, actor: Actor, unit_id: int, year: Any, source: bytes | BinaryIO) -> DossierList:
    """Create the unit's list for ``year`` from a PL V workbook: all of it, or nothing and every problem named."""
    require(actor, "dossier_list.draw", unit_id)
    ensure_writable(session)
    return dossier_lists.create_list(session, actor, unit_id, year, read_workbook(source))


def read_workbook(source: bytes | BinaryIO) -> list[HeadingDraft]:
    """The headings and entries of a PL V workbook, checked row by row (no database needed: a console preview)."""
    try:
        workbook = load_workbook(BytesIO(source) if isinstance(source, bytes) else source, data_only=True)
    except (InvalidFileException, BadZipFile, KeyError, ValueError, OSError) as error:
        raise InvalidInput("Tệp không phải bảng tính Excel (.xlsx) đọc được.",
                           "The file is not a readable Excel workbook (.xlsx).", field="file") from error
    for sheet in workbook.worksheets:
        header = _header_row(sheet)
        if header is not None:
            return _Reader(sheet.title).read(sheet, header)
    raise InvalidInput(
        "Không tìm thấy dòng tiêu đề cột 'Số và ký hiệu hồ sơ' / 'Tên đề mục và tiêu đề hồ sơ' (Phụ lục V).",
        "No column header row 'Số và ký hiệu hồ sơ' / 'Tên đề mục và tiêu đề hồ sơ' (NĐ 30/2020 PL V) was found.",
        field="file")


@dataclass
class _Heading:
    """A heading as read, with the rows of its entries, before the abbreviation is settled."""

    row: int
    label: str
    title: str | None
    abbreviation: str | None
    entries: list[tuple[int, EntryDraft]] = field(default_factory=list)
    children: list[_Heading] = field(default_factory=list)


class _Reader:
    """Reads one sheet row by row, collecting every problem instead of stopping at the first."""

    def __init__(self, sheet_name: str) -> None:
        self.sheet = sheet_name
        self.problems: list[CellProblem] = []
        self.headings: list[_Heading] = []
        self.numbers: dict[str, int] = {}

    def read(self, sheet: Worksheet, header: int) -> list[HeadingDraft]:
        rows = sheet.iter_rows(min_row=header + 1, max_col=len(COLUMNS), values_only=True)
        for row_number, cells in enumerate(rows, start=header + 1):
            values = [_cell_text(value) for value in cells] + [None] * (len(COLUMNS) - len(cells))
            if all(value is None for value in values) or all(
                    value is None or COLUMN_NUMBER.match(value) for value in values):
                continue
            if _is_footer(values):
                break
            heading = _heading_cells(values)
            if heading is not None:
                self._heading(row_number, *heading, values[4])
            else:
                self._entry(row_number, values)
        drafts = [self._settled(heading, None) for heading in self.headings]
        if self.problems:
            raise WorkbookInvalid(self.problems)
        return drafts

    def problem(self, row: int, column: int, error: ArchiveError | tuple[str, str]) -> None:
        vi, en = (error.message_vi, error.message_en) if isinstance(error, ArchiveError) else error
        self.problems.append(CellProblem(self.sheet, row, column, vi, en))

    def _heading(self, row: int, label: str, large: bool, title: str | None, abbreviation: str | None) -> None:
        heading = _Heading(row, label, self._checked(row, 2, HEADING_FIELDS["title"], title),
                           self._checked(row, 5, HEADING_FIELDS["abbreviation"], abbreviation))
        if large:
            siblings = self.headings
        elif self.headings:
            siblings = self.headings[-1].children
        else:
            self.problem(row, 1, (f"Đề mục nhỏ {label} phải nằm dưới một đề mục lớn (I, II, …).",
                                  f"Sub-heading {label} must come under a large heading (I, II, …)."))
            return
        if any(sibling.label == label for sibling in siblings):
            self.problem(row, 1, (f"Số thứ tự đề mục {label} bị trùng ở cùng cấp.",
                                  f"Heading number {label} appears twice at the same level."))
        siblings.append(heading)

    def _entry(self, row: int, values: list[str | None]) -> None:
        clean = {key: self._checked(row, column, ENTRY_FIELDS[key], values[column - 1])
                 for column, key in enumerate(ENTRY_COLUMNS, start=1)}
        number = clean["number_symbol"]
        if number is not None:
            if number in self.numbers:
                self.problem(row, 1, (f"Số và ký hiệu hồ sơ {number} trùng với dòng {self.numbers[number]}.",
                                      f"Number and symbol {number} is already used on row {self.numbers[number]}."))
            self.numbers.setdefault(number, row)
        if not self.headings:
            self.problem(row, 2, ("Hồ sơ phải nằm dưới một đề mục (I, II, …).",
                                  "A dossier must come under a heading (I, II, …)."))
            return
        if clean["title"] is None or clean["retention"] is None:
            return  # already reported; the row is left out of the outline
        owner = self.headings[-1].children[-1] if self.headings[-1].children else self.headings[-1]
        owner.entries.append((row, EntryDraft(**clean)))

    def _checked(self, row: int, column: int, clean: Callable[[Any], Any], value: Any) -> Any:
        try:
            return clean(value)
        except ArchiveError as error:
            self.problem(row, column, error)
            return None

    def _settled(self, heading: _Heading, parent: _Heading | None) -> HeadingDraft:
        """Fill an abbreviation left empty from the heading's first number; check every number can be made."""
        if heading.abbreviation is None:
            derived = _first_symbol(heading)
            inherited = parent.abbreviation if parent else None
            heading.abbreviation = derived if derived != inherited else None
        symbol = heading.abbreviation or (parent.abbreviation if parent else None)
        for row, entry in heading.entries:
            if entry.number_symbol is None and symbol is None:
                self.problem(row, 1, ("Thiếu số và ký hiệu hồ sơ, mà đề mục chưa có ký hiệu (cột E) để sinh số.",
                                      "The number is missing and the heading has no abbreviation (column E) to "
                                      "make one."))
        children = tuple(self._settled(child, heading) for child in heading.children)
        return HeadingDraft(title=heading.title or "", abbreviation=heading.abbreviation, label=heading.label,
                            entries=tuple(entry for _, entry in heading.entries), children=children)


def _first_symbol(heading: _Heading) -> str | None:
    for _, entry in heading.entries:
        match = NUMBER.match(entry.number_symbol or "")
        if match:
            return match.group(2)
    return next((symbol for child in heading.children if (symbol := _first_symbol(child))), None)


def _heading_cells(values: list[str | None]) -> tuple[str, bool, str | None] | None:
    """(label, is large, title) when the row is a heading: a label in column 1 and nothing in column 3."""
    first, title, retention = values[0], values[1], values[2]
    if first is None or retention is not None:
        return None
    if title is None and (match := HEADING_IN_ONE_CELL.match(first)):
        first, title = match.group(1), match.group(2)
    label = first.rstrip(".)").strip().upper()
    if dossier_lists.ROMAN.match(label):
        return label, True, title
    if dossier_lists.ARABIC.match(label):
        return label, False, title
    return None


def _header_row(sheet: Worksheet) -> int | None:
    rows = sheet.iter_rows(max_row=HEADER_SEARCH_ROWS, max_col=2, values_only=True)
    for number, cells in enumerate(rows, start=1):
        first, second = (_cell_text(value) or "" for value in (*cells, None, None)[:2])
        if "ký hiệu" in first.lower() and "tiêu đề" in second.lower():
            return number
    return None


def _is_footer(values: list[str | None]) -> bool:
    first, title, retention = values[0], values[1], values[2]
    text = first if first is not None else (title if retention is None else None)
    return text is not None and text.lower().startswith(FOOTER_STARTS)


def _cell_text(value: Any) -> str | None:
    """A cell as trimmed NFC text (Vietnamese typed on some systems arrives decomposed); whole floats as integers."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFC", str(value)).strip()
    return text or None


def _title(sheet: Worksheet, row: int, text: str) -> None:
    sheet.cell(row=row, column=1, value=text).font = Font(bold=True, size=13)
    sheet.cell(row=row, column=1).alignment = Alignment(horizontal="center")
    sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(COLUMNS))


def _row(sheet: Worksheet, row: int, values: list[Any], *, bold: bool = False, centred: bool = False) -> None:
    for column, value in enumerate(values, start=1):
        cell = sheet.cell(row=row, column=column, value=value)
        cell.font = Font(bold=bold)
        cell.border = BOXED
        cell.alignment = Alignment(wrap_text=True, vertical="top", horizontal="center" if centred else None)


def _write_node(sheet: Worksheet, row: int, node: HeadingNode) -> int:
    heading = node.heading
    _row(sheet, row, [heading.label, heading.title, None, None, heading.abbreviation], bold=True)
    row += 1
    for entry in node.entries:
        _row(sheet, row, _entry_values(entry))
        row += 1
    for child in node.children:
        row = _write_node(sheet, row, child)
    return row


def _entry_values(entry: ListEntry) -> list[Any]:
    return [entry.number_symbol, entry.title, dossier_lists.entry_retention(entry).text_vi(),
            entry.responsible_person, entry.note]


def _footer(sheet: Worksheet, row: int, dossier_list: DossierList) -> None:
    permanent, fixed_term = dossier_lists.retention_totals(dossier_list)
    lines = (f"Bản Danh mục hồ sơ này có {permanent + fixed_term} hồ sơ, bao gồm:",
             f"- {permanent} hồ sơ bảo quản vĩnh viễn;",
             f"- {fixed_term} hồ sơ bảo quản có thời hạn.")
    for offset, text in enumerate(lines):
        sheet.cell(row=row + offset, column=1, value=text)
        sheet.merge_cells(start_row=row + offset, start_column=1, end_row=row + offset, end_column=len(COLUMNS))
