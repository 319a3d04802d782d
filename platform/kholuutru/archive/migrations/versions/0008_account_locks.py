"""Account locks and retirements with the request behind each (regulation Đ11.3–4).

Unit-owned (row-level security by ``unit_id``); the application role's rights come from ``migrations.upgrade``.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

from kholuutru.archive.migrations.unit_isolation import isolate_by_unit

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "account_locks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("ab_user.id", ondelete="RESTRICT"), nullable=False),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("units.id", ondelete="RESTRICT"), nullable=True),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("document_number", sa.String(length=50), nullable=False),
        sa.Column("document_date", sa.Date(), nullable=False),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.Column("locked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_by", sa.String(length=128), nullable=False),
        sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lifted_by", sa.String(length=128), nullable=True),
        sa.Column("lift_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.CheckConstraint("kind IN ('lock', 'retire')", name="account_locks_kind"),
        sa.CheckConstraint("kind = 'lock' OR lifted_at IS NULL", name="account_locks_retirement_final"),
    )
    op.create_index(op.f("ix_account_locks_account_id"), "account_locks", ["account_id"], unique=False)
    op.create_index(op.f("ix_account_locks_unit_id"), "account_locks", ["unit_id"], unique=False)
    # At most one open lock or retirement per account.
    op.create_index("account_locks_one_open", "account_locks", ["account_id"], unique=True,
                    postgresql_where=sa.text("lifted_at IS NULL"))
    isolate_by_unit(["account_locks"])


def downgrade() -> None:
    raise RuntimeError("An archive's schema is never downgraded: restore a backup instead.")
