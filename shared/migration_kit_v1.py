"""FROZEN, version 1: the building blocks the migrations written up to 2026-12-07 share, exactly as they were written.

A migration must keep doing what it did when it was written, so this module must never change either:
tests/deploy/test_migrations_static.py pins its sha256. Never edit it. A block that has to change, or a new one,
goes into a new module (migration_kit_v2.py) that only the migrations written after it import. Like a migration,
it imports only alembic, SQLAlchemy and the standard library, never live application code.

Each block is the frozen copy of what its migrations held inline before (the schema they build is the same, byte for
byte in pg_dump): the append-only guard, the first and the sealed audit_log, sealing an audit_log of the first
shape, the outbox, import jobs, webhook subscriptions, idempotency keys and the usual timestamp columns.
"""

from collections.abc import Iterable

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql


class Xid8(sa.types.UserDefinedType):
    """PostgreSQL's 64-bit transaction id; declared here so the migration does not import application code."""

    cache_ok = True

    def get_col_spec(self, **kw):
        return "xid8"


def execute_all(statements: Iterable[str]) -> None:
    for statement in statements:
        op.execute(statement)


def timestamps() -> list[sa.Column]:
    """created_at and updated_at, both set by the database when a row is inserted."""
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    ]


def person_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=f"fk_{table}_person_id_person")


# --- The append-only guard (what shared.audit offered on 2026-11-29) ---


def append_only_guard_sql(table_name: str) -> list[str]:
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


def drop_append_only_guard_sql(table_name: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {table_name}_no_truncate ON {table_name}",
        f"DROP TRIGGER IF EXISTS {table_name}_no_update_delete ON {table_name}",
        f"DROP FUNCTION IF EXISTS {table_name}_append_only()",
    ]


def create_append_only_guard(table_name: str) -> None:
    execute_all(append_only_guard_sql(table_name))


def drop_append_only_guard(table_name: str) -> None:
    execute_all(drop_append_only_guard_sql(table_name))


# --- audit_log, first shape (chained under a lock; p0003, r0003) ---


def _audit_who_and_what() -> list[sa.Column]:
    """The columns both shapes of audit_log hold between `at` and `changes`: who did what to which resources."""
    return [
        sa.Column("actor_subject", sa.Text(), nullable=False),
        sa.Column("actor_kind", sa.String(10), nullable=False),
        sa.Column("actor_name", sa.Text(), nullable=False),
        sa.Column("actor_roles", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("actor_department", sa.String(40), nullable=True),
        sa.Column("actor_jurisdiction", sa.String(40), nullable=True, comment="NULL means county-wide."),
        sa.Column("operation", sa.String(100), nullable=False),
        sa.Column("resource_type", sa.String(50), nullable=False),
        sa.Column("resource_ids", postgresql.ARRAY(sa.Uuid()), nullable=False),
    ]


def _audit_key_and_checks() -> list[sa.Constraint]:
    return [
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
        sa.CheckConstraint("actor_kind IN ('user','client','system')", name="ck_audit_log_actor_kind"),
        sa.CheckConstraint(
            "outcome IN ('success','denied','not_found','invalid','error')", name="ck_audit_log_outcome"
        ),
    ]


def _create_audit_indexes() -> None:
    op.create_index("ix_audit_log_resource_ids", "audit_log", ["resource_ids"], postgresql_using="gin")
    op.create_index("ix_audit_log_actor_subject_at", "audit_log", ["actor_subject", "at"])
    op.create_index("ix_audit_log_at", "audit_log", ["at"])


def create_audit_log_v1() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("at", postgresql.TIMESTAMP(timezone=True, precision=3), nullable=False),
        *_audit_who_and_what(),
        sa.Column("changes", postgresql.JSONB(), nullable=True),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("request_id", sa.String(128), nullable=True),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        *_audit_key_and_checks(),
        # One successor per row: the hash chain cannot fork.
        sa.UniqueConstraint("prev_hash", name="uq_audit_log_prev_hash"),
    )
    _create_audit_indexes()
    create_append_only_guard("audit_log")


def drop_audit_log_v1() -> None:
    drop_append_only_guard("audit_log")
    op.drop_index("ix_audit_log_at", table_name="audit_log")
    op.drop_index("ix_audit_log_actor_subject_at", table_name="audit_log")
    op.drop_index("ix_audit_log_resource_ids", table_name="audit_log")
    op.drop_table("audit_log")


