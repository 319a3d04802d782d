"""The annual dossier list (danh mục hồ sơ, NĐ 30/2020 Điều 28 and Phụ lục V) of a unit.

The list is drawn up by the unit administrator and approved by the unit head at the start of each year; every
dossier of that year is then formed under one of its entries and carries the entry's number and symbol inside its
code. That is why numbers are generated once (sequence from 01 + the heading's abbreviation, across the whole list)
and never renumbered, and why an approved list is read-only: a later change would break codes already issued.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from . import audit, validation
from .access import Actor, require
from .catalogue_models import DossierList, ListEntry, ListHeading
from .errors import Conflict, InvalidInput, NotFound
from .models import Unit
from .suspension import ensure_writable
from .validation import Label

STATUS_NAMES = {"draft": ("Dự thảo", "Draft"), "approved": ("Đã duyệt", "Approved")}
PERMANENT_VI = "Vĩnh viễn"

YEAR = Label("year", "Năm", "Year")
LABEL = Label("label", "Số thứ tự đề mục", "Heading number")
HEADING_TITLE = Label("title", "Tên đề mục", "Heading title")
ABBREVIATION = Label("abbreviation", "Ký hiệu đề mục", "Heading abbreviation")
NUMBER_SYMBOL = Label("number_symbol", "Số và ký hiệu hồ sơ", "Dossier number and symbol")
ENTRY_TITLE = Label("title", "Tiêu đề hồ sơ", "Dossier title")
RETENTION = Label("retention", "Thời hạn bảo quản", "Retention period")
PERSON = Label("responsible_person", "Người lập hồ sơ", "Person who forms the dossier")
RESPONSIBLE_UNIT = Label("responsible_unit", "Đơn vị lập hồ sơ", "Unit that forms the dossier")
NOTE = Label("note", "Ghi chú", "Note")
HEADING = Label("heading_id", "Đề mục", "Heading")
PARENT = Label("parent_id", "Đề mục lớn", "Large heading")

ROMAN = re.compile(r"^(?=[MDCLXVI])M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})$")
ARABIC = re.compile(r"^[1-9]\d{0,2}$")
# Part of dossier codes (``<unit>.<year>.<number and symbol>``): plain capitals, digits and hyphens, no dots.
SYMBOL = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,9}$")
NUMBER = re.compile(r"^(\d{1,9})\.([A-Z0-9][A-Z0-9-]{0,9})$")
YEARS = re.compile(r"^(\d{1,3})\s*(năm|nam|years?)?$")
PERMANENT_WORDS = ("vĩnh viễn", "vinh vien", "permanent")
_ROMAN_DIGITS = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
                 (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))


@dataclass(frozen=True)
class Retention:
    """How long a dossier is kept: permanently (*Vĩnh viễn*) or a number of years (1 to 100)."""

    permanent: bool
    years: int | None = None

    def text_vi(self) -> str:
        """As PL V writes it: ``Vĩnh viễn`` or ``10 năm``."""
        return PERMANENT_VI if self.permanent else f"{self.years} năm"


@dataclass(frozen=True)
class EntryDraft:
    """A dossier entry before it is written; ``number_symbol`` None means "generate it"."""

    title: str
    retention: Retention
    number_symbol: str | None = None
    responsible_person: str | None = None
    responsible_unit: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class HeadingDraft:
    """A heading before it is written, with its entries and (large headings only) its sub-headings."""

    title: str
    abbreviation: str | None = None
    label: str | None = None
    entries: tuple[EntryDraft, ...] = ()
    children: tuple[HeadingDraft, ...] = ()


@dataclass
class HeadingNode:
    """A written heading with its entries and sub-headings, in the order of the printed list."""

    heading: ListHeading
    entries: list[ListEntry] = field(default_factory=list)
    children: list[HeadingNode] = field(default_factory=list)


def roman(number: int) -> str:
    """``number`` in Roman numerals, the labels of large headings."""
    digits = []
    for value, letters in _ROMAN_DIGITS:
        count, number = divmod(number, value)
        digits.append(letters * count)
    return "".join(digits)


def clean_retention(value: Any) -> Retention:
    """``Vĩnh viễn``/``permanent``, a number of years (``10``, ``"10 năm"``) or a ``Retention``, checked."""
    if isinstance(value, Retention):
        value = PERMANENT_VI if value.permanent else value.years
    if value is None or (isinstance(value, str) and not value.strip()):
        raise InvalidInput(f"Trường '{RETENTION.vi}' là bắt buộc.", f"'{RETENTION.en}' is required.",
                           field=RETENTION.key)
    words = " ".join(str(value).split()).lower() if isinstance(value, str | int) and value is not True else ""
    if words in PERMANENT_WORDS:
        return Retention(permanent=True)
    match = YEARS.match(words)
    if match and 1 <= int(match.group(1)) <= 100:
        return Retention(permanent=False, years=int(match.group(1)))
    raise InvalidInput(
        f"Trường '{RETENTION.vi}' phải là 'Vĩnh viễn' hoặc số năm từ 1 đến 100 (vd. '10 năm'), không phải '{value}'.",
        f"'{RETENTION.en}' must be 'Vĩnh viễn' (permanent) or 1 to 100 years (e.g. '10 năm'), not '{value}'.",
        field=RETENTION.key,
    )


def clean_label(value: Any, *, large: bool) -> str | None:
    """A heading label: Roman numerals for a large heading, Arabic for a sub-heading; a trailing dot is dropped."""
    text = validation.text(LABEL, None if value is None else str(value), max_length=10)
    if text is None:
        return None
    text = text.rstrip(".").strip().upper()
    if not (ROMAN if large else ARABIC).match(text):
        kind_vi, kind_en = ("số La Mã (I, II, III…)", "Roman numerals (I, II, III…)") if large else (
            "số Ả Rập (1, 2, 3…)", "Arabic numerals (1, 2, 3…)")
        raise InvalidInput(f"Trường '{LABEL.vi}' phải đánh bằng {kind_vi}, không phải '{value}'.",
                           f"'{LABEL.en}' must be written in {kind_en}, not '{value}'.", field=LABEL.key)
    return text


def clean_abbreviation(value: Any) -> str | None:
    """A heading abbreviation such as ``TH`` or ``TCCB`` (capitals, digits, hyphens; at most 10)."""
    text = validation.text(ABBREVIATION, value, max_length=10)
    if text is not None and not SYMBOL.match(text.upper()):
        raise InvalidInput(
            f"Trường '{ABBREVIATION.vi}' chỉ gồm chữ in hoa không dấu, chữ số và dấu gạch ngang (vd. TCCB).",
            f"'{ABBREVIATION.en}' may hold only capitals A-Z, digits and hyphens (e.g. TCCB).",
            field=ABBREVIATION.key,
        )
    return None if text is None else text.upper()


def clean_number_symbol(value: Any) -> str | None:
    """A number and symbol as issued, such as ``01.TH``; None leaves it to be generated."""
    text = validation.text(NUMBER_SYMBOL, value, max_length=20)
    if text is not None and not NUMBER.match(text.upper()):
        raise InvalidInput(
            f"Trường '{NUMBER_SYMBOL.vi}' phải là số thứ tự, dấu chấm và ký hiệu đề mục (vd. 01.TH), "
            f"không phải '{text}'.",
            f"'{NUMBER_SYMBOL.en}' must be a sequence number, a dot and the heading abbreviation (e.g. 01.TH), "
            f"not '{text}'.",
            field=NUMBER_SYMBOL.key,
        )
    return None if text is None else text.upper()


HEADING_FIELDS: dict[str, Callable[[Any], Any]] = {
    "title": lambda value: validation.text(HEADING_TITLE, value, max_length=500, required=True),
    "abbreviation": clean_abbreviation,
}
# One cleaner per field, so that a form or a spreadsheet row can report every bad field, not only the first.
ENTRY_FIELDS: dict[str, Callable[[Any], Any]] = {
    "number_symbol": clean_number_symbol,
    "title": lambda value: validation.text(ENTRY_TITLE, value, max_length=1000, required=True),
    "retention": clean_retention,
    "responsible_person": lambda value: validation.text(PERSON, value, max_length=100),
    "responsible_unit": lambda value: validation.text(RESPONSIBLE_UNIT, value, max_length=200),
    "note": lambda value: validation.text(NOTE, value, max_length=500),
}


def create_list(session: Session, actor: Actor, unit_id: int, year: Any,
                headings: Sequence[HeadingDraft] = ()) -> DossierList:
    """Draw up the unit's list for ``year`` (one per unit and year), optionally with its whole content at once.

    Whole content is how a spreadsheet is imported: one change, one audit event, nothing written if any part is bad.
    """
    require(actor, "dossier_list.draw", unit_id)
    ensure_writable(session)
    clean_year = validation.integer(YEAR, year, minimum=1900, maximum=9999, required=True)
    content = _resolved(headings)
    if session.get(Unit, unit_id) is None:
        raise NotFound(f"Không có đơn vị số {unit_id}.", f"There is no unit {unit_id}.", field="unit_id")
    if session.scalar(select(DossierList.id).where(DossierList.unit_id == unit_id, DossierList.year == clean_year)):
        raise Conflict(f"Đơn vị đã có danh mục hồ sơ năm {clean_year}.",
                       f"The unit already has a dossier list for {clean_year}.", field=YEAR.key)
    dossier_list = DossierList(unit_id=unit_id, year=clean_year, status="draft")
    session.add(dossier_list)
    session.flush()
    _write(session, dossier_list, content)
    audit.record(session, actor, "dossier_list.create", object_type="dossier_list", object_id=dossier_list.id,
                 unit_id=unit_id, after=list_state(dossier_list),
                 details={"year": clean_year, "headings": len(dossier_list.headings),
                          "entries": len(dossier_list.entries)})
    return dossier_list


def add_heading(session: Session, actor: Actor, list_id: int, *, title: Any, abbreviation: Any = None,
                parent_id: int | None = None, label: Any = None) -> ListHeading:
    """Add a large heading (``parent_id`` None, labelled I, II, …) or a sub-heading (1, 2, …) to a draft list."""
    dossier_list = _draft_for_update(session, actor, list_id)
    clean_title, clean_symbol = HEADING_FIELDS["title"](title), HEADING_FIELDS["abbreviation"](abbreviation)
    parent_key = validation.integer(PARENT, parent_id, minimum=1)
    if parent_key is not None:
        parent = next((h for h in dossier_list.headings if h.id == parent_key), None)
        if parent is None or parent.parent_id is not None:
            raise InvalidInput("Đề mục nhỏ phải thuộc một đề mục lớn của danh mục này.",
                               "A sub-heading must sit under a large heading of this list.", field=PARENT.key)
    taken = [h.label for h in dossier_list.headings if h.parent_id == parent_key]
    new_label = _label(label, large=parent_key is None, taken=taken)
    heading = ListHeading(dossier_list=dossier_list, unit_id=dossier_list.unit_id, parent_id=parent_key,
                          label=new_label, abbreviation=clean_symbol, title=clean_title,
                          position=_next_position(session, ListHeading, dossier_list.id))
    session.add(heading)
    session.flush()
    audit.record(session, actor, "list_heading.create", object_type="list_heading", object_id=heading.id,
                 unit_id=dossier_list.unit_id, after=heading_state(heading))
    return heading


def add_entry(session: Session, actor: Actor, list_id: int, *, heading_id: Any, title: Any, retention: Any,
              responsible_person: Any = None, responsible_unit: Any = None, note: Any = None) -> ListEntry:
    """Add a planned dossier under a heading of a draft list; its number and symbol are generated here."""
    dossier_list = _draft_for_update(session, actor, list_id)
    raw = {"title": title, "retention": retention, "responsible_person": responsible_person,
           "responsible_unit": responsible_unit, "note": note}
    values = {key: ENTRY_FIELDS[key](value) for key, value in raw.items()}
    heading_key = validation.integer(HEADING, heading_id, minimum=1, required=True)
    headings = {h.id: h for h in dossier_list.headings}
    if heading_key not in headings:
        raise InvalidInput("Đề mục không thuộc danh mục này.", "The heading is not part of this list.",
                           field=HEADING.key)
    heading = headings[heading_key]
    parent = headings[heading.parent_id].abbreviation if heading.parent_id is not None else None
    symbol = _symbol(heading.label, heading.abbreviation, parent)
    used = set(session.scalars(select(ListEntry.number_symbol).where(ListEntry.list_id == dossier_list.id)))
    retention_value: Retention = values.pop("retention")
    entry = ListEntry(dossier_list=dossier_list, unit_id=dossier_list.unit_id, heading_id=heading_key,
                      number_symbol=_next_number(used, symbol), retention_permanent=retention_value.permanent,
                      retention_years=retention_value.years,
                      position=_next_position(session, ListEntry, dossier_list.id), **values)
    session.add(entry)
    session.flush()
    audit.record(session, actor, "list_entry.create", object_type="list_entry", object_id=entry.id,
                 unit_id=dossier_list.unit_id, after=entry_state(entry))
    return entry


def approve_list(session: Session, actor: Actor, list_id: int) -> DossierList:
    """The unit head approves the draft list; from then on it is read-only and dossiers may be formed under it."""
    dossier_list = _for_update(session, list_id)
    require(actor, "dossier_list.approve", dossier_list.unit_id)
    ensure_writable(session)
    _ensure_draft(dossier_list)
    if not dossier_list.entries:
        raise Conflict("Danh mục chưa có hồ sơ nào, chưa duyệt được.", "The list has no entries to approve yet.",
                       field="entries")
    before = list_state(dossier_list)
    dossier_list.status = "approved"
    dossier_list.approved_at = dt.datetime.now(dt.UTC)
    dossier_list.approved_by_id = actor.user_id
    session.flush()
    audit.record(session, actor, "dossier_list.approve", object_type="dossier_list", object_id=dossier_list.id,
                 unit_id=dossier_list.unit_id, before=before, after=list_state(dossier_list))
    return dossier_list


def get_list(session: Session, actor: Actor, list_id: int) -> DossierList:
    """One list with its headings and entries, if the actor may see its unit."""
    dossier_list = session.scalar(_loaded().where(DossierList.id == list_id))
    if dossier_list is None or not actor.sees_unit(dossier_list.unit_id):
        raise NotFound(f"Không có danh mục hồ sơ số {list_id}.", f"There is no dossier list {list_id}.",
                       field="list_id")
    return dossier_list


def find_list(session: Session, actor: Actor, unit_id: int, year: int) -> DossierList:
    """The unit's list for ``year``, with headings and entries."""
    dossier_list = session.scalar(_loaded().where(DossierList.unit_id == unit_id, DossierList.year == year))
    if dossier_list is None or not actor.sees_unit(unit_id):
        raise NotFound(f"Đơn vị chưa có danh mục hồ sơ năm {year}.", f"The unit has no dossier list for {year}.",
                       field=YEAR.key)
    return dossier_list


