"""Incidents (regulation Đ10): incidents, their timeline, affected units and e-mail notifications; the platform's
suspension now points at the incident it came from.

Province-wide tables (no row-level security policy): an incident is the operating unit's record and names the units
it affects. The old free-text ``platform_state.incident`` is folded into the suspension reason (no incident table
existed to point at) and replaced by ``incident_id``.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("severity", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False, server_default="open"),
        sa.Column("reporter_id", sa.Integer(), sa.ForeignKey("ab_user.id", ondelete="SET NULL"), nullable=True),
        sa.Column("reporter_name", sa.String(length=128), nullable=False),
        sa.Column("reporter_contact", sa.String(length=200), nullable=True),
        sa.Column("assignee_id", sa.Integer(), sa.ForeignKey("ab_user.id", ondelete="SET NULL"), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("channel IN ('online', 'phone', 'social', 'in_person', 'email', 'other')",
                           name="incidents_channel"),
        sa.CheckConstraint("category IN ('technical', 'security', 'data')", name="incidents_category"),
        sa.CheckConstraint("severity IN ('low', 'medium', 'high', 'critical')", name="incidents_severity"),
        sa.CheckConstraint("status IN ('open', 'investigating', 'resolved')", name="incidents_status"),
        sa.CheckConstraint("status <> 'resolved' OR (resolution IS NOT NULL AND resolved_at IS NOT NULL)",
                           name="incidents_resolution"),
    )
    op.create_index("ix_incidents_status_severity", "incidents", ["status", "severity"])
    op.create_table(
        "incident_units",
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("units.id", ondelete="RESTRICT"), primary_key=True),
    )
    op.create_table(
        "incident_entries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=128), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_index("ix_incident_entries_incident_id", "incident_entries", ["incident_id"])
    op.create_table(
        "incident_notifications",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("recipients", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False, server_default="pending"),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("state IN ('pending', 'sent', 'failed')", name="incident_notifications_state"),
    )
    op.create_index("ix_incident_notifications_incident_id", "incident_notifications", ["incident_id"])
    op.execute("UPDATE platform_state SET reason = reason || ' (' || incident || ')' WHERE incident IS NOT NULL")
    op.drop_column("platform_state", "incident")
    op.add_column("platform_state", sa.Column("incident_id", sa.Integer(),
                                              sa.ForeignKey("incidents.id", ondelete="RESTRICT"), nullable=True))


def downgrade() -> None:
    raise RuntimeError("An archive's schema is never downgraded: restore a backup instead.")
