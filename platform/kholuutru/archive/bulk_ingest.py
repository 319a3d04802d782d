"""Bulk ingest: many dossiers with their documents in one transaction, through COPY (legacy imports, sync, a province).

The same rules as ``dossiers.create_dossier`` and ``add_document`` — the actor's role in each unit, suspension, the
metadata profile's field checks, codes issued once and recorded in ``issued_codes``, document identifiers from the
unit's yearly sequence — but rows are written with COPY instead of one INSERT each, and one audit event records the
whole batch. Inside the COPY the per-row search triggers are off (``kholuutru.bulk_ingest``): the batch writes each
dossier's ``search_content`` and the new words of ``search_terms`` itself, from the same text the triggers would use.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from . import audit
from .access import Actor, require
from .dossier_metadata import archival_code, clean, document_identifier, number_symbol, office_code, retention
from .dossier_models import DOSSIER_STATES, IssuedCode
from .errors import Conflict, InvalidInput
from .metadata_profiles import CURRENT_PROFILE, DOCUMENT_FIELDS, DOSSIER_FIELDS
from .models import Fonds, Unit
from .suspension import ensure_writable
from .validation import Label, choice, integer
from .vietnamese_folding import fold

DOSSIER_COLUMNS = (
    "id", "unit_id", "fonds_id", "profile", "state", "code", "office_code", "unit_identifier", "fonds_code", "year",
    "number_symbol", "title", "retention_permanent", "retention_years", "access_level", "creator", "language",
    "start_date", "end_date", "document_count", "page_count", "reliability", "keywords", "procedure_code",
    "procedure_dossier_code", "applicant", "received_on", "returned_on", "created_by_id", "created_at",
    "submitted_at", "approved_at", "archived_at", "search_content",
)
DOCUMENT_COLUMNS = (
    "id", "dossier_id", "unit_id", "identifier", "order_in_dossier", "type_name", "number", "symbol", "issued_on",
    "issuing_organisation", "summary", "language", "page_count", "signer_name", "signer_position", "keywords",
    "usage_mode", "reliability", "created_by_id", "created_at",
)
CODE_COLUMNS = ("code", "unit_id", "dossier_id")
# The text of a document that the search content holds, in the order of kholuutru_dossier_content (migration 0006).
CONTENT_FIELDS = ("type_name", "number", "symbol", "issuing_organisation", "summary", "signer_name", "keywords")
_TERM = re.compile(r"[^\W_]+")
_PLAIN_TERM = re.compile(r"[a-z]{2,40}")
_YEAR = Label("year", "Năm hình thành", "Year formed")
_STATE = Label("state", "Trạng thái", "State")


@dataclass
class DossierRecord:
    """One dossier to ingest: where it belongs, its list number, title, retention, metadata and documents."""

    unit_id: int
    fonds_id: int
    year: int
    number_symbol: str
    title: str
    retention_permanent: bool = False
    retention_years: int | None = None
    state: str = "draft"
    metadata: Mapping[str, Any] = field(default_factory=dict)
    documents: Sequence[Mapping[str, Any]] = ()
    created_at: dt.datetime | None = None
    submitted_at: dt.datetime | None = None
    approved_at: dt.datetime | None = None
    archived_at: dt.datetime | None = None


@dataclass
class Prepared:
    """A checked batch as the rows COPY writes, table by table, and the new words for ``search_terms``."""

    dossiers: list[tuple[Any, ...]] = field(default_factory=list)
    documents: list[tuple[Any, ...]] = field(default_factory=list)
    codes: list[tuple[Any, ...]] = field(default_factory=list)
    terms: set[str] = field(default_factory=set)


def ingest(session: Session, actor: Actor, records: Sequence[DossierRecord]) -> Prepared:
    """Check every record, then write the batch with COPY and one audit event; all or nothing (one transaction)."""
    ensure_writable(session)
    prepared = prepare(session, actor, records)
    write(session, prepared)
    ids = [row[0] for row in prepared.dossiers]
    units = sorted({row[1] for row in prepared.dossiers})
    audit.record(session, actor, "dossier.bulk_ingest", object_type="dossier",
                 object_id=f"{min(ids)}-{max(ids)}" if ids else None, unit_id=units[0] if len(units) == 1 else None,
                 details={"dossiers": len(prepared.dossiers), "documents": len(prepared.documents), "units": units})
    return prepared


def prepare(session: Session, actor: Actor, records: Sequence[DossierRecord]) -> Prepared:
    """Validate the whole batch and render its rows (ids and codes issued) without writing anything yet."""
    units = {unit.id: unit for unit in session.scalars(select(Unit).where(Unit.id.in_({r.unit_id for r in records})))}
    fonds = {row.id: row for row in session.scalars(select(Fonds).where(Fonds.id.in_({r.fonds_id for r in records})))}
    for unit_id in {record.unit_id for record in records}:
        require(actor, "dossier.form", unit_id)
    dossier_ids = _next_ids(session, "dossiers_id_seq", len(records))
    document_ids = iter(_next_ids(session, "documents_id_seq", sum(len(r.documents) for r in records)))
    sequences = _document_sequences(session, units, records)
    now = dt.datetime.now(dt.UTC)
    prepared = Prepared()
    words: list[str] = []
    for index, (record, dossier_id) in enumerate(zip(records, dossier_ids, strict=True)):
        unit, fonds_row = units.get(record.unit_id), fonds.get(record.fonds_id)
        if unit is None or fonds_row is None or fonds_row.unit_id != record.unit_id:
            raise InvalidInput(f"Hồ sơ thứ {index + 1}: đơn vị hoặc phông không đúng.",
                               f"Dossier {index + 1}: unknown unit, or a fonds of another unit.", field="fonds_id")
        year = integer(_YEAR, record.year, minimum=1900, maximum=now.year + 1, required=True) or 0
        symbol = number_symbol(record.number_symbol)
        title = clean(DOSSIER_FIELDS, {"title": record.title})["title"]
        if not title:
            raise InvalidInput(f"Hồ sơ thứ {index + 1}: thiếu tiêu đề.", f"Dossier {index + 1}: no title.",
                               field="title")
        permanent, years = retention(record.retention_permanent, record.retention_years)
        state = choice(_STATE, record.state, DOSSIER_STATES, required=True)
        metadata = clean(DOSSIER_FIELDS, record.metadata)
        documents = [clean(DOCUMENT_FIELDS, document) for document in record.documents]
        codes = (archival_code(fonds_row.code, year, symbol), office_code(unit.code, year, symbol))
        content = " ".join(
            " ".join(str(document[key]) for key in CONTENT_FIELDS if document.get(key) is not None)
            for document in documents)
        created = record.created_at or now
        prepared.dossiers.append((
            dossier_id, unit.id, fonds_row.id, CURRENT_PROFILE, state, codes[0], codes[1], unit.code, fonds_row.code,
            year, symbol, title, permanent, years, metadata.get("access_level"), metadata.get("creator"),
            metadata.get("language"), metadata.get("start_date"), metadata.get("end_date"), len(documents),
            metadata.get("page_count"), metadata.get("reliability"), metadata.get("keywords"),
            metadata.get("procedure_code"), metadata.get("procedure_dossier_code"), metadata.get("applicant"),
            metadata.get("received_on"), metadata.get("returned_on"), actor.user_id, created, record.submitted_at,
            record.approved_at, record.archived_at, content or None,
        ))
        prepared.codes += [(code, unit.id, dossier_id) for code in codes]
        for order, document in enumerate(documents, start=1):
            sequences[(unit.id, year)] += 1
            prepared.documents.append((
                next(document_ids), dossier_id, unit.id,
                document_identifier(unit.code, year, sequences[(unit.id, year)]), order, document.get("type_name"),
                document.get("number"), document.get("symbol"), document.get("issued_on"),
                document.get("issuing_organisation"), document.get("summary"), document.get("language"),
                document.get("page_count"), document.get("signer_name"), document.get("signer_position"),
                document.get("keywords"), document.get("usage_mode"), document.get("reliability"), actor.user_id,
                created,
            ))
        words += [str(value) for value in (title, *codes, symbol, content, *(
            metadata.get(key) for key in ("procedure_code", "procedure_dossier_code", "applicant", "creator",
                                          "keywords"))) if value]
    # The batch's words are folded and split once, and each distinct word tested once.
    prepared.terms = {term for term in set(_TERM.findall(fold(" ".join(words)))) if _PLAIN_TERM.fullmatch(term)}
    _refuse_issued_codes(session, [row[0] for row in prepared.codes])
    # Rows of one unit go in together, so they share heap pages: a unit's search or report then reads a few pages
    # instead of one page per dossier (a legacy import arrives unit by unit anyway; a mixed batch is grouped here).
    prepared.dossiers.sort(key=lambda row: (row[1], row[0]))
    prepared.documents.sort(key=lambda row: (row[2], row[1], row[4]))
    return prepared


def write(session: Session, prepared: Prepared) -> None:
    """COPY the prepared rows into transaction-local staging tables, then INSERT … SELECT them into place.

    PostgreSQL refuses COPY FROM into a table under row-level security, and the application role never escapes it
    (invariant 1); the staging tables have no policy, and the INSERT checks every row against the unit policy.
    The per-row search triggers are off for these statements only.
    """
    session.flush()
    connection = session.connection()
    connection.execute(text("SELECT set_config('kholuutru.bulk_ingest', 'on', true)"))
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    for table, columns, rows in (("dossiers", DOSSIER_COLUMNS, prepared.dossiers),
                                 ("issued_codes", CODE_COLUMNS, prepared.codes),
                                 ("documents", DOCUMENT_COLUMNS, prepared.documents)):
        staging = f"bulk_{table}"
        names = ", ".join(columns)
        cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {staging} (LIKE {table} INCLUDING DEFAULTS) "
                       "ON COMMIT DROP")
        cursor.execute(f"TRUNCATE {staging}")
        copy_rows(cursor, staging, columns, rows)
        cursor.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM {staging}")
    connection.execute(text("INSERT INTO search_terms (term) SELECT unnest(CAST(:terms AS text[])) "
                            "ON CONFLICT DO NOTHING"), {"terms": sorted(prepared.terms)})
    connection.execute(text("SELECT set_config('kholuutru.bulk_ingest', 'off', true)"))


def copy_rows(cursor: Any, table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> None:
    """``COPY table (columns) FROM STDIN`` of ``rows`` on a psycopg cursor (also the benchmark's raw baseline)."""
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _next_ids(session: Session, sequence: str, count: int) -> list[int]:
    if not count:
        return []
    return list(session.scalars(text("SELECT nextval(CAST(:sequence AS regclass)) FROM generate_series(1, :count)"),
                                {"sequence": sequence, "count": count}))


def _document_sequences(session: Session, units: Mapping[int, Unit],
                        records: Sequence[DossierRecord]) -> defaultdict[tuple[int, int], int]:
    """The last document number of each unit and year in the batch, locked like ``add_document`` locks it.

    The locks first, in one statement for the whole batch (taken in a fixed order, so two batches never deadlock);
    the numbers in the next statement, whose snapshot then sees what a batch we waited for committed. Each number is
    the last identifier of its range on the identifier's pattern index, one probe (``~>=~``/``~<~``/``~>~`` compare
    bytes, as that index orders them; identifiers are ASCII digits and dots, all below ``~``, the sequence
    zero-padded) — counting the range instead read every document of the unit and year, for every batch.
    """
    pairs = sorted({(r.unit_id, int(r.year)) for r in records if r.documents and r.unit_id in units})
    sequences: defaultdict[tuple[int, int], int] = defaultdict(int)
    if not pairs:
        return sequences
    keys = [f"document-identifier:{unit_id}:{year}" for unit_id, year in pairs]
    session.execute(text("SELECT pg_advisory_xact_lock(hashtext(k.key)) FROM unnest(CAST(:keys AS text[])) "
                         "WITH ORDINALITY AS k(key, n) ORDER BY k.n"), {"keys": keys})
    rows = session.execute(text(
        "SELECT (SELECT substr(identifier, length(k.prefix) + 1)::integer FROM documents "
        "WHERE identifier ~>=~ k.prefix AND identifier ~<~ (k.prefix || '~') ORDER BY identifier USING ~>~ LIMIT 1) "
        "FROM unnest(CAST(:prefixes AS text[])) WITH ORDINALITY AS k(prefix, n) ORDER BY k.n"),
        {"prefixes": [f"{units[unit_id].code}.{year}." for unit_id, year in pairs]}).all()
    for pair, row in zip(pairs, rows, strict=True):
        sequences[pair] = row[0] or 0
    return sequences


def _refuse_issued_codes(session: Session, codes: list[str]) -> None:
    """A code is never issued twice: neither one issued before nor the same one twice in the batch."""
    seen: set[str] = set()
    repeated = next((code for code in codes if code in seen or seen.add(code)), None)  # type: ignore[func-returns-value]
    issued = repeated or session.scalar(select(IssuedCode.code).where(IssuedCode.code.in_(codes)).limit(1))
    if issued:
        raise Conflict(f"Mã hồ sơ {issued} đã được cấp, không cấp lại.",
                       f"Dossier code {issued} was issued before and is never reused.", field="number_symbol")