def unit_lists(session: Session, actor: Actor, unit_id: int) -> list[DossierList]:
    """The unit's lists, latest year first."""
    if not actor.sees_unit(unit_id):
        return []
    return list(session.scalars(select(DossierList).where(DossierList.unit_id == unit_id)
                                .order_by(DossierList.year.desc())))


def entries_for_new_dossier(session: Session, actor: Actor, unit_id: int, year: int) -> list[ListEntry]:
    """The entries a dossier of ``year`` may be formed under: those of the unit's approved list, in list order."""
    dossier_list = find_list(session, actor, unit_id, year)
    if dossier_list.status != "approved":
        raise Conflict(f"Danh mục hồ sơ năm {year} chưa được duyệt.", f"The dossier list for {year} is not "
                       "approved yet.", field=YEAR.key)
    return [entry for node in outline(dossier_list) for entry in _walk_entries(node)]


def outline(dossier_list: DossierList) -> list[HeadingNode]:
    """The list as printed: large headings, each with its own entries and then its sub-headings with theirs."""
    nodes = {h.id: HeadingNode(h) for h in dossier_list.headings}
    roots: list[HeadingNode] = []
    for heading in dossier_list.headings:
        parent = nodes.get(heading.parent_id) if heading.parent_id is not None else None
        (parent.children if parent else roots).append(nodes[heading.id])
    for entry in dossier_list.entries:
        nodes[entry.heading_id].entries.append(entry)
    return roots


