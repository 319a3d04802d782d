"""Job leases: a running job records when its worker last reported, so a job whose worker died is taken over.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("jobs", sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("jobs", sa.Column("attempts", sa.SmallInteger(), server_default="0", nullable=False))
    # A job already running has no heartbeat yet: its start is its last sign of life.
    op.execute("UPDATE jobs SET heartbeat_at = started_at, attempts = 1 WHERE state = 'running'")


def downgrade() -> None:
    raise RuntimeError("An archive's schema is never downgraded: restore a backup instead.")
