"""Catalogue (annual dossier lists, warehouses, shelves, boxes), dossiers, documents and their files.

Every new table is unit-owned and gets the same row-level security policy as fonds (invariant 1).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from kholuutru.archive.migrations.unit_isolation import isolate_by_unit

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

UNIT_OWNED = (
    "dossier_lists",
    "list_headings",
    "list_entries",
    "warehouses",
    "shelves",
    "boxes",
    "dossiers",
    "issued_codes",
    "dossier_corrections",
    "documents",
    "document_files",
)


def upgrade() -> None:
    op.create_table(
        "dossier_lists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("unit_id", "year"),
    )
    op.create_index(op.f("ix_dossier_lists_unit_id"), "dossier_lists", ["unit_id"], unique=False)
    op.create_table(
        "issued_codes",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_index(op.f("ix_issued_codes_unit_id"), "issued_codes", ["unit_id"], unique=False)
    op.create_table(
        "warehouses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("unit_id", "code"),
    )
    op.create_index(op.f("ix_warehouses_unit_id"), "warehouses", ["unit_id"], unique=False)
    op.create_table(
        "list_headings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("label", sa.String(length=10), nullable=False),
        sa.Column("abbreviation", sa.String(length=10), nullable=True),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["list_id"], ["dossier_lists.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["parent_id"], ["list_headings.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_list_headings_list_id"), "list_headings", ["list_id"], unique=False)
    op.create_index(op.f("ix_list_headings_unit_id"), "list_headings", ["unit_id"], unique=False)
    op.create_table(
        "shelves",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["warehouse_id"], ["warehouses.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("warehouse_id", "code"),
    )
    op.create_index(op.f("ix_shelves_unit_id"), "shelves", ["unit_id"], unique=False)
    op.create_index(op.f("ix_shelves_warehouse_id"), "shelves", ["warehouse_id"], unique=False)
    op.create_table(
        "boxes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("shelf_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(["shelf_id"], ["shelves.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("shelf_id", "code"),
    )
    op.create_index(op.f("ix_boxes_shelf_id"), "boxes", ["shelf_id"], unique=False)
    op.create_index(op.f("ix_boxes_unit_id"), "boxes", ["unit_id"], unique=False)
    op.create_table(
        "list_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("heading_id", sa.Integer(), nullable=True),
        sa.Column("number_symbol", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=1000), nullable=False),
        sa.Column("retention_permanent", sa.Boolean(), nullable=False),
        sa.Column("retention_years", sa.SmallInteger(), nullable=True),
        sa.Column("responsible_unit", sa.String(length=200), nullable=True),
        sa.Column("responsible_person", sa.String(length=100), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["heading_id"], ["list_headings.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["list_id"], ["dossier_lists.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("list_id", "number_symbol"),
    )
    op.create_index(op.f("ix_list_entries_list_id"), "list_entries", ["list_id"], unique=False)
    op.create_index(op.f("ix_list_entries_unit_id"), "list_entries", ["unit_id"], unique=False)
    op.create_table(
        "dossiers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("fonds_id", sa.Integer(), nullable=True),
        sa.Column("list_entry_id", sa.Integer(), nullable=True),
        sa.Column("box_id", sa.Integer(), nullable=True),
        sa.Column("profile", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("code", sa.String(length=30), nullable=False),
        sa.Column("office_code", sa.String(length=40), nullable=False),
        sa.Column("unit_identifier", sa.String(length=13), nullable=False),
        sa.Column("fonds_code", sa.String(length=13), nullable=True),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("number_symbol", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=1000), nullable=False),
        sa.Column("retention_permanent", sa.Boolean(), nullable=False),
        sa.Column("retention_years", sa.SmallInteger(), nullable=True),
        sa.Column("access_level", sa.String(length=30), nullable=True),
        sa.Column("creator", sa.String(length=100), nullable=True),
        sa.Column("language", sa.String(length=50), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("document_count", sa.Integer(), nullable=True),
        sa.Column("page_count", sa.Integer(), nullable=True),
        sa.Column("sheet_count", sa.Integer(), nullable=True),
        sa.Column("information_symbol", sa.String(length=30), nullable=True),
        sa.Column("keywords", sa.String(length=100), nullable=True),
        sa.Column("physical_state", sa.String(length=50), nullable=True),
        sa.Column("reliability", sa.String(length=20), nullable=True),
        sa.Column("paper_original_code", sa.String(length=30), nullable=True),
        sa.Column("backup_copy_status", sa.String(length=30), nullable=True),
        sa.Column("note", sa.String(length=2000), nullable=True),
        sa.Column("procedure_code", sa.String(length=20), nullable=True),
        sa.Column("procedure_dossier_code", sa.String(length=40), nullable=True),
        sa.Column("applicant", sa.String(length=200), nullable=True),
        sa.Column("received_on", sa.Date(), nullable=True),
        sa.Column("returned_on", sa.Date(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("return_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["box_id"], ["boxes.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["fonds_id"], ["fonds.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["list_entry_id"], ["list_entries.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
        sa.UniqueConstraint("office_code"),
        sa.UniqueConstraint("procedure_dossier_code"),
    )
    op.create_index(op.f("ix_dossiers_box_id"), "dossiers", ["box_id"], unique=False)
    op.create_index(op.f("ix_dossiers_state"), "dossiers", ["state"], unique=False)
    op.create_index(op.f("ix_dossiers_unit_id"), "dossiers", ["unit_id"], unique=False)
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("identifier", sa.String(length=25), nullable=False),
        sa.Column("order_in_dossier", sa.SmallInteger(), nullable=False),
        sa.Column("type_name", sa.String(length=100), nullable=True),
        sa.Column("number", sa.String(length=11), nullable=True),
        sa.Column("symbol", sa.String(length=30), nullable=True),
        sa.Column("issued_on", sa.Date(), nullable=True),
        sa.Column("issuing_organisation", sa.String(length=200), nullable=True),
        sa.Column("summary", sa.String(length=500), nullable=True),
        sa.Column("language", sa.String(length=50), nullable=True),
        sa.Column("page_count", sa.SmallInteger(), nullable=True),
        sa.Column("signer_name", sa.String(length=50), nullable=True),
        sa.Column("signer_position", sa.String(length=100), nullable=True),
        sa.Column("information_symbol", sa.String(length=30), nullable=True),
        sa.Column("keywords", sa.String(length=100), nullable=True),
        sa.Column("usage_mode", sa.String(length=30), nullable=True),
        sa.Column("reliability", sa.String(length=30), nullable=True),
        sa.Column("annotations", sa.String(length=2000), nullable=True),
        sa.Column("physical_state", sa.String(length=50), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["dossier_id"], ["dossiers.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dossier_id", "order_in_dossier"),
        sa.UniqueConstraint("identifier"),
    )
    op.create_index(op.f("ix_documents_dossier_id"), "documents", ["dossier_id"], unique=False)
    op.create_index(op.f("ix_documents_unit_id"), "documents", ["unit_id"], unique=False)
    op.create_table(
        "dossier_corrections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("corrected_by_id", sa.Integer(), nullable=True),
        sa.Column("corrected_by", sa.String(length=128), nullable=False),
        sa.Column("corrected_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("changes", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.ForeignKeyConstraint(["dossier_id"], ["dossiers.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_dossier_corrections_dossier_id"), "dossier_corrections", ["dossier_id"], unique=False)
    op.create_index(op.f("ix_dossier_corrections_unit_id"), "dossier_corrections", ["unit_id"], unique=False)
    op.create_table(
        "document_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.SmallInteger(), nullable=False),
        sa.Column("object_key", sa.String(length=100), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("document_id", "version"),
    )
    op.create_index(op.f("ix_document_files_document_id"), "document_files", ["document_id"], unique=False)
    op.create_index(op.f("ix_document_files_object_key"), "document_files", ["object_key"], unique=False)
    op.create_index(op.f("ix_document_files_unit_id"), "document_files", ["unit_id"], unique=False)
    op.create_check_constraint("dossiers_state", "dossiers", "state IN ('draft', 'submitted', 'approved', 'archived')")
    for table in ("dossiers", "list_entries"):
        op.create_check_constraint(
            f"{table}_retention",
            table,
            "(retention_permanent AND retention_years IS NULL) OR "
            "(NOT retention_permanent AND retention_years BETWEEN 1 AND 100)",
        )
    op.create_check_constraint("boxes_capacity", "boxes", "capacity > 0")
    isolate_by_unit(UNIT_OWNED)


def downgrade() -> None:
    raise RuntimeError("An archive's schema is never downgraded: restore a backup instead.")