def retention_totals(dossier_list: DossierList) -> tuple[int, int]:
    """(permanent, fixed-term) entry counts: the footer of the printed list."""
    permanent = sum(1 for entry in dossier_list.entries if entry.retention_permanent)
    return permanent, len(dossier_list.entries) - permanent


def entry_retention(entry: ListEntry) -> Retention:
    return Retention(entry.retention_permanent, entry.retention_years)


def list_state(dossier_list: DossierList) -> dict[str, Any]:
    return {"id": dossier_list.id, "unit_id": dossier_list.unit_id, "year": dossier_list.year,
            "status": dossier_list.status, "approved_at": dossier_list.approved_at,
            "approved_by_id": dossier_list.approved_by_id,
            "headings": [heading_state(h) for h in dossier_list.headings],
            "entries": [entry_state(e) for e in dossier_list.entries]}


def heading_state(heading: ListHeading) -> dict[str, Any]:
    return {"id": heading.id, "parent_id": heading.parent_id, "label": heading.label,
            "abbreviation": heading.abbreviation, "title": heading.title, "position": heading.position}


def entry_state(entry: ListEntry) -> dict[str, Any]:
    return {"id": entry.id, "heading_id": entry.heading_id, "number_symbol": entry.number_symbol,
            "title": entry.title, "retention_permanent": entry.retention_permanent,
            "retention_years": entry.retention_years, "responsible_person": entry.responsible_person,
            "responsible_unit": entry.responsible_unit, "note": entry.note, "position": entry.position}



