"""Retention schedule (TT 10/2022 groups), legal holds, destruction batches and their tombstones, access requests.

The retention schedule is province-wide reference data (no row-level security) seeded with a subset of the general
schedule of TT 10/2022/TT-BNV, which the system administrator completes. Destruction batches, their items, tombstones,
access requests and access events belong to the dossier's unit and get the unit-isolation policy; tombstones refuse
UPDATE and DELETE like the audit chain, because they are the permanent trace of what was destroyed.

An access request is also visible to the person who asked for it (the transaction's ``kholuutru.actor``), and an
approved, unexpired request opens exactly its dossier, that dossier's documents and their files for reading: an
extra permissive ``FOR SELECT`` policy per table, so a grant never lets anyone write, and expiry is checked by the
database itself (``now()``), not only by the services. The grant function names its table with its schema:
pg_dump (backups) evaluates the policies with an empty ``search_path``.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from kholuutru.archive.migrations.unit_isolation import isolate_by_unit

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

UNIT_OWNED = ("destruction_batches", "destruction_items", "destruction_tombstones")

# (code, group, title, years or None for permanent): a subset of the general schedule of TT 10/2022/TT-BNV.
TT_10_2022_GROUPS: tuple[tuple[str, str, str, int | None], ...] = (
    ("1.1", "Tài liệu tổng hợp", "Kế hoạch, báo cáo công tác năm, nhiều năm", None),
    ("1.2", "Tài liệu tổng hợp", "Kế hoạch, báo cáo công tác 6 tháng, 9 tháng", 20),
    ("1.3", "Tài liệu tổng hợp", "Kế hoạch, báo cáo công tác tháng, quý", 5),
    ("1.4", "Tài liệu tổng hợp", "Hồ sơ hội nghị tổng kết công tác năm", None),
    ("1.5", "Tài liệu tổng hợp", "Hồ sơ xây dựng, ban hành Điều lệ tổ chức, Quy chế làm việc", 20),
    ("1.6", "Tài liệu tổng hợp", "Sổ đăng ký văn bản đi, văn bản đến", 20),
    ("1.7", "Tài liệu tổng hợp", "Văn bản gửi để biết, để phối hợp", 5),
    ("2.1", "Tài liệu quy hoạch, kế hoạch, thống kê", "Hồ sơ xây dựng quy hoạch, chiến lược, đề án được phê duyệt",
     None),
    ("2.2", "Tài liệu quy hoạch, kế hoạch, thống kê", "Báo cáo thống kê chuyên đề", 10),
    ("3.1", "Tài liệu tổ chức, cán bộ", "Hồ sơ về thành lập, sáp nhập, giải thể cơ quan, tổ chức", None),
    ("3.2", "Tài liệu tổ chức, cán bộ", "Hồ sơ gốc cán bộ, công chức, viên chức", 70),
    ("3.3", "Tài liệu tổ chức, cán bộ", "Hồ sơ tuyển dụng công chức, viên chức", 20),
    ("4.1", "Tài liệu lao động, tiền lương", "Hồ sơ nâng lương, nâng ngạch", 20),
    ("4.2", "Tài liệu lao động, tiền lương", "Sổ, bảng lương", 70),
    ("5.1", "Tài liệu tài chính, kế toán", "Báo cáo quyết toán ngân sách năm", None),
    ("5.2", "Tài liệu tài chính, kế toán", "Chứng từ kế toán", 10),
    ("5.3", "Tài liệu tài chính, kế toán", "Hồ sơ kiểm kê, thanh lý tài sản", 20),
    ("6.1", "Tài liệu thanh tra, giải quyết khiếu nại, tố cáo", "Hồ sơ thanh tra vụ việc nghiêm trọng", None),
    ("6.2", "Tài liệu thanh tra, giải quyết khiếu nại, tố cáo", "Hồ sơ giải quyết khiếu nại, tố cáo", 15),
    ("7.1", "Tài liệu thi đua, khen thưởng", "Hồ sơ khen thưởng cấp Nhà nước", None),
    ("7.2", "Tài liệu thi đua, khen thưởng", "Hồ sơ khen thưởng cấp cơ sở", 10),
    ("8.1", "Tài liệu hành chính, quản trị công sở", "Hồ sơ mua sắm tài sản công", 20),
    ("8.2", "Tài liệu hành chính, quản trị công sở", "Sổ theo dõi sử dụng xe, trang thiết bị", 5),
)

APPEND_ONLY_TRIGGER_FUNCTION = """
CREATE FUNCTION kholuutru_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is kept forever: % refused', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$
"""

GRANT_FUNCTION = """
CREATE FUNCTION kholuutru_dossier_granted(dossier integer) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT EXISTS (
    SELECT 1 FROM public.access_requests r
    WHERE r.dossier_id = dossier AND r.state = 'approved'
      AND r.requester_username = current_setting('kholuutru.actor', true)
      AND now() >= r.valid_from AND now() < r.valid_until
  )
