"""Search over the dossiers an actor may see: filters, diacritic-insensitive and typo-tolerant full text, ranking.

One service for the console's dossier list, the search screen and REST. PostgreSQL alone does the work (no second
engine): the generated ``dossiers.search_vector`` (folded title, codes, documents, OCR text and confirmed extraction
values; migration 0006), copied to ``dossier_words`` under GIN indexes that SECURITY DEFINER functions read for
the caller (migration 0013: row-level security keeps the index of the table itself out of use; migration 0014: one
index of words prefixed with their unit, for a unit's search), and pg_trgm for the rest. A word typed without its
diacritics matches because both sides are folded (``vietnamese_folding``); a mistyped word ("dnh") is replaced by
the closest words that exist in ``search_terms``, so the query still runs on the full-text index instead of scanning
the table. Every query carries the actor's unit filter, and row-level security
underneath returns nothing of another unit anyway.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy import text as text_sql
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Session, undefer

from .access import Actor
from .catalogue_models import Box
from .dossier_models import CODES_SQL, DOSSIER_STATES, Document, Dossier
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
# Each word typed, in order: itself when some dossier holds it, else its nearest real words (pg_trgm's ``<->`` on the
# GiST index of ``search_terms``) that are similar enough; an empty array when none is.
VOCABULARY = """
SELECT CASE WHEN EXISTS (SELECT 1 FROM search_terms s WHERE s.term = t.word) THEN ARRAY[t.word]
  ELSE ARRAY(SELECT c.term FROM (SELECT s.term, similarity(s.term, t.word) AS likeness FROM search_terms s
                                  ORDER BY s.term <-> t.word LIMIT :similar) c WHERE c.likeness >= :least) END
FROM unnest(CAST(:words AS text[])) WITH ORDINALITY AS t(word, n) ORDER BY t.n
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
    """What the words asked for become: the full-text query (words and codes), the part that ranks, the terms shown."""

    query: ColumnElement[Any] | None
    rank: ColumnElement[Any] | None
    terms: frozenset[str]


def search(session: Session, actor: Actor, query: SearchQuery) -> SearchResult:
    """The page of ``query`` among the dossiers ``actor`` may see: best match first when words were given and the
    hits are at most ``RANK_CAP``, else newest first.

    One statement answers it (after a look-up of the typed words in the vocabulary, and of the unit's issuers for an
    issuer filter): the hits, newest first up to ``COUNT_CAP`` + 1 ids, whose number is the total; the ranking of the
    hits when they are at most ``RANK_CAP``; the page cut from them, read in full. A broad search stops after the
    newest hits; a narrow one reads its few hits from the full-text index and sorts them. Every round trip is a wait
    for the server's process, and on a busy machine each wait is a turn of its scheduler, so the search makes as few
    as it can.
    """
    unit = _unit_of(actor, query)
    match = _text_match(session, query.text) if query.text else None
    filters = _filters(session, actor, query, full_text=False)
    word_queries = _words_present(query, unit) + ([match.query] if match and match.query is not None else [])
    if match is not None and match.query is None:  # words that fold to nothing (bare punctuation) find nothing
        filters.append(false())
    offset = (query.page - 1) * query.page_size
    limit = max(COUNT_CAP + 1, offset + query.page_size)
    if word_queries and unit is not None and not filters and query.unit_id in (None, unit):
        # Words alone within one unit: the function's ids are the hits (it lets the caller see that unit only, as
        # the policy does), so neither a dossier's row nor its index entry is read to find them.
        matched = _matched(_all_of(word_queries), unit)
        hits = select(matched.label("id")).order_by(matched.desc()).limit(limit).cte("hits")
    else:
        conditions = _scope(actor, query) + filters
        conditions += [Dossier.id.in_(select(_matched(_all_of(word_queries), unit)))] if word_queries else []
        hits = select(Dossier.id).where(*conditions).order_by(Dossier.id.desc()).limit(limit).cte("hits")
    found = select(func.count()).select_from(hits).scalar_subquery()
    newest = (select(hits.c.id, literal(0.0).label("rank")).order_by(hits.c.id.desc())
              .limit(query.page_size).offset(offset))
    rank = match.rank if match is not None else None
    if rank is not None:  # the few hits are ranked among themselves; the page is cut after ordering them
        ranked = (select(Dossier.id, func.ts_rank_cd(SEARCH_VECTOR, rank).label("rank"))
                  .join(hits, hits.c.id == Dossier.id).where(found <= RANK_CAP)
                  .order_by(literal_column("rank").desc(), Dossier.id.desc()).limit(query.page_size).offset(offset))
        page = union_all(ranked, newest.where(found > RANK_CAP)).subquery("page")
    else:
        page = newest.subquery("page")
    total = select(found.label("found")).subquery("total")
    rows = session.execute(select(total.c.found, Dossier, page.c.rank).select_from(total)
                           .outerjoin(page, true()).outerjoin(Dossier, Dossier.id == page.c.id)
                           .order_by(page.c.rank.desc(), page.c.id.desc())
                           .options(undefer(Dossier.search_content))).all()
    terms = match.terms if match is not None else frozenset()
    hits_shown = [Hit(row[1], float(row.rank), highlight(row[1].title, terms),
                      snippet(row[1].search_content or "", terms)) for row in rows if row[1] is not None]
    return SearchResult(query, hits_shown, min(rows[0].found, COUNT_CAP), rows[0].found > COUNT_CAP, sorted(terms))


