"""The row-level security every unit-owned table gets (invariant 1), written once for every migration that adds one.

FORCE makes the policy bind the table's owner too; only superusers and BYPASSRLS roles escape it, and the
application role is neither.
"""

from __future__ import annotations

from collections.abc import Iterable

from alembic import op


def isolate_by_unit(tables: Iterable[str]) -> None:
    """Let a row be read or written only when the transaction's visible units include its ``unit_id``."""
    for table in tables:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY {table}_unit_isolation ON {table} USING (kholuutru_unit_visible(unit_id) IS TRUE) "
            "WITH CHECK (kholuutru_unit_visible(unit_id) IS TRUE)"
        )