$$
"""

REQUESTER_OR_UNIT = (
    "(kholuutru_unit_visible(unit_id) IS TRUE OR requester_username = current_setting('kholuutru.actor', true))"
)


def upgrade() -> None:
    op.create_table(
        "retention_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("group_name", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("permanent", sa.Boolean(), nullable=False),
        sa.Column("years", sa.SmallInteger(), nullable=True),
        sa.Column("legal_basis", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
        sa.CheckConstraint("(permanent AND years IS NULL) OR (NOT permanent AND years BETWEEN 1 AND 100)",
                           name="retention_groups_period"),
    )
    groups = sa.table("retention_groups", sa.column("code"), sa.column("group_name"), sa.column("title"),
                      sa.column("permanent"), sa.column("years"), sa.column("legal_basis"))
    op.bulk_insert(groups, [
        {"code": code, "group_name": group, "title": title, "permanent": years is None, "years": years,
         "legal_basis": "TT 10/2022/TT-BNV"}
        for code, group, title, years in TT_10_2022_GROUPS
    ])

    op.add_column("dossiers", sa.Column("legal_hold", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column("dossiers", sa.Column("legal_hold_reason", sa.Text(), nullable=True))
    op.add_column("dossiers", sa.Column("legal_hold_by", sa.String(length=128), nullable=True))
    op.add_column("dossiers", sa.Column("legal_hold_since", sa.DateTime(timezone=True), nullable=True))
    op.drop_constraint("dossiers_state", "dossiers", type_="check")
    op.create_check_constraint("dossiers_state", "dossiers",
                               "state IN ('draft', 'submitted', 'approved', 'archived', 'destroyed')")

    op.create_table(
        "destruction_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("proposed_by", sa.String(length=128), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("council_members", sa.Text(), nullable=True),
        sa.Column("council_minutes_number", sa.String(length=50), nullable=True),
        sa.Column("council_date", sa.Date(), nullable=True),
        sa.Column("council_opinion", sa.Text(), nullable=True),
        sa.Column("decision_number", sa.String(length=50), nullable=True),
        sa.Column("decision_date", sa.Date(), nullable=True),
        sa.Column("decided_by", sa.String(length=128), nullable=True),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.Column("destruction_minutes_number", sa.String(length=50), nullable=True),
        sa.Column("destroyed_by", sa.String(length=128), nullable=True),
        sa.Column("destroyed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
        sa.CheckConstraint("state IN ('proposed', 'appraised', 'approved', 'rejected', 'destroyed')",
                           name="destruction_batches_state"),
    )
    op.create_index(op.f("ix_destruction_batches_unit_id"), "destruction_batches", ["unit_id"], unique=False)
    op.create_table(
        "destruction_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["destruction_batches.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["dossier_id"], ["dossiers.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("batch_id", "dossier_id"),
    )
    op.create_index(op.f("ix_destruction_items_dossier_id"), "destruction_items", ["dossier_id"], unique=False)
    op.create_index(op.f("ix_destruction_items_unit_id"), "destruction_items", ["unit_id"], unique=False)
    op.create_table(
        "destruction_tombstones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("dossier_code", sa.String(length=30), nullable=False),
        sa.Column("metadata", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("objects", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("decision_number", sa.String(length=50), nullable=False),
        sa.Column("decision_date", sa.Date(), nullable=False),
        sa.Column("destruction_minutes_number", sa.String(length=50), nullable=False),
        sa.Column("destroyed_by", sa.String(length=128), nullable=False),
        sa.Column("destroyed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["destruction_batches.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["dossier_id"], ["dossiers.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dossier_id"),
    )
    op.create_index(op.f("ix_destruction_tombstones_unit_id"), "destruction_tombstones", ["unit_id"], unique=False)
    op.execute(APPEND_ONLY_TRIGGER_FUNCTION)
    op.execute(
        "CREATE TRIGGER destruction_tombstones_kept_forever BEFORE UPDATE OR DELETE ON destruction_tombstones "
        "FOR EACH ROW EXECUTE FUNCTION kholuutru_refuse_change()"
    )
    isolate_by_unit(UNIT_OWNED)

    op.create_table(
        "access_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("dossier_code", sa.String(length=30), nullable=False),
        sa.Column("dossier_title", sa.String(length=1000), nullable=False),
        sa.Column("requester_id", sa.Integer(), nullable=True),
        sa.Column("requester_username", sa.String(length=128), nullable=False),
        sa.Column("requester_unit_id", sa.Integer(), nullable=True),
        sa.Column("purpose", sa.String(length=1000), nullable=False),
        sa.Column("wanted_from", sa.Date(), nullable=False),
        sa.Column("wanted_until", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("decided_by", sa.String(length=128), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refusal_reason", sa.Text(), nullable=True),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["dossier_id"], ["dossiers.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["requester_unit_id"], ["units.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
        sa.CheckConstraint("state IN ('pending', 'approved', 'refused')", name="access_requests_state"),
        sa.CheckConstraint("wanted_from <= wanted_until", name="access_requests_period"),
        sa.CheckConstraint("state <> 'approved' OR (valid_from IS NOT NULL AND valid_until > valid_from)",
                           name="access_requests_validity"),
    )
    op.create_index(op.f("ix_access_requests_unit_id"), "access_requests", ["unit_id"], unique=False)
    op.create_index(op.f("ix_access_requests_dossier_id"), "access_requests", ["dossier_id"], unique=False)
    op.create_index(op.f("ix_access_requests_requester_username"), "access_requests", ["requester_username"],
                    unique=False)
    op.create_table(
        "access_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("requester_username", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("document_file_id", sa.Integer(), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["request_id"], ["access_requests.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
        sa.CheckConstraint("kind IN ('view', 'download')", name="access_events_kind"),
    )
    op.create_index(op.f("ix_access_events_request_id"), "access_events", ["request_id"], unique=False)
    op.create_index(op.f("ix_access_events_unit_id"), "access_events", ["unit_id"], unique=False)
    for table in ("access_requests", "access_events"):
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY {table}_unit_or_requester ON {table} USING {REQUESTER_OR_UNIT} "
                   f"WITH CHECK {REQUESTER_OR_UNIT}")

    op.execute(GRANT_FUNCTION)
    op.execute("CREATE POLICY dossiers_access_grant ON dossiers FOR SELECT USING (kholuutru_dossier_granted(id))")
    op.execute(
        "CREATE POLICY documents_access_grant ON documents FOR SELECT USING (kholuutru_dossier_granted(dossier_id))"
    )
    op.execute(
        "CREATE POLICY document_files_access_grant ON document_files FOR SELECT USING ("
        "kholuutru_dossier_granted((SELECT d.dossier_id FROM public.documents d WHERE d.id = document_id)))"
    )


def downgrade() -> None:
    raise RuntimeError("An archive's schema is never downgraded: restore a backup instead.")
