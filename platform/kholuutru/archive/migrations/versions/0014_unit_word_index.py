"""Search inside one unit: a full-text index whose words belong to their unit, and the statistics of a unit's issuers.

- ``ix_dossier_words_unit_words``: in ``ix_dossier_words_words`` a common word ("quyet") has one posting list over
  the whole province (a third of its million dossiers), and a search inside one unit intersected it with the unit's
  lexeme: several milliseconds of posting-list work per word before any row was read. This second GIN index holds
  each dossier's words prefixed with its unit (``18:quyet``), so a unit's search intersects only that unit's lists.
  ``kholuutru_unit_dossiers_matching(unit, query)`` — SECURITY DEFINER, as ``kholuutru_dossiers_matching`` is, so
  the index serves it under row-level security — prefixes the query's words with ``unit`` and returns the ids of that
  unit's matching dossiers, or nothing when the caller's setting does not show the unit (invariant 1). Every prefixed
  word of a row names the row's own unit and the function also keeps ``unit_id = unit``, so no query, however
  written (a negation, another unit's prefix typed in), reaches another unit's rows. Dossiers of other units granted
  through an access request are not among them: the search confines a unit's staff to their unit anyway.
- ``ix_dossiers_unit_newest`` (migration 0013: unit, id) now carries the columns the search's dossier filters test
  (year, state, procedure, retention, dates, fonds, box): a search joins each full-text hit of its unit to this
  index and tests the filters there, without visiting the dossier's row.
- ``ix_documents_unit_issuer`` (migration 0013) gets the dossier as a key column instead of an included one: a search
  with an issuer filter walks its dossiers newest first and asks, for each, whether a document of that issuer
  belongs to it, one probe of this index (before, the planner had to collect every dossier of a unit's common
  issuer — all of them, for a department's own name — and sort them).
- ``st_documents_unit_issuer``: a unit's documents mostly share a few issuers (all of an inspectorate's are "Thanh tra
  tỉnh"); without statistics on the pair, the planner multiplied the two columns' frequencies, expected a few hundred
  documents where there were 25,000, and chose a plan that visits all of them.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-26
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

FILTERED_COLUMNS = "year, state, procedure_code, retention_permanent, retention_years, start_date, end_date, fonds_id, box_id"

UNIT_WORDS_FUNCTION = """
CREATE FUNCTION kholuutru_unit_words(unit integer, words tsvector) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT array_to_tsvector(ARRAY(SELECT unit || ':' || lexeme FROM unnest(tsvector_to_array(words)) lexeme))
$$
"""

# tsquery's text form quotes every lexeme and doubles a quote inside one; each quoted lexeme gets the unit's prefix.
UNIT_QUERY_FUNCTION = r"""
CREATE FUNCTION kholuutru_unit_query(unit integer, query tsquery) RETURNS tsquery
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT regexp_replace(query::text, '''((?:[^'']|'''')*)''', '''' || unit || ':\1''', 'g')::tsquery
$$
"""

UNIT_MATCHING_FUNCTION = """
CREATE FUNCTION kholuutru_unit_dossiers_matching(unit integer, query tsquery) RETURNS SETOF integer
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public ROWS 1000 AS $$
  SELECT w.dossier_id FROM dossier_words w
   WHERE kholuutru_unit_visible(unit) IS TRUE AND w.unit_id = unit
     AND kholuutru_unit_words(w.unit_id, w.words) @@ kholuutru_unit_query(unit, query)
$$
"""


def upgrade() -> None:
    op.execute(UNIT_WORDS_FUNCTION)
    op.execute(UNIT_QUERY_FUNCTION)
    op.execute("CREATE INDEX ix_dossier_words_unit_words ON dossier_words "
               "USING gin (kholuutru_unit_words(unit_id, words))")
    op.execute(UNIT_MATCHING_FUNCTION)
    op.execute("DROP INDEX ix_dossiers_unit_newest")
    op.execute(f"CREATE INDEX ix_dossiers_unit_newest ON dossiers (unit_id, id) INCLUDE ({FILTERED_COLUMNS})")
    op.execute("DROP INDEX ix_documents_unit_issuer")
    op.execute("CREATE INDEX ix_documents_unit_issuer ON documents (unit_id, issuing_organisation, dossier_id)")
    op.execute("CREATE STATISTICS st_documents_unit_issuer (mcv, dependencies) "
               "ON unit_id, issuing_organisation FROM documents")
    # The planner reads the new index's expression and the pair's statistics from here on, not at the next autovacuum.
    op.execute("ANALYZE dossier_words")
    op.execute("ANALYZE documents")


def downgrade() -> None:
    raise RuntimeError("An archive's schema is never downgraded: restore a backup instead.")