def filter_conditions(session: Session, actor: Actor, query: SearchQuery) -> list[ColumnElement[bool]]:
    """The unit scope and every filter of ``query`` as WHERE conditions on ``dossiers``."""
    return _scope(actor, query) + _filters(session, actor, query)


def _scope(actor: Actor, query: SearchQuery) -> list[ColumnElement[bool]]:
    """The dossier is in every unit of ``_scope_units`` (none: province-wide)."""
    return [Dossier.unit_id == unit for unit in _scope_units(actor, query)]


def _scope_units(actor: Actor, query: SearchQuery) -> list[int]:
    """The units a search is held to: the actor's own (unless province-wide; -1, no unit, when none), the one asked."""
    own = [] if actor.sees_all_units else [actor.unit_id if actor.unit_id is not None else -1]
    return own + ([query.unit_id] if query.unit_id else [])


def _filters(session: Session, actor: Actor, query: SearchQuery, full_text: bool = True) -> list[ColumnElement[bool]]:
    """Every filter of ``query`` but the unit scope, as WHERE conditions on ``dossiers``.

    ``full_text``: with the full-text test the document criteria start from (the words of a document's number,
    province-wide an issuer's), as its own condition; the search leaves it out and joins it to its words' query.
    """
    conditions: list[ColumnElement[bool]] = []
    for name in ("fonds_id", "year", "state", "procedure_code", "box_id"):
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
    scope = _scope_units(actor, query)
    in_scope = [Document.unit_id == unit for unit in scope]
    document = _document_condition(session, query, scope)
    if document is not None:
        conditions.append(Dossier.id.in_(select(Document.dossier_id).where(document, *in_scope)))
        words = _words_present(query, _unit_of(actor, query)) if full_text else []
        conditions += [Dossier.id.in_(select(_matched(_all_of(words), _unit_of(actor, query))))] if words else []
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


def _words_present(query: SearchQuery, unit_id: int | None) -> list[ColumnElement[Any]]:
    """Full-text queries the document criteria imply, so the exact test on the documents only runs on the few dossiers
    that pass: the document number's words are in the dossier's vector, which holds its documents' numbers, symbols
    and issuers; province-wide, the issuer's words too (as prefixes). Within a unit the issuer needs none: it is
    matched on the unit's list of issuers."""
    queries: list[ColumnElement[Any]] = []
    issuer_words = [f"{word}:*" for word in _WORD.findall(fold(query.issuer or "")) if _ALPHA.fullmatch(word)]
    if unit_id is None and issuer_words:
        queries.append(func.to_tsquery("simple", " & ".join(issuer_words)))
    number_words = _WORD.findall(fold((query.document_number or "").replace("/", " ")))
    if number_words:
        queries.append(func.plainto_tsquery("simple", " ".join(number_words)))
    return queries


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


