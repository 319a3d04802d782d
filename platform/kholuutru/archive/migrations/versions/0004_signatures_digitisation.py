"""Signature validation records, the job queue, digitisations (scans OCR'd into searchable PDF/A), extraction
templates and extracted values, and the result-code counters.

Every unit-owned table gets the same row-level security policy as the dossier tables (invariant 1); the result-code
counters are province-wide (one per code prefix) and get none.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from kholuutru.archive.migrations.unit_isolation import isolate_by_unit

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

UNIT_OWNED = ("signature_validations", "jobs", "digitisations", "extraction_templates", "extractions")


def upgrade() -> None:
    op.create_table(
        "signature_validations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_file_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("field_name", sa.String(length=100), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("signer", sa.String(length=300), nullable=True),
        sa.Column("signing_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("timestamped", sa.Boolean(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["document_file_id"], ["document_files.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
        sa.CheckConstraint("kind IN ('personal', 'organisation', 'other', 'none')", name="signature_validations_kind"),
        sa.CheckConstraint("status IN ('valid', 'invalid', 'untrusted', 'modified', 'unsigned')",
                           name="signature_validations_status"),
    )
    op.create_index(op.f("ix_signature_validations_document_file_id"), "signature_validations", ["document_file_id"],
                    unique=False)
    op.create_index(op.f("ix_signature_validations_unit_id"), "signature_validations", ["unit_id"], unique=False)

    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=50), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("progress", sa.SmallInteger(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("requested_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
        sa.CheckConstraint("state IN ('queued', 'running', 'succeeded', 'failed')", name="jobs_state"),
        sa.CheckConstraint("progress BETWEEN 0 AND 100", name="jobs_progress"),
    )
    op.create_index(op.f("ix_jobs_unit_id"), "jobs", ["unit_id"], unique=False)
    op.create_index(op.f("ix_jobs_state"), "jobs", ["state"], unique=False)
    op.create_table(
        "digitisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("source_file_id", sa.Integer(), nullable=False),
        sa.Column("result_file_id", sa.Integer(), nullable=True),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("findings", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("page_count", sa.Integer(), nullable=True),
        sa.Column("ocr_text", sa.Text(), nullable=True),
        sa.Column("requested_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["source_file_id"], ["document_files.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["result_file_id"], ["document_files.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
        sa.CheckConstraint("state IN ('queued', 'running', 'succeeded', 'failed')", name="digitisations_state"),
    )
    op.create_index(op.f("ix_digitisations_unit_id"), "digitisations", ["unit_id"], unique=False)
    op.create_index(op.f("ix_digitisations_document_id"), "digitisations", ["document_id"], unique=False)
    # Full-text search over the OCR text ('simple': Vietnamese syllables are kept as they are, no stemming).
    op.execute("CREATE INDEX ix_digitisations_ocr_text ON digitisations "
               "USING gin (to_tsvector('simple', coalesce(ocr_text, '')))")

    op.create_table(
        "extraction_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("procedure_code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("fields", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("unit_id", "procedure_code"),
    )
    op.create_index(op.f("ix_extraction_templates_unit_id"), "extraction_templates", ["unit_id"], unique=False)
    op.create_table(
        "extractions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("digitisation_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("proposed", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("values", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("result_code", sa.String(length=30), nullable=True),
        sa.Column("proposed_by", sa.String(length=128), nullable=False),
        sa.Column("confirmed_by", sa.String(length=128), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["template_id"], ["extraction_templates.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["digitisation_id"], ["digitisations.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("result_code"),
        sa.CheckConstraint("state IN ('proposed', 'confirmed')", name="extractions_state"),
    )
    op.create_index(op.f("ix_extractions_unit_id"), "extractions", ["unit_id"], unique=False)
    op.create_index(op.f("ix_extractions_document_id"), "extractions", ["document_id"], unique=False)
    op.create_index(op.f("ix_extractions_template_id"), "extractions", ["template_id"], unique=False)
    op.execute("CREATE INDEX ix_extractions_values ON extractions USING gin (\"values\" jsonb_path_ops)")
    op.create_table(
        "result_code_counters",
        sa.Column("prefix", sa.String(length=30), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("prefix"),
    )

    isolate_by_unit(UNIT_OWNED)


def downgrade() -> None:
    raise RuntimeError("An archive's schema is never downgraded: restore a backup instead.")