# --- audit_log, sealed shape (sealed in the background, scoped to jurisdictions; p0009, r0010, s0002) ---

SEALED_AUDIT_GUARD = [
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
DROP_SEALED_AUDIT_GUARD = [
    "DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log",
    "DROP TRIGGER IF EXISTS audit_log_guard ON audit_log",
    "DROP FUNCTION IF EXISTS audit_log_guard()",
]
# The first shape's guard as the sealing migrations restore it on downgrade (their own copy, written at this indent).
AUDIT_LOG_V1_GUARD_RESTORED = [
    """
    CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
    END $$
    """,
    """
    CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()
    """,
    """
    CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
        FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()
    """,
]


def seal_audit_log_v1(jurisdictions_of_resources: str) -> None:
    """Turn an audit_log of the first shape into the sealed one. `jurisdictions_of_resources`: a SELECT (UNION) of
    the jurisdiction codes of what `l.resource_ids` names, to fill the existing rows' jurisdictions."""
    execute_all(drop_append_only_guard_sql("audit_log"))
    op.add_column("audit_log", sa.Column("txid", Xid8(), nullable=True))
    op.add_column(
        "audit_log",
        sa.Column("jurisdictions", postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'"), nullable=False),
    )
    op.add_column("audit_log", sa.Column("seq", sa.BigInteger(), nullable=True))
    op.alter_column("audit_log", "prev_hash", existing_type=sa.String(64), nullable=True)
    op.alter_column("audit_log", "hash", existing_type=sa.String(64), nullable=True)
    op.execute(
        "UPDATE audit_log AS a SET seq = n.seq "
        "FROM (SELECT id, row_number() OVER (ORDER BY id) AS seq FROM audit_log) AS n WHERE a.id = n.id"
    )
    op.execute(
        f"""
        UPDATE audit_log AS a SET jurisdictions = found.codes
        FROM (
            SELECT l.id, array_agg(DISTINCT c.code ORDER BY c.code) AS codes
            FROM audit_log AS l
            JOIN LATERAL (
                {jurisdictions_of_resources}
            ) AS c(code) ON true
            GROUP BY l.id
        ) AS found
        WHERE a.id = found.id
        """  # noqa: S608 (the SELECT is the calling migration's own constant text)
    )
    op.create_unique_constraint("uq_audit_log_seq", "audit_log", ["seq"])
    op.create_check_constraint(
        "ck_audit_log_sealed",
        "audit_log",
        "(seq IS NULL) = (hash IS NULL) AND (prev_hash IS NULL) = (hash IS NULL)",
    )
    op.create_index("ix_audit_log_unsealed", "audit_log", ["txid", "id"], postgresql_where=sa.text("hash IS NULL"))
    execute_all(SEALED_AUDIT_GUARD)


def unseal_audit_log_v1(unsealed_rows_message: str) -> None:
    """Back to the first shape; refuses with `unsealed_rows_message` (no quotes in it) while rows are unsealed."""
    op.execute(
        f"""
        DO $$
        BEGIN
            IF EXISTS (SELECT 1 FROM audit_log WHERE hash IS NULL) THEN
                RAISE EXCEPTION '{unsealed_rows_message}';
            END IF;
        END $$
        """  # noqa: S608 (the message is the calling migration's own constant text)
    )
    execute_all(DROP_SEALED_AUDIT_GUARD)
    op.drop_index("ix_audit_log_unsealed", table_name="audit_log")
    op.drop_constraint("ck_audit_log_sealed", "audit_log", type_="check")
    op.drop_constraint("uq_audit_log_seq", "audit_log", type_="unique")
    op.alter_column("audit_log", "hash", existing_type=sa.String(64), nullable=False)
    op.alter_column("audit_log", "prev_hash", existing_type=sa.String(64), nullable=False)
    op.drop_column("audit_log", "seq")
    op.drop_column("audit_log", "jurisdictions")
    op.drop_column("audit_log", "txid")
    execute_all(AUDIT_LOG_V1_GUARD_RESTORED)


def create_sealed_audit_log() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("txid", Xid8(), nullable=True),
        sa.Column("at", postgresql.TIMESTAMP(timezone=True, precision=3), nullable=False),
        *_audit_who_and_what(),
        sa.Column("jurisdictions", postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'"), nullable=False),
        sa.Column("changes", postgresql.JSONB(), nullable=True),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("request_id", sa.String(128), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=True),
        sa.Column("prev_hash", sa.String(64), nullable=True),
        sa.Column("hash", sa.String(64), nullable=True),
        *_audit_key_and_checks(),
        sa.CheckConstraint(
            "(seq IS NULL) = (hash IS NULL) AND (prev_hash IS NULL) = (hash IS NULL)", name="ck_audit_log_sealed"
        ),
        # One row per place in the chain, one successor per row: the chain cannot fork.
        sa.UniqueConstraint("seq", name="uq_audit_log_seq"),
        sa.UniqueConstraint("prev_hash", name="uq_audit_log_prev_hash"),
    )
    _create_audit_indexes()
    op.create_index("ix_audit_log_unsealed", "audit_log", ["txid", "id"], postgresql_where=sa.text("hash IS NULL"))
    execute_all(SEALED_AUDIT_GUARD)


def drop_sealed_audit_log() -> None:
    execute_all(DROP_SEALED_AUDIT_GUARD)
    op.drop_table("audit_log")


# --- outbox_event (shared.outbox's feed; p0002, r0006, s0004) ---


def create_outbox() -> None:
    op.create_table(
        "outbox_event",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("txid", Xid8(), server_default=sa.text("pg_current_xact_id()"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("kind", sa.String(100), nullable=False),
        sa.Column("aggregate_type", sa.String(60), nullable=False),
        sa.Column("aggregate_id", sa.Uuid(), nullable=False),
        sa.Column("data", postgresql.JSONB(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_outbox_event"),
    )
    op.create_index("ix_outbox_event_txid_id", "outbox_event", ["txid", "id"])


def drop_outbox() -> None:
    op.drop_index("ix_outbox_event_txid_id", table_name="outbox_event")
    op.drop_table("outbox_event")


# --- idempotency_key (the remembered answers of idempotent creates; p0001, r0002, s0001, t0003) ---


def create_idempotency_keys() -> None:
    op.create_table(
        "idempotency_key",
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("operation", sa.String(200), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("response_body", postgresql.JSONB(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("subject", "key", name="pk_idempotency_key"),
    )
    op.create_index("ix_idempotency_key_created_at", "idempotency_key", ["created_at"])


def drop_idempotency_keys() -> None:
    op.drop_index("ix_idempotency_key_created_at", table_name="idempotency_key")
    op.drop_table("idempotency_key")


# --- import_job and import_issue (bulk CSV/XLSX imports; p0007, r0008) ---


def create_import_jobs(kind_comment: str) -> None:
    op.create_table(
        "import_job",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False, comment=kind_comment),
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


def drop_import_jobs() -> None:
    op.drop_index("ix_import_issue_job_id", table_name="import_issue")
    op.drop_table("import_issue")
    op.drop_index("ix_import_job_status", table_name="import_job")
    op.drop_index("ix_import_job_kind_owner", table_name="import_job")
    op.drop_table("import_job")


# --- webhook_subscription and webhook_delivery (shared.webhooks; p0011, r0012, s0005) ---


def create_webhooks() -> None:
    op.create_table(
        "webhook_subscription",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("department", sa.String(40), nullable=False),
        sa.Column("jurisdiction", sa.String(40), nullable=True),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("kinds", postgresql.ARRAY(sa.String(100)), nullable=False),
        sa.Column("secret_ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("position", sa.String(512), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(200), nullable=True),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_subscription"),
    )
    op.create_table(
        "webhook_delivery",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("subscription_id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("event_kind", sa.String(100), nullable=False),
        sa.Column("event_position", sa.String(512), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(200), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["webhook_subscription.id"],
            name="fk_webhook_delivery_subscription_id_webhook_subscription",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_delivery"),
    )
    op.create_index("ix_webhook_delivery_subscription_id_id", "webhook_delivery", ["subscription_id", "id"])


def drop_webhooks() -> None:
    op.drop_index("ix_webhook_delivery_subscription_id_id", table_name="webhook_delivery")
    op.drop_table("webhook_delivery")
    op.drop_table("webhook_subscription")
