"""audit_log: the subsidy service's append-only, hash-chained audit trail (shared.audit), the registry's shape

One row per audited read, write or refused attempt. Rows are inserted unsealed (the database stamps their transaction
`txid` and time `at`) and the service's sealer gives them `seq`, `prev_hash` and `hash` once their transaction and
every older one have ended. `jurisdictions`: those of the employers, people and decisions a row concerns, so a
township auditor reads only their own. The guard refuses DELETE, TRUNCATE, sealed inserts and every UPDATE but the
sealer's (seq, prev_hash and hash from NULL to a value, nothing else changed).

Revision ID: s0002
Revises: s0001
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "s0002"
down_revision = "s0001"
branch_labels = None
depends_on = None


class _Xid8(sa.types.UserDefinedType):
    """PostgreSQL's 64-bit transaction id; declared here so the migration does not import application code."""

    cache_ok = True

    def get_col_spec(self, **kw):
        return "xid8"


GUARD = [
    """
    CREATE FUNCTION audit_log_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            IF NEW.seq IS NOT NULL OR NEW.prev_hash IS NOT NULL OR NEW.hash IS NOT NULL THEN
                RAISE EXCEPTION '% rows are sealed by the sealer, never inserted sealed', TG_TABLE_NAME
                    USING ERRCODE = 'insufficient_privilege';
            END IF;
            NEW.txid := pg_current_xact_id();
            NEW.at := date_trunc('milliseconds', clock_timestamp());
            RETURN NEW;
        END IF;
        IF TG_OP = 'UPDATE' THEN
            IF OLD.seq IS NULL AND OLD.prev_hash IS NULL AND OLD.hash IS NULL
                AND NEW.seq IS NOT NULL AND NEW.prev_hash IS NOT NULL AND NEW.hash IS NOT NULL
                AND to_jsonb(NEW) - '{seq,prev_hash,hash}'::text[] = to_jsonb(OLD) - '{seq,prev_hash,hash}'::text[]
            THEN
                RETURN NEW;
            END IF;
        END IF;
        RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
    END $$
    """,
    """
    CREATE TRIGGER audit_log_guard BEFORE INSERT OR UPDATE OR DELETE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION audit_log_guard()
    """,
    """
    CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
        FOR EACH STATEMENT EXECUTE FUNCTION audit_log_guard()
    """,
]
DROP_GUARD = [
    "DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log",
    "DROP TRIGGER IF EXISTS audit_log_guard ON audit_log",
    "DROP FUNCTION IF EXISTS audit_log_guard()",
]


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("txid", _Xid8(), nullable=True),
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
        sa.Column("jurisdictions", postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'"), nullable=False),
        sa.Column("changes", postgresql.JSONB(), nullable=True),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("request_id", sa.String(128), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=True),
        sa.Column("prev_hash", sa.String(64), nullable=True),
        sa.Column("hash", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
        sa.CheckConstraint("actor_kind IN ('user','client','system')", name="ck_audit_log_actor_kind"),
        sa.CheckConstraint(
            "outcome IN ('success','denied','not_found','invalid','error')", name="ck_audit_log_outcome"
        ),
        sa.CheckConstraint(
            "(seq IS NULL) = (hash IS NULL) AND (prev_hash IS NULL) = (hash IS NULL)", name="ck_audit_log_sealed"
        ),
        # One row per place in the chain, one successor per row: the chain cannot fork.
        sa.UniqueConstraint("seq", name="uq_audit_log_seq"),
        sa.UniqueConstraint("prev_hash", name="uq_audit_log_prev_hash"),
    )
    op.create_index("ix_audit_log_resource_ids", "audit_log", ["resource_ids"], postgresql_using="gin")
    op.create_index("ix_audit_log_actor_subject_at", "audit_log", ["actor_subject", "at"])
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_unsealed", "audit_log", ["txid", "id"], postgresql_where=sa.text("hash IS NULL"))
    for statement in GUARD:
        op.execute(statement)


def downgrade() -> None:
    for statement in DROP_GUARD:
        op.execute(statement)
    op.drop_table("audit_log")
