"""Backup and drill operations while they run: step and progress for the console, whichever process does the work.

Province-wide like the backup history (no row-level security policy); the application role's rights come from
``migrations.upgrade``.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "backup_operations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("step", sa.Text(), nullable=True),
        sa.Column("progress", sa.SmallInteger(), nullable=False),
        sa.Column("requested_by", sa.String(length=128), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("result", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.CheckConstraint("kind IN ('backup', 'drill')", name="backup_operations_kind"),
        sa.CheckConstraint("state IN ('running', 'succeeded', 'failed', 'interrupted')",
                           name="backup_operations_state"),
        sa.CheckConstraint("progress BETWEEN 0 AND 100", name="backup_operations_progress"),
    )
    op.create_index(op.f("ix_backup_operations_started_at"), "backup_operations", ["started_at"], unique=False)


def downgrade() -> None:
    raise RuntimeError("An archive's schema is never downgraded: restore a backup instead.")
