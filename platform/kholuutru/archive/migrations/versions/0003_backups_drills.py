"""Backup runs and restore drills: the history behind the backups page, the metrics and the staleness alerts.

Neither table is unit-owned (a backup covers the whole province), so they get no row-level security policy; the
application role's rights come from ``migrations.upgrade`` like every other table's.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "backup_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("verdict", sa.String(length=20), nullable=False),
        sa.Column("repository", sa.String(length=500), nullable=False),
        sa.Column("snapshot_id", sa.String(length=64), nullable=True),
        sa.Column("bytes_added", sa.BigInteger(), nullable=True),
        sa.Column("bytes_processed", sa.BigInteger(), nullable=True),
        sa.Column("objects", sa.Integer(), nullable=True),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("audit_head_seq", sa.BigInteger(), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("details", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.CheckConstraint("verdict IN ('succeeded', 'failed')", name="backup_runs_verdict"),
    )
    op.create_index(op.f("ix_backup_runs_finished_at"), "backup_runs", ["finished_at"], unique=False)
    op.create_table(
        "restore_drills",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("verdict", sa.String(length=20), nullable=False),
        sa.Column("repository", sa.String(length=500), nullable=False),
        sa.Column("snapshot_id", sa.String(length=64), nullable=True),
        sa.Column("checks", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("bytes_restored", sa.BigInteger(), nullable=True),
        sa.Column("rto_seconds", sa.Float(), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.CheckConstraint("verdict IN ('passed', 'failed')", name="restore_drills_verdict"),
    )
    op.create_index(op.f("ix_restore_drills_finished_at"), "restore_drills", ["finished_at"], unique=False)


def downgrade() -> None:
    raise RuntimeError("An archive's schema is never downgraded: restore a backup instead.")
