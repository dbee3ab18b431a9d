"""bulk import jobs (CSV/XLSX) of employers and placements, with their rows' outcomes

Revision ID: p0007
Revises: p0006
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "p0007"
down_revision = "p0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "import_job",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False, comment="What is imported: employer or placement."),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("file_sha256", sa.String(64), nullable=False),
        sa.Column("owner_subject", sa.Text(), nullable=False),
        sa.Column("owner_kind", sa.String(10), nullable=False),
        sa.Column("owner_name", sa.Text(), nullable=False),
        sa.Column("owner_roles", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("owner_department", sa.String(40), nullable=True),
        sa.Column("owner_jurisdiction", sa.String(40), nullable=True, comment="NULL means county-wide."),
        sa.Column("request_id", sa.String(128), nullable=True),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("processed", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created", sa.Integer(), server_default="0", nullable=False),
        sa.Column("skipped", sa.Integer(), server_default="0", nullable=False),
        sa.Column("failed", sa.Integer(), server_default="0", nullable=False),
        sa.Column("error", sa.Text(), nullable=True, comment="Why the job as a whole failed or stopped."),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_import_job"),
        sa.CheckConstraint(
            "status IN ('queued','running','succeeded','failed','interrupted')", name="ck_import_job_status"
        ),
        sa.CheckConstraint("processed <= total AND created + skipped + failed <= total", name="ck_import_job_counts"),
    )
    op.create_index(
        "ix_import_job_kind_owner",
        "import_job",
        ["kind", "owner_department", "owner_jurisdiction", "created_at"],
    )
    op.create_index(
        "ix_import_job_status",
        "import_job",
        ["status"],
        postgresql_where=sa.text("status IN ('queued', 'running')"),
    )
    op.create_table(
        "import_issue",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(10), nullable=False),
        sa.Column(
            "column_name",
            sa.String(100),
            nullable=True,
            comment="The heading of the offending column; NULL: the whole row.",
        ),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_import_issue"),
        sa.ForeignKeyConstraint(
            ["job_id"], ["import_job.id"], name="fk_import_issue_job_id_import_job", ondelete="CASCADE"
        ),
        sa.CheckConstraint("outcome IN ('failed','skipped')", name="ck_import_issue_outcome"),
    )
    op.create_index("ix_import_issue_job_id", "import_issue", ["job_id", "outcome", "line", "id"])


def downgrade() -> None:
    op.drop_index("ix_import_issue_job_id", table_name="import_issue")
    op.drop_table("import_issue")
    op.drop_index("ix_import_job_status", table_name="import_job")
    op.drop_index("ix_import_job_kind_owner", table_name="import_job")
    op.drop_table("import_job")
