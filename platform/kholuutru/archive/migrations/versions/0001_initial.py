"""Initial schema: accounts (FAB layout), units, fonds, platform state, the audit chain and row-level security.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from pathlib import Path

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

GENESIS_HASH = "0" * 64

# A row is visible when the transaction's setting lists its unit, or says "*" (province-wide roles).
VISIBILITY_FUNCTION = """
CREATE FUNCTION kholuutru_unit_visible(unit integer) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT CASE coalesce(current_setting('kholuutru.visible_units', true), '')
    WHEN '*' THEN true
    WHEN '' THEN false
    ELSE unit = ANY (string_to_array(current_setting('kholuutru.visible_units', true), ',')::integer[])
  END
$$
"""

APPEND_ONLY_FUNCTION = """
CREATE FUNCTION kholuutru_audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$
"""


def _fab_tables() -> None:
    sql = (Path(__file__).parent.parent / "fab_schema.sql").read_text()
    body = "\n".join(line for line in sql.splitlines() if not line.startswith("--"))
    for statement in body.split(";"):
        if statement.strip():
            op.execute(statement)


def upgrade() -> None:
    _fab_tables()
    op.create_table(
        "units",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(13), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("level", sa.String(20), nullable=False),
        sa.Column("parent_id", sa.Integer, sa.ForeignKey("units.id", ondelete="RESTRICT"), index=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint(
            "level IN ('province', 'department', 'district', 'commune', 'public_service')", name="units_level"
        ),
    )
    op.add_column("ab_user", sa.Column("unit_id", sa.Integer, sa.ForeignKey("units.id", ondelete="RESTRICT")))
    op.add_column("ab_user", sa.Column("position", sa.String(200)))
    op.create_table(
        "fonds",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("unit_id", sa.Integer, sa.ForeignKey("units.id", ondelete="RESTRICT"), nullable=False, index=True),
        sa.Column("code", sa.String(13), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("history", sa.Text),
        sa.Column("time_span", sa.String(30)),
        sa.Column("paper_total", sa.BigInteger),
        sa.Column("paper_digitised", sa.BigInteger),
        sa.Column("key_groups", sa.String(300)),
        sa.Column("other_types", sa.String(300)),
        sa.Column("language", sa.String(100)),
        sa.Column("lookup_tools", sa.String(50)),
        sa.Column("copy_pages", sa.BigInteger),
        sa.Column("is_open", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("note", sa.String(1000)),
    )
    op.create_table(
        "platform_state",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("suspended", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("reason", sa.Text),
        sa.Column("since", sa.DateTime(timezone=True)),
        sa.Column("changed_by", sa.String(128)),
        sa.Column("incident", sa.String(64)),
        sa.CheckConstraint("id = 1", name="platform_state_single_row"),
    )
    op.execute("INSERT INTO platform_state (id, suspended) VALUES (1, false)")
    op.create_table(
        "audit_events",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer),
        sa.Column("actor_name", sa.String(128), nullable=False),
        sa.Column("unit_id", sa.Integer, index=True),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("object_type", sa.String(64), nullable=False),
        sa.Column("object_id", sa.String(64)),
        sa.Column("before_digest", sa.String(64)),
        sa.Column("after_digest", sa.String(64)),
        sa.Column("details", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False, unique=True),
    )
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.CheckConstraint("id = 1", name="audit_head_single_row"),
    )
    op.execute(f"INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '{GENESIS_HASH}')")

    op.execute(APPEND_ONLY_FUNCTION)
    op.execute(
        "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
        "FOR EACH ROW EXECUTE FUNCTION kholuutru_audit_append_only()"
    )
    op.execute(
        "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
        "FOR EACH STATEMENT EXECUTE FUNCTION kholuutru_audit_append_only()"
    )

    op.execute(VISIBILITY_FUNCTION)
    # FORCE: the policies bind the table owner too; only superusers and BYPASSRLS roles escape them.
    op.execute("ALTER TABLE fonds ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE fonds FORCE ROW LEVEL SECURITY")
    op.execute(
        "CREATE POLICY fonds_unit_isolation ON fonds USING (kholuutru_unit_visible(unit_id)) "
        "WITH CHECK (kholuutru_unit_visible(unit_id))"
    )
    op.execute("ALTER TABLE audit_events ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE audit_events FORCE ROW LEVEL SECURITY")
    op.execute(
        "CREATE POLICY audit_events_read ON audit_events FOR SELECT "
        "USING (kholuutru_unit_visible(unit_id) IS TRUE)"
    )
    op.execute("CREATE POLICY audit_events_append ON audit_events FOR INSERT WITH CHECK (true)")


def downgrade() -> None:
    raise RuntimeError("The initial schema of an archive is never downgraded.")