def _loaded() -> Any:
    return select(DossierList).options(selectinload(DossierList.headings), selectinload(DossierList.entries))


def _for_update(session: Session, list_id: int) -> DossierList:
    """The list locked for this transaction, so that numbering and approval never interleave."""
    dossier_list = session.scalar(select(DossierList).where(DossierList.id == list_id).with_for_update())
    if dossier_list is None:
        raise NotFound(f"Không có danh mục hồ sơ số {list_id}.", f"There is no dossier list {list_id}.",
                       field="list_id")
    return dossier_list


def _draft_for_update(session: Session, actor: Actor, list_id: int) -> DossierList:
    dossier_list = _for_update(session, list_id)
    require(actor, "dossier_list.draw", dossier_list.unit_id)
    ensure_writable(session)
    _ensure_draft(dossier_list)
    return dossier_list


def _ensure_draft(dossier_list: DossierList) -> None:
    if dossier_list.status != "draft":
        vi, en = STATUS_NAMES[dossier_list.status]
        raise Conflict(f"Danh mục hồ sơ năm {dossier_list.year} ở trạng thái '{vi}', không sửa được.",
                       f"The dossier list for {dossier_list.year} is {en.lower()} and can no longer change.",
                       field="status")


def _next_position(session: Session, model: type[ListHeading] | type[ListEntry], list_id: int) -> int:
    return (session.scalar(select(func.max(model.position)).where(model.list_id == list_id)) or 0) + 1


