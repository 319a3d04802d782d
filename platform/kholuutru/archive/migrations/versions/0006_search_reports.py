"""Search at province scale: folded full text of every dossier, a vocabulary for typo tolerance, report indexes.

- ``kholuutru_fold`` folds Vietnamese diacritics (no ``unaccent`` in the embedded server), see vietnamese_folding.
- ``dossiers.search_content`` holds the text of the dossier's documents, OCR and confirmed extraction values; triggers
  on documents, digitisations and extractions keep it current, except inside the bulk ingest path
  (``kholuutru.bulk_ingest`` = on), which writes it itself in the same COPY.
- ``dossiers.search_vector`` (generated) weights title A, codes and applicant B, content C; GIN-indexed.
- ``search_terms``: every folded word once (GiST trigram index), to turn a mistyped word into the words that exist.
  It holds words, never rows, so it needs no unit isolation.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

from kholuutru.archive.dossier_models import SEARCH_VECTOR_SQL
from kholuutru.archive.vietnamese_folding import sql_function

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

BULK_OFF = "current_setting('kholuutru.bulk_ingest', true) IS DISTINCT FROM 'on'"


CONTENT_FUNCTION = """
CREATE FUNCTION kholuutru_dossier_content(dossier integer) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT left(concat_ws(' ',
    (SELECT string_agg(concat_ws(' ', d.type_name, d.number, d.symbol, d.issuing_organisation, d.summary,
                                 d.signer_name, d.keywords), ' ' ORDER BY d.order_in_dossier)
       FROM documents d WHERE d.dossier_id = dossier),
    (SELECT string_agg(g.ocr_text, ' ' ORDER BY g.id) FROM digitisations g JOIN documents d ON d.id = g.document_id
      WHERE d.dossier_id = dossier AND g.ocr_text IS NOT NULL),
    (SELECT string_agg(v.value, ' ') FROM extractions e JOIN documents d ON d.id = e.document_id,
            jsonb_each_text(e."values") v
      WHERE d.dossier_id = dossier AND e."values" IS NOT NULL)), 200000)
$$
"""

REFRESH_FUNCTION = """
CREATE FUNCTION kholuutru_refresh_dossier_content() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  changed integer[];
BEGIN
  IF TG_TABLE_NAME = 'documents' THEN
    changed := ARRAY[CASE WHEN TG_OP = 'DELETE' THEN OLD.dossier_id ELSE NEW.dossier_id END];
    IF TG_OP = 'UPDATE' AND OLD.dossier_id <> NEW.dossier_id THEN changed := changed || OLD.dossier_id; END IF;
  ELSE
    SELECT array_agg(d.dossier_id) INTO changed FROM documents d
     WHERE d.id = CASE WHEN TG_OP = 'DELETE' THEN OLD.document_id ELSE NEW.document_id END;
  END IF;
  UPDATE dossiers SET search_content = kholuutru_dossier_content(id) WHERE id = ANY(changed);
  RETURN NULL;
END
$$
"""

TERMS_FUNCTION = """
CREATE FUNCTION kholuutru_collect_search_terms() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' OR OLD.search_vector IS DISTINCT FROM NEW.search_vector THEN
    INSERT INTO search_terms (term)
    SELECT DISTINCT word FROM unnest(tsvector_to_array(NEW.search_vector)) AS word WHERE word ~ '^[a-z]{2,40}$'
    ON CONFLICT DO NOTHING;
  END IF;
  RETURN NULL;
END
$$
"""


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute(sql_function())
    op.add_column("dossiers", sa.Column("search_content", sa.Text(), nullable=True))
    op.execute(f"ALTER TABLE dossiers ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({SEARCH_VECTOR_SQL}) STORED")
    op.execute("CREATE INDEX ix_dossiers_search_vector ON dossiers USING gin (search_vector)")
    op.create_table("search_terms", sa.Column("term", sa.String(length=40), primary_key=True))
    op.execute("CREATE INDEX ix_search_terms_trigram ON search_terms USING gist (term gist_trgm_ops)")

    # Filters and reports: the columns staff filter on most, and one covering index for counts per unit and year.
    op.create_index("ix_dossiers_fonds_id", "dossiers", ["fonds_id"])
    op.create_index("ix_dossiers_procedure_code", "dossiers", ["procedure_code"])
    op.create_index("ix_dossiers_created_at", "dossiers", ["created_at"])  # a period's cohort (reports.indicators)
    op.execute("CREATE INDEX ix_dossiers_report ON dossiers (unit_id, year, state) "
               "INCLUDE (retention_permanent, retention_years, page_count, procedure_code, document_count)")
    # Document identifiers are numbered per unit and year by counting the prefix: a prefix scan, not the table.
    op.execute("CREATE INDEX ix_documents_identifier_prefix ON documents (identifier text_pattern_ops)")
    op.execute("CREATE INDEX ix_documents_number_symbol ON documents (kholuutru_fold(symbol), number)")
    op.execute("CREATE INDEX ix_documents_issuer_trigram ON documents "
               "USING gin (kholuutru_fold(issuing_organisation) gin_trgm_ops)")

    op.execute(CONTENT_FUNCTION)
    op.execute(REFRESH_FUNCTION)
    op.execute(TERMS_FUNCTION)
    for table in ("documents", "digitisations", "extractions"):
        op.execute(f"CREATE TRIGGER {table}_search_content AFTER INSERT OR UPDATE OR DELETE ON {table} "
                   f"FOR EACH ROW WHEN ({BULK_OFF}) EXECUTE FUNCTION kholuutru_refresh_dossier_content()")
    op.execute(f"CREATE TRIGGER dossiers_search_terms AFTER INSERT OR UPDATE ON dossiers "
               f"FOR EACH ROW WHEN ({BULK_OFF}) EXECUTE FUNCTION kholuutru_collect_search_terms()")
    op.execute("UPDATE dossiers SET search_content = kholuutru_dossier_content(id)")


def downgrade() -> None:
    raise RuntimeError("An archive's schema is never downgraded: restore a backup instead.")
