"""LGSP synchronisation: the procedure catalogue, links from LGSP records to accounts and dossiers, the cursor of each
feed, the record of each run and the review queue.

The dossier links and the review queue belong to a unit and get the unit-isolation policy (invariant 1); the
catalogue, cursors, runs and account links are province-wide.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from kholuutru.archive.migrations.unit_isolation import isolate_by_unit

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

UNIT_OWNED = ("lgsp_dossiers", "sync_reviews")
FEED_CHECK = "feed IN ('users', 'procedures', 'dossiers')"


def _now() -> sa.TextClause:
    return sa.text("now()")


def upgrade() -> None:
    op.create_table(
        "procedures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=1000), nullable=False),
        sa.Column("field", sa.String(length=300), nullable=True),
        sa.Column("agency", sa.String(length=300), nullable=True),
        sa.Column("components", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("results", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=True),
        sa.Column("payload_digest", sa.String(length=64), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("external_id"),
    )
    op.create_index(op.f("ix_procedures_code"), "procedures", ["code"], unique=False)
    op.create_table(
        "lgsp_accounts",
        sa.Column("external_id", sa.String(length=100), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("payload_digest", sa.String(length=64), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["ab_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("external_id"),
        sa.UniqueConstraint("account_id"),
    )
    op.create_table(
        "lgsp_dossiers",
        sa.Column("external_id", sa.String(length=40), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("payload_digest", sa.String(length=64), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.ForeignKeyConstraint(["dossier_id"], ["dossiers.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("external_id"),
        sa.UniqueConstraint("dossier_id"),
    )
    op.create_index(op.f("ix_lgsp_dossiers_unit_id"), "lgsp_dossiers", ["unit_id"], unique=False)
    op.create_table(
        "sync_cursors",
        sa.Column("feed", sa.String(length=20), nullable=False),
        sa.Column("cursor", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.PrimaryKeyConstraint("feed"),
        sa.CheckConstraint(FEED_CHECK, name="sync_cursors_feed"),
    )
    op.create_table(
        "sync_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("feed", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("requested_by", sa.String(length=128), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        *(sa.Column(name, sa.Integer(), nullable=False)
          for name in ("fetched", "created", "updated", "unchanged", "rejected", "pages")),
        sa.Column("cursor_before", sa.Text(), nullable=True),
        sa.Column("cursor_after", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.CheckConstraint(FEED_CHECK, name="sync_runs_feed"),
        sa.CheckConstraint("state IN ('running', 'succeeded', 'failed')", name="sync_runs_state"),
    )
    op.create_index(op.f("ix_sync_runs_feed"), "sync_runs", ["feed"], unique=False)
    op.create_index(op.f("ix_sync_runs_started_at"), "sync_runs", ["started_at"], unique=False)
    op.create_table(
        "sync_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("feed", sa.String(length=20), nullable=False),
        sa.Column("record_key", sa.String(length=100), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("payload_digest", sa.String(length=64), nullable=False),
        sa.Column("reasons", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(length=128), nullable=True),
        sa.Column("resolution", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("feed", "record_key"),
        sa.CheckConstraint(FEED_CHECK, name="sync_reviews_feed"),
        sa.CheckConstraint("resolution IS NULL OR resolution IN ('dismissed', 'applied')",
                           name="sync_reviews_resolution"),
    )
    op.create_index(op.f("ix_sync_reviews_feed"), "sync_reviews", ["feed"], unique=False)
    op.create_index(op.f("ix_sync_reviews_unit_id"), "sync_reviews", ["unit_id"], unique=False)
    isolate_by_unit(UNIT_OWNED)


def downgrade() -> None:
    raise RuntimeError("An archive's schema is never downgraded: restore a backup instead.")