def _text_match(session: Session, words: str) -> _TextMatch:
    """The full-text query and rank for ``words``: folded, each unknown word widened to its nearest real words."""
    tokens = _WORD.findall(fold(words))
    alpha = [token for token in tokens if _ALPHA.fullmatch(token)]
    groups = _vocabulary(session, alpha) if alpha else []
    parts = ["(" + " | ".join(group) + ")" for group in groups]
    rank = func.to_tsquery("simple", " & ".join(parts)) if parts else None
    codes = [token for token in tokens if not _ALPHA.fullmatch(token)]
    queries = ([rank] if rank is not None else []) + [func.plainto_tsquery("simple", token) for token in codes]
    terms = frozenset(word for group in groups for word in group) | frozenset(codes)
    return _TextMatch(_all_of(queries) if queries else None, rank, terms)


def _all_of(queries: list[ColumnElement[Any]]) -> ColumnElement[Any]:
    """One tsquery that every one of ``queries`` must match (``&&``): one pass through the index for all of them."""
    combined = queries[0]
    for query in queries[1:]:
        combined = combined.op("&&")(query)
    return combined


def _matched(query: ColumnElement[Any], unit_id: int | None) -> ColumnElement[int]:
    """The ids of the dossiers whose words match ``query``, from a full-text index of ``dossier_words`` (migrations
    0013, 0014), as a FROM item: the executor computes the function's rows once and keeps them.

    ``@@`` is not leakproof, so PostgreSQL never uses an index for it on a table under row-level security; the
    SECURITY DEFINER functions can, and return only dossiers the caller's policy lets it see. Within one unit the
    index of unit-prefixed words intersects only that unit's posting lists; province-wide, the plain one serves.
    """
    if unit_id is not None:
        return func.kholuutru_unit_dossiers_matching(unit_id, query).column_valued("matched")
    return func.kholuutru_dossiers_matching(query).column_valued("matched")


def _vocabulary(session: Session, words: list[str]) -> list[list[str]]:
    """Each word as itself when some dossier holds it, else as the real words closest to it (nearest neighbours on
    the trigram index of ``search_terms``), or itself when none is close: one statement for all the words."""
    rows = session.execute(text_sql(VOCABULARY), {"words": words, "similar": SIMILAR_WORDS, "least": MIN_SIMILARITY})
    return [list(alternatives) or [word] for word, (alternatives,) in zip(words, rows, strict=True)]


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
    for start, end in _matched_words(value, terms):
        out += [html.escape(value[last:start]), f"<mark>{html.escape(value[start:end])}</mark>"]
        last = end
    out.append(html.escape(value[last:]))
    return "".join(out)


def snippet(content: str, terms: frozenset[str], width: int = 90) -> str:
    """A short passage of the documents' text around the first matched word, highlighted ("" when none matched)."""
    for found_start, found_end in _matched_words(content, terms):
        start, end = max(found_start - width, 0), min(found_end + width, len(content))
        start = content.rfind(" ", 0, start) + 1 if start else 0
        end = (content.find(" ", end) if content.find(" ", end) != -1 else len(content))
        return ("… " if start else "") + highlight(content[start:end], terms) + (" …" if end < len(content) else "")
    return ""


def _matched_words(value: str, terms: frozenset[str]) -> Iterator[tuple[int, int]]:
    """Where the words of ``value`` whose folded form is one of ``terms`` are, in order.

    Composed text folds letter for letter (the Vietnamese letters to their bare letters, then lower case), so the
    words of the folded text are the words of ``value`` at the same places: the text is folded once instead of word by
    word (a page of hits holds pages of documents' text). Otherwise (decomposed input, a letter whose lower case is
    longer) each word is folded on its own.
    """
    folded = fold(value) if unicodedata.is_normalized("NFC", value) else ""
    if len(folded) == len(value):
        return ((found.start(), found.end()) for found in _WORD.finditer(folded) if found.group() in terms)
    return ((found.start(), found.end()) for found in _WORD.finditer(value) if fold(found.group()) in terms)
