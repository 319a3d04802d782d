"""Search over the dossiers an actor may see: filters, diacritic-insensitive and typo-tolerant full text, ranking.

One service for the console's dossier list, the search screen and REST. PostgreSQL alone does the work (no second
engine): the generated ``dossiers.search_vector`` (folded title, codes, documents, OCR text and confirmed extraction
values; migration 0006), copied to ``dossier_words`` under a GIN index that a SECURITY DEFINER function reads for
the caller (migration 0013: row-level security keeps the index of the table itself out of use), and pg_trgm for the
rest. A word typed without its diacritics matches because both sides are folded (``vietnamese_folding``); a mistyped
word ("dnh") is replaced by the closest words that exist in ``search_terms``, so the query still runs on the
full-text index instead of scanning the table. Every query carries the actor's unit filter, and row-level security
underneath returns nothing of another unit anyway.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Integer,
    Select,
    and_,
    any_,
    cast,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    true,
)
from sqlalchemy import text as text_sql
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Session, undefer

from .access import Actor
from .catalogue_models import Box
from .dossier_models import CODES_SQL, DOSSIER_STATES, UNIT_LEXEME, Document, Dossier, SearchTerm
from .errors import InvalidInput
from .extraction_models import Extraction
from .validation import Label, choice, date, integer, text
from .vietnamese_folding import fold

# Beyond this the total is shown as "more than …" with an invitation to narrow the search: an exact count reads every
# hit's row, and a thousand is already more than anyone pages through.
COUNT_CAP = 1_000
RANK_CAP = 500  # ranking reads every hit's vector: more hits than this come newest first (one id sort, no ranking)
MAX_PAGE_SIZE = 100
SIMILAR_WORDS = 4
MIN_SIMILARITY = 0.25  # pg_trgm similarity of "dnh" and "dinh" is 0.29: low, but the candidates are real words
SEARCH_VECTOR = literal_column("dossiers.search_vector", TSVECTOR)  # generated (migration 0006), ranks the hits
# A unit's distinct issuers whose folded form contains :pattern: a loose index scan, each step the next issuer.
ISSUERS_OF_UNIT = """
WITH RECURSIVE issuers(value) AS (
  SELECT min(issuing_organisation) FROM documents WHERE unit_id = :unit
  UNION ALL
  SELECT (SELECT min(issuing_organisation) FROM documents WHERE unit_id = :unit AND issuing_organisation > value)
    FROM issuers WHERE value IS NOT NULL)
