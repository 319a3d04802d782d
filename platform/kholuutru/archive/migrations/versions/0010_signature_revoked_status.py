"""Signature validation records may say ``revoked``: the signer's certificate was revoked (OCSP or CRL).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

CONSTRAINT = "signature_validations_status"


def upgrade() -> None:
    op.drop_constraint(CONSTRAINT, "signature_validations", type_="check")
    op.create_check_constraint(
        CONSTRAINT, "signature_validations",
        "status IN ('valid', 'invalid', 'untrusted', 'revoked', 'modified', 'unsigned')",
    )


def downgrade() -> None:
    op.execute("UPDATE signature_validations SET status = 'untrusted' WHERE status = 'revoked'")
    op.drop_constraint(CONSTRAINT, "signature_validations", type_="check")
    op.create_check_constraint(
        CONSTRAINT, "signature_validations",
        "status IN ('valid', 'invalid', 'untrusted', 'modified', 'unsigned')",
    )
