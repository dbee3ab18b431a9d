"""audit_log: the placement service's append-only, hash-chained audit trail of reads and writes of personal data

Revision ID: p0003
Revises: p0002
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "p0003"
down_revision = "p0002"
branch_labels = None
depends_on = None


# Frozen copy of what shared.audit offered when this migration was written (a migration never imports live code).
def _append_only_guard_sql(table_name: str) -> list[str]:
    """Statements that make the database refuse UPDATE, DELETE and TRUNCATE on `table_name`."""
    return [
        f"""
        CREATE FUNCTION {table_name}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
        END $$
        """,
        f"""
        CREATE TRIGGER {table_name}_no_update_delete BEFORE UPDATE OR DELETE ON {table_name}
            FOR EACH ROW EXECUTE FUNCTION {table_name}_append_only()
        """,
        f"""
        CREATE TRIGGER {table_name}_no_truncate BEFORE TRUNCATE ON {table_name}
            FOR EACH STATEMENT EXECUTE FUNCTION {table_name}_append_only()
        """,
    ]


def create_append_only_guard(op, table_name: str) -> None:
    for statement in _append_only_guard_sql(table_name):
        op.execute(statement)


def drop_append_only_guard(op, table_name: str) -> None:
    for statement in (
        f"DROP TRIGGER IF EXISTS {table_name}_no_truncate ON {table_name}",
        f"DROP TRIGGER IF EXISTS {table_name}_no_update_delete ON {table_name}",
        f"DROP FUNCTION IF EXISTS {table_name}_append_only()",
    ):
        op.execute(statement)


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("at", postgresql.TIMESTAMP(timezone=True, precision=3), nullable=False),
        sa.Column("actor_subject", sa.Text(), nullable=False),
        sa.Column("actor_kind", sa.String(10), nullable=False),
        sa.Column("actor_name", sa.Text(), nullable=False),
        sa.Column("actor_roles", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("actor_department", sa.String(40), nullable=True),
        sa.Column("actor_jurisdiction", sa.String(40), nullable=True, comment="NULL means county-wide."),
        sa.Column("operation", sa.String(100), nullable=False),
        sa.Column("resource_type", sa.String(50), nullable=False),
        sa.Column("resource_ids", postgresql.ARRAY(sa.Uuid()), nullable=False),
        sa.Column("changes", postgresql.JSONB(), nullable=True),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("request_id", sa.String(128), nullable=True),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
        sa.CheckConstraint("actor_kind IN ('user','client','system')", name="ck_audit_log_actor_kind"),
        sa.CheckConstraint(
            "outcome IN ('success','denied','not_found','invalid','error')", name="ck_audit_log_outcome"
        ),
        # One successor per row: the hash chain cannot fork.
        sa.UniqueConstraint("prev_hash", name="uq_audit_log_prev_hash"),
    )
    op.create_index("ix_audit_log_resource_ids", "audit_log", ["resource_ids"], postgresql_using="gin")
    op.create_index("ix_audit_log_actor_subject_at", "audit_log", ["actor_subject", "at"])
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    create_append_only_guard(op, "audit_log")


def downgrade() -> None:
    drop_append_only_guard(op, "audit_log")
    op.drop_index("ix_audit_log_at", table_name="audit_log")
    op.drop_index("ix_audit_log_actor_subject_at", table_name="audit_log")
    op.drop_index("ix_audit_log_resource_ids", table_name="audit_log")
    op.drop_table("audit_log")