SELECT value FROM issuers WHERE value IS NOT NULL AND kholuutru_fold(value) LIKE :pattern ESCAPE '\\'
"""
_WORD = re.compile(r"[^\W_]+(?:[./\-][^\W_]+)*")
_ALPHA = re.compile(r"[a-z]+")


@dataclass(frozen=True)
class SearchQuery:
    """What was asked: full text plus any combination of filters (all optional, all combined with AND)."""

    text: str | None = None
    unit_id: int | None = None
    fonds_id: int | None = None
    year: int | None = None
    code: str | None = None
    title: str | None = None
    procedure_code: str | None = None
    document_number: str | None = None
    issuer: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    issued_from: dt.date | None = None
    issued_to: dt.date | None = None
    state: str | None = None
    retention: str | None = None
    box_id: int | None = None
    shelf_id: int | None = None
    extracted_field: str | None = None
    extracted_value: str | None = None
    page: int = 1
    page_size: int = 20


_LABELS = {
    "text": Label("q", "Từ khóa", "Words"),
    "unit_id": Label("unit_id", "Đơn vị", "Unit"),
    "fonds_id": Label("fonds_id", "Phông", "Fonds"),
    "year": Label("year", "Năm", "Year"),
    "code": Label("code", "Mã hồ sơ", "Dossier code"),
    "title": Label("title", "Tiêu đề", "Title"),
    "procedure_code": Label("procedure_code", "Mã thủ tục", "Procedure code"),
    "document_number": Label("document_number", "Số, ký hiệu văn bản", "Document number and symbol"),
    "issuer": Label("issuer", "Cơ quan ban hành", "Issuing organisation"),
    "date_from": Label("date_from", "Từ ngày", "From date"),
    "date_to": Label("date_to", "Đến ngày", "To date"),
    "issued_from": Label("issued_from", "Văn bản ban hành từ ngày", "Documents issued from"),
    "issued_to": Label("issued_to", "Văn bản ban hành đến ngày", "Documents issued until"),
    "state": Label("state", "Trạng thái", "State"),
    "retention": Label("retention", "Thời hạn bảo quản", "Retention"),
    "box_id": Label("box_id", "Hộp", "Box"),
    "shelf_id": Label("shelf_id", "Giá", "Shelf"),
    "extracted_field": Label("extracted_field", "Trường bóc tách", "Extracted field"),
    "extracted_value": Label("extracted_value", "Giá trị bóc tách", "Extracted value"),
    "page": Label("page", "Trang", "Page"),
    "page_size": Label("page_size", "Số dòng mỗi trang", "Rows per page"),
}
_TEXTS = {"text": 200, "code": 40, "title": 200, "procedure_code": 20, "document_number": 42, "issuer": 200,
          "extracted_field": 100, "extracted_value": 200}
_IDS = ("unit_id", "fonds_id", "box_id", "shelf_id")
_DATES = ("date_from", "date_to", "issued_from", "issued_to")


def parse_query(arguments: Mapping[str, Any]) -> SearchQuery:
    """A ``SearchQuery`` from form or query-string values (keys as in ``_LABELS``), each checked with its field name."""
    values: dict[str, Any] = {}
    for name, length in _TEXTS.items():
        values[name] = text(_LABELS[name], arguments.get(_LABELS[name].key), max_length=length)
    for name in _IDS:
        values[name] = integer(_LABELS[name], arguments.get(name), minimum=1)
    for name in _DATES:
        values[name] = date(_LABELS[name], arguments.get(name))
    values["year"] = integer(_LABELS["year"], arguments.get("year"), minimum=1900, maximum=9999)
    values["state"] = choice(_LABELS["state"], arguments.get("state"), DOSSIER_STATES)
    retention = text(_LABELS["retention"], arguments.get("retention"), max_length=10)
    if retention not in (None, "permanent"):
        retention = str(integer(_LABELS["retention"], retention, minimum=1, maximum=500))
    values["retention"] = retention
    values["page"] = integer(_LABELS["page"], arguments.get("page"), minimum=1) or 1
    values["page_size"] = integer(_LABELS["page_size"], arguments.get("page_size"), minimum=1,
                                  maximum=MAX_PAGE_SIZE) or 20
    for start, end in (("date_from", "date_to"), ("issued_from", "issued_to")):
        if values[start] and values[end] and values[start] > values[end]:
            label = _LABELS[end]
            raise InvalidInput(f"'{label.vi}' phải sau '{_LABELS[start].vi}'.",
                               f"'{label.en}' must not be before '{_LABELS[start].en}'.", field=label.key)
    return SearchQuery(**values)


@dataclass
class Hit:
    """One dossier found, with its rank and the title and a snippet with the matched words marked (safe HTML)."""

    dossier: Dossier
    rank: float
    title_html: str
    snippet_html: str


@dataclass
class SearchResult:
    """One page of hits and the total (exact up to ``COUNT_CAP``; ``capped`` when there are more)."""

    query: SearchQuery
    hits: list[Hit]
    total: int
    capped: bool
    terms: list[str] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(-(-self.total // self.query.page_size), 1)


@dataclass(frozen=True)
class _TextMatch:
    condition: ColumnElement[bool]
    rank: ColumnElement[float] | None
    terms: frozenset[str]


def search(session: Session, actor: Actor, query: SearchQuery) -> SearchResult:
    """The page of ``query`` among the dossiers ``actor`` may see: best match first when words were given and the
    hits are at most ``RANK_CAP``, else newest first.

    One scan finds the hits newest first, up to ``COUNT_CAP`` + 1 ids: their number is the total, and the page is
    cut from them, so the same search never runs twice. A broad search stops after the newest ``COUNT_CAP`` + 1 hits
    (walking the unit's dossiers newest first, ``ix_dossiers_unit_newest``); a narrow one reads its few hits from the
    full-text index and sorts them. Only the page's rows are then read in full (and ranked, for a few hits).
    """
    match = _text_match(session, query.text, _unit_of(actor, query)) if query.text else None
    statement = select(Dossier.id).where(*filter_conditions(session, actor, query))
    if match is not None:
        statement = statement.where(match.condition)
    found = list(session.scalars(statement.order_by(Dossier.id.desc()).limit(COUNT_CAP + 1)))
    capped = len(found) > COUNT_CAP
    offset = (query.page - 1) * query.page_size
    rank = match.rank if match is not None and len(found) <= RANK_CAP else None
    if rank is not None:  # the few hits are ranked among themselves; the page is cut after ordering them
        page_ids = found
    elif not capped or offset + query.page_size <= COUNT_CAP:
        page_ids = found[offset:offset + query.page_size]
    else:  # a page past the counted hits (deep paging of a broad search)
        page_ids = list(session.scalars(statement.order_by(Dossier.id.desc()).limit(query.page_size).offset(offset)))
    order = rank if rank is not None else literal(0.0)
    page = (select(Dossier, order.label("rank")).where(Dossier.id == any_(cast(page_ids, ARRAY(Integer))))
            .order_by(order.desc(), Dossier.id.desc()).options(undefer(Dossier.search_content)))
    if rank is not None:
        page = page.limit(query.page_size).offset(offset)
    terms = match.terms if match is not None else frozenset()
    hits = [Hit(row.Dossier, float(row.rank), highlight(row.Dossier.title, terms),
                snippet(row.Dossier.search_content or "", terms)) for row in session.execute(page)] if page_ids else []
    return SearchResult(query, hits, min(len(found), COUNT_CAP), capped, sorted(terms))


def filter_conditions(session: Session, actor: Actor, query: SearchQuery) -> list[ColumnElement[bool]]:
    """The unit scope and every filter of ``query`` as WHERE conditions on ``dossiers``."""
    conditions: list[ColumnElement[bool]] = []
    own_unit = actor.unit_id if actor.unit_id is not None else -1
    if not actor.sees_all_units:
        conditions.append(Dossier.unit_id == own_unit)
    for name in ("unit_id", "fonds_id", "year", "state", "procedure_code", "box_id"):
        if getattr(query, name) not in (None, ""):
            conditions.append(getattr(Dossier, name) == getattr(query, name))
    if query.shelf_id:
        conditions.append(Dossier.box_id.in_(select(Box.id).where(Box.shelf_id == query.shelf_id)))
    if query.code:
        conditions.append(_codes_contain(query.code))
    if query.title:
        conditions.append(func.kholuutru_fold(Dossier.title).like(_contains(query.title), escape="\\"))
    if query.retention == "permanent":
        conditions.append(Dossier.retention_permanent == true())
    elif query.retention:
        conditions.append(and_(Dossier.retention_permanent == false(), Dossier.retention_years == int(query.retention)))
    if query.date_from:
        conditions.append(func.coalesce(Dossier.end_date, Dossier.start_date) >= query.date_from)
    if query.date_to:
        conditions.append(func.coalesce(Dossier.start_date, Dossier.end_date) <= query.date_to)
    # Document criteria as a semi-join on the documents of the same units, so the planner may start from the
    # documents' own indexes (a unit's issuers, number and symbol) instead of probing every dossier's documents.
    scope = ([] if actor.sees_all_units else [own_unit]) + ([query.unit_id] if query.unit_id else [])
    in_scope = [Document.unit_id == unit for unit in scope]
    document = _document_condition(session, query, scope)
    if document is not None:
        conditions.append(Dossier.id.in_(select(Document.dossier_id).where(document, *in_scope)))
        words = _words_present(session, query, _unit_of(actor, query))
        conditions += [words] if words is not None else []
    if query.extracted_field or query.extracted_value:
        conditions.append(Dossier.id.in_(_extracted_dossiers(query).where(*in_scope)))
    return conditions


def _codes_contain(value: str) -> ColumnElement[bool]:
    """Part of any of the dossier's codes (archival, office, procedure dossier code)."""
    return func.kholuutru_fold(literal_column(CODES_SQL)).like(_contains(value), escape="\\")


def _document_condition(session: Session, query: SearchQuery, scope: list[int]) -> ColumnElement[bool] | None:
    """One document of the dossier must meet every document criterion at once (``scope``: the units searched)."""
    parts: list[ColumnElement[bool]] = []
    if query.document_number:
        number, _, symbol = query.document_number.partition("/")
        if symbol:
            parts += [Document.number == number.strip(),
                      func.kholuutru_fold(Document.symbol).like(_starts(symbol.strip()), escape="\\")]
        else:
            parts.append(or_(Document.number == number.strip(),
                             func.kholuutru_fold(Document.symbol).like(_starts(number.strip()), escape="\\")))
    if query.issuer:
        parts.append(_issuer_matches(session, query.issuer, scope))
    if query.issued_from:
        parts.append(Document.issued_on >= query.issued_from)
    if query.issued_to:
        parts.append(Document.issued_on <= query.issued_to)
    return and_(*parts) if parts else None


def _issuer_matches(session: Session, issuer: str, scope: list[int]) -> ColumnElement[bool]:
    """The document's issuer contains ``issuer`` (folded).

    Within a unit, the unit's distinct issuers are listed first (a loose scan of ``ix_documents_unit_issuer``: one
    index probe per issuer, never the documents) and folded once each, and the documents are then matched on those
    exact values: folding costs tens of microseconds a value, and a unit's thousands of documents share a few
    issuers. Province-wide, the trigram index on the folded issuer finds them.
    """
    pattern = _contains(issuer)
    if not scope:
        return func.kholuutru_fold(Document.issuing_organisation).like(pattern, escape="\\")
    if len(set(scope)) > 1:
        return false()
    values = list(session.scalars(text_sql(ISSUERS_OF_UNIT), {"unit": scope[0], "pattern": pattern}))
    return Document.issuing_organisation.in_(values) if values else false()


def _words_present(session: Session, query: SearchQuery, unit_id: int | None) -> ColumnElement[bool] | None:
    """A necessary condition the full-text index answers, so the exact test on the documents only runs on the few
    dossiers that pass: the document number's words (with the unit's lexeme) are in the dossier's vector, which holds
    its documents' numbers, symbols and issuers; province-wide, the issuer's words too (as prefixes). Within a unit the
    issuer needs none: it is matched on the unit's list of issuers."""
    conditions: list[ColumnElement[bool]] = []
    issuer_words = [f"{word}:*" for word in _WORD.findall(fold(query.issuer or "")) if _ALPHA.fullmatch(word)]
    if unit_id is None and issuer_words:
        conditions.append(_matching(session, func.to_tsquery("simple", " & ".join(issuer_words))))
    if query.document_number:
        words = _WORD.findall(fold(query.document_number.replace("/", " ")))
        words += [UNIT_LEXEME.format(unit_id)] if unit_id is not None and unit_id > 0 else []
        conditions.append(_matching(session, func.plainto_tsquery("simple", " ".join(words))))
    return and_(*conditions) if conditions else None


def _extracted_dossiers(query: SearchQuery) -> Select[tuple[int]]:
    """The dossiers with a confirmed extraction on one of their documents holding the field (and value) asked for."""
    entries = func.jsonb_each_text(Extraction.values).table_valued("key", "value").render_derived()
    return select(Document.dossier_id).select_from(Extraction).join(Document, Document.id == Extraction.document_id) \
        .join(entries, true()).where(
            *([func.kholuutru_fold(entries.c.key) == fold(query.extracted_field)] if query.extracted_field else []),
            *([func.kholuutru_fold(entries.c.value).like(_contains(query.extracted_value), escape="\\")]
              if query.extracted_value else []))


def _unit_of(actor: Actor, query: SearchQuery) -> int | None:
    """The one unit a search is confined to, if any (the actor's own, or the unit filter)."""
    if not actor.sees_all_units:
        return actor.unit_id if actor.unit_id is not None else -1
    return query.unit_id


def _text_match(session: Session, words: str, unit_id: int | None = None) -> _TextMatch:
    """The full-text condition and rank for ``words``: folded, each unknown word widened to its nearest real words.

    Within one unit the unit's own lexeme joins the query, so the GIN index alone narrows the hits to that unit.
    """
    tokens = _WORD.findall(fold(words))
    if not tokens:
        return _TextMatch(false(), None, frozenset())
    alpha = [token for token in tokens if _ALPHA.fullmatch(token)]
    known = set(session.scalars(select(SearchTerm.term).where(SearchTerm.term.in_(alpha)))) if alpha else set()
    groups: list[list[str]] = []
    for word in alpha:
        groups.append([word] if word in known else _similar_words(session, word) or [word])
    parts = ["(" + " | ".join(group) + ")" for group in groups]
    scope = [UNIT_LEXEME.format(unit_id)] if unit_id is not None and unit_id > 0 else []
    query = func.to_tsquery("simple", " & ".join(parts + scope)) if parts else None
    conditions: list[ColumnElement[bool]] = []
    if query is not None:
        conditions.append(_matching(session, query))
    codes = [token for token in tokens if not _ALPHA.fullmatch(token)]
    for token in codes:
        conditions.append(_matching(session, func.plainto_tsquery("simple", " ".join([token, *scope]))))
    rank = func.ts_rank_cd(SEARCH_VECTOR, query) if query is not None else None
    terms = frozenset(word for group in groups for word in group) | frozenset(codes)
    return _TextMatch(and_(*conditions), rank, terms)


def _matching(session: Session, query: ColumnElement[Any]) -> ColumnElement[bool]:
    """The dossier's words match ``query``, through the full-text index of ``dossier_words`` (migration 0013).

    ``@@`` is not leakproof, so PostgreSQL never uses an index for it on a table under row-level security; the
    SECURITY DEFINER function can, and returns only the dossiers the caller's policy lets it see. It runs once, here,
    and the search gets its ids as a constant: as a subquery the planner may run it again for every candidate row.
    """
    ids = list(session.scalars(select(func.kholuutru_dossiers_matching(query))))
    return Dossier.id == any_(cast(ids, ARRAY(Integer))) if ids else false()


def _similar_words(session: Session, word: str) -> list[str]:
    """The real words closest to a word that is in no dossier (nearest-neighbour on the trigram index)."""
    rows = session.execute(select(SearchTerm.term, func.similarity(SearchTerm.term, word).label("similarity"))
                           .order_by(SearchTerm.term.op("<->")(word)).limit(SIMILAR_WORDS))
    return [row.term for row in rows if row.similarity >= MIN_SIMILARITY]


def _contains(value: str) -> str:
    return f"%{_escape(fold(value.strip()))}%"


def _starts(value: str) -> str:
    return f"{_escape(fold(value))}%"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def highlight(value: str, terms: frozenset[str]) -> str:
    """``value`` as HTML with every word whose folded form is a matched term inside ``<mark>``."""
    if not terms:
        return html.escape(value)
    out, last = [], 0
    for found in _WORD.finditer(value):
        if fold(found.group()) in terms:
            out += [html.escape(value[last:found.start()]), f"<mark>{html.escape(found.group())}</mark>"]
            last = found.end()
    out.append(html.escape(value[last:]))
    return "".join(out)


def snippet(content: str, terms: frozenset[str], width: int = 90) -> str:
    """A short passage of the documents' text around the first matched word, highlighted ("" when none matched)."""
    for found in _WORD.finditer(content):
        if fold(found.group()) in terms:
            start, end = max(found.start() - width, 0), min(found.end() + width, len(content))
            start = content.rfind(" ", 0, start) + 1 if start else 0
            end = (content.find(" ", end) if content.find(" ", end) != -1 else len(content))
            return ("… " if start else "") + highlight(content[start:end], terms) + (" …" if end < len(content) else "")
    return ""
