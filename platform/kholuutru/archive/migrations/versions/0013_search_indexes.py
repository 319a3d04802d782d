"""Search at province scale: a full-text index the application can use under row-level security, and two btrees.

- ``dossier_words``: PostgreSQL uses an index under row-level security only for leakproof operators, and the
  full-text match ``@@`` is not one, so ``ix_dossiers_search_vector`` was never used by the application role: every
  search tested the words on each dossier of the unit. ``dossier_words`` holds each dossier's vector (kept by
  statement triggers on ``dossiers``) under a GIN index, and ``kholuutru_dossiers_matching(query)`` — SECURITY
  DEFINER, so the index serves it — returns the ids of the matching dossiers *the caller may see*: the function
  applies the very test of the dossiers' policies (visible unit, or an approved access request) itself (invariant 1).
  The table has the unit policy too, not forced: only its owner, i.e. these functions, reads across units.
  The unused GIN index on ``dossiers`` goes.
- ``ix_dossiers_unit_newest``: a broad search (more hits than the count cap) walks its unit's dossiers newest first
  and stops at the cap, instead of collecting every hit to sort them.
- ``ix_documents_unit_issuer``: ``kholuutru_fold`` costs some 20 µs a value (``translate`` over the Vietnamese
  letters), so an issuer filter that folds every document of a large unit takes a second. The search folds each
  distinct issuer of the unit once instead; this index lists them (and the dossiers holding them) without reading
  the documents.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-26
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

SEES_DOSSIER = "(kholuutru_unit_visible({unit}) IS TRUE OR kholuutru_dossier_granted({dossier}))"

SYNC_FUNCTION = """
CREATE FUNCTION kholuutru_sync_dossier_words() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
  INSERT INTO dossier_words (dossier_id, unit_id, words)
  SELECT id, unit_id, strip(search_vector) FROM changed_dossiers
  ON CONFLICT (dossier_id) DO UPDATE SET unit_id = EXCLUDED.unit_id, words = EXCLUDED.words
    WHERE dossier_words.unit_id <> EXCLUDED.unit_id OR dossier_words.words <> EXCLUDED.words;
  RETURN NULL;
END
$$
"""

MATCHING_FUNCTION = f"""
CREATE FUNCTION kholuutru_dossiers_matching(query tsquery) RETURNS SETOF integer
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public ROWS 200 AS $$
  SELECT w.dossier_id FROM dossier_words w
   WHERE w.words @@ query AND {SEES_DOSSIER.format(unit="w.unit_id", dossier="w.dossier_id")}
$$
"""


def upgrade() -> None:
    # Both tables at once, first: an archive migrated while a writer runs waits for it instead of deadlocking.
    op.execute("LOCK TABLE dossiers, documents IN ACCESS EXCLUSIVE MODE")
    # The words without their positions and weights (``strip``): matching needs neither (ranking reads the dossier's
    # own vector), and the smaller rows put more hits on each page the index sends the search to.
    op.execute("CREATE TABLE dossier_words (dossier_id integer PRIMARY KEY REFERENCES dossiers (id) ON DELETE CASCADE, "
               "unit_id integer NOT NULL, words tsvector NOT NULL)")
    op.execute("ALTER TABLE dossier_words ENABLE ROW LEVEL SECURITY")
    op.execute("CREATE POLICY dossier_words_unit_isolation ON dossier_words "
               "USING (kholuutru_unit_visible(unit_id) IS TRUE) WITH CHECK (kholuutru_unit_visible(unit_id) IS TRUE)")
    op.execute("SELECT set_config('kholuutru.visible_units', '*', true)")  # the dossiers' policy binds this role too
    op.execute("INSERT INTO dossier_words SELECT id, unit_id, strip(search_vector) FROM dossiers ORDER BY unit_id, id")
    op.execute("CREATE INDEX ix_dossier_words_words ON dossier_words USING gin (words)")
    op.execute("DROP INDEX IF EXISTS ix_dossiers_search_vector")
    op.execute(SYNC_FUNCTION)
    for event in ("INSERT", "UPDATE"):
        op.execute(f"CREATE TRIGGER dossiers_words_{event.lower()} AFTER {event} ON dossiers "
                   "REFERENCING NEW TABLE AS changed_dossiers FOR EACH STATEMENT "
                   "EXECUTE FUNCTION kholuutru_sync_dossier_words()")
    op.execute(MATCHING_FUNCTION)
    op.execute("SELECT set_config('kholuutru.visible_units', '', true)")

    op.execute("CREATE INDEX ix_dossiers_unit_newest ON dossiers (unit_id, id)")
    op.execute("CREATE INDEX ix_documents_unit_issuer ON documents (unit_id, issuing_organisation) "
               "INCLUDE (dossier_id)")


def downgrade() -> None:
    raise RuntimeError("An archive's schema is never downgraded: restore a backup instead.")