def _label(value: Any, *, large: bool, taken: Sequence[str | None]) -> str:
    """The label given (checked) or the next one at its level; never one already used beside it."""
    label = clean_label(value, large=large) or (roman(len(taken) + 1) if large else str(len(taken) + 1))
    if label in taken:
        raise InvalidInput(f"Số thứ tự đề mục {label} đã dùng ở cùng cấp.",
                           f"Heading number {label} is already used at this level.", field=LABEL.key)
    return label


def _symbol(label: str | None, own: str | None, parent: str | None) -> str:
    """The abbreviation numbers are made with: the heading's own, else its large heading's."""
    symbol = own or parent
    if symbol is None:
        raise InvalidInput(f"Đề mục {label} chưa có ký hiệu nên không sinh được số và ký hiệu hồ sơ.",
                           f"Heading {label} has no abbreviation, so no number can be generated.",
                           field=ABBREVIATION.key)
    return symbol


def _next_number(used: set[str], symbol: str) -> str:
    """Two-digit sequence after the highest one issued in the list (across all headings) + ``.`` + symbol."""
    issued = [int(match.group(1)) for match in map(NUMBER.match, used) if match]
    return f"{max(issued, default=0) + 1:02d}.{symbol}"


def _resolved(headings: Sequence[HeadingDraft]) -> list[HeadingDraft]:
    """Every field of every draft checked, labels and numbers filled in, duplicates refused — before any write."""
    resolved: list[HeadingDraft] = []
    for large in headings:
        children: list[HeadingDraft] = []
        for child in large.children:
            if child.children:
                raise InvalidInput("Đề mục nhỏ không có đề mục con.", "A sub-heading cannot have sub-headings.",
                                   field=PARENT.key)
            children.append(_clean_heading(child, large=False, taken=[c.label for c in children]))
        top = _clean_heading(large, large=True, taken=[h.label for h in resolved])
        resolved.append(replace(top, children=tuple(children)))
    given: set[str] = set()
    for number in (entry.number_symbol for entry in _all_drafts(resolved) if entry.number_symbol):
        if number in given:
            raise InvalidInput(f"Số và ký hiệu hồ sơ {number} bị trùng.", f"Number and symbol {number} appears twice.",
                               field=NUMBER_SYMBOL.key)
        given.add(number)
    return [_numbered(large, None, given) for large in resolved]


def _clean_heading(draft: HeadingDraft, *, large: bool, taken: Sequence[str | None]) -> HeadingDraft:
    return replace(draft, title=HEADING_FIELDS["title"](draft.title),
                   abbreviation=HEADING_FIELDS["abbreviation"](draft.abbreviation),
                   label=_label(draft.label, large=large, taken=taken),
                   entries=tuple(_clean_entry(entry) for entry in draft.entries))


def _clean_entry(draft: EntryDraft) -> EntryDraft:
    return EntryDraft(**{key: clean(getattr(draft, key)) for key, clean in ENTRY_FIELDS.items()})


def _numbered(heading: HeadingDraft, parent: HeadingDraft | None, used: set[str]) -> HeadingDraft:
    """Generate the numbers that were left empty, after every number given, in list order."""
    entries = []
    for entry in heading.entries:
        if entry.number_symbol is None:
            symbol = _symbol(heading.label, heading.abbreviation, parent.abbreviation if parent else None)
            entry = replace(entry, number_symbol=_next_number(used, symbol))
            used.add(entry.number_symbol or "")
        entries.append(entry)
    children = tuple(_numbered(child, heading, used) for child in heading.children)
    return replace(heading, entries=tuple(entries), children=children)


def _all_drafts(headings: Iterable[HeadingDraft]) -> Iterable[EntryDraft]:
    for heading in headings:
        yield from heading.entries
        yield from _all_drafts(heading.children)


def _write(session: Session, dossier_list: DossierList, headings: Sequence[HeadingDraft]) -> None:
    positions = {"heading": 0, "entry": 0}

    def write_heading(draft: HeadingDraft, parent_id: int | None) -> None:
        positions["heading"] += 1
        heading = ListHeading(dossier_list=dossier_list, unit_id=dossier_list.unit_id, parent_id=parent_id,
                              label=draft.label, abbreviation=draft.abbreviation, title=draft.title,
                              position=positions["heading"])
        session.add(heading)
        session.flush()
        for entry in draft.entries:
            positions["entry"] += 1
            session.add(ListEntry(
                dossier_list=dossier_list, unit_id=dossier_list.unit_id, heading_id=heading.id,
                number_symbol=entry.number_symbol, title=entry.title,
                retention_permanent=entry.retention.permanent, retention_years=entry.retention.years,
                responsible_person=entry.responsible_person, responsible_unit=entry.responsible_unit,
                note=entry.note, position=positions["entry"]))
        for child in draft.children:
            write_heading(child, heading.id)

    for large in headings:
        write_heading(large, None)
    session.flush()


def _walk_entries(node: HeadingNode) -> Iterable[ListEntry]:
    yield from node.entries
    for child in node.children:
        yield from _walk_entries(child)
