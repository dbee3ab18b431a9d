"""audit trail sealed in the background and scoped to the jurisdictions of the people it concerns

Requests no longer chain their audit rows under a lock: a row is inserted unsealed (the database stamps its
transaction `txid` and its time `at`), and the service's sealer gives it `seq`, `prev_hash` and `hash` once its
transaction and every older one have ended. `jurisdictions` holds the jurisdictions of the people a row concerns (where
this service holds records of them), so a township auditor reads only their own.

The append-only guard is replaced by one that also lets the sealer set seq, prev_hash and hash exactly once (NULL to
a value, nothing else changed), refuses inserts that come sealed, and stamps txid and at itself.

Existing rows: they were chained in id order under the old lock, so they keep prev_hash and hash and get seq 1..n in
id order; txid stays NULL, which tells the sealer and the verifier they were hashed without id, seq and
jurisdictions. Their jurisdictions are those of the placement records (placements, referrals, self-employment,
training enrolments, hand-overs, and the registry's projection of the person) held now for the people their
resource_ids name: the best available, as the trail did not record it then. These jurisdictions are not covered by
the old rows' hashes.

Downgrade refuses while rows are unsealed (the old table demands hashes, and only the sealer computes them). It is
for a trail that can be archived and restarted: rows sealed after this revision are hashed with id, seq and
jurisdictions, which the older code does not recompute (its verify reports the first of them as changed), and it
appends after the row with the highest id, which need not be the chain's last.

Revision ID: p0009
Revises: p0008
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "p0009"
down_revision = "p0008"
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
# p0003's guard, as p0003 made it.
OLD_GUARD = [
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
DROP_OLD_GUARD = [
    "DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log",
    "DROP TRIGGER IF EXISTS audit_log_no_update_delete ON audit_log",
    "DROP FUNCTION IF EXISTS audit_log_append_only()",
]


def upgrade() -> None:
    for statement in DROP_OLD_GUARD:
        op.execute(statement)
    op.add_column("audit_log", sa.Column("txid", _Xid8(), nullable=True))
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
        """
        UPDATE audit_log AS a SET jurisdictions = found.codes
        FROM (
            SELECT l.id, array_agg(DISTINCT c.code ORDER BY c.code) AS codes
            FROM audit_log AS l
            JOIN LATERAL (
                SELECT jurisdiction_code FROM placement WHERE person_id = ANY(l.resource_ids)
                UNION SELECT jurisdiction_code FROM referral WHERE person_id = ANY(l.resource_ids)
                UNION SELECT jurisdiction_code FROM self_employment WHERE person_id = ANY(l.resource_ids)
                UNION SELECT jurisdiction_code FROM training_enrolment WHERE person_id = ANY(l.resource_ids)
                UNION SELECT jurisdiction_code FROM handover WHERE person_id = ANY(l.resource_ids)
                UNION SELECT jurisdiction_code FROM registry_person WHERE person_id = ANY(l.resource_ids)
            ) AS c(code) ON true
            GROUP BY l.id
        ) AS found
        WHERE a.id = found.id
        """
    )
    op.create_unique_constraint("uq_audit_log_seq", "audit_log", ["seq"])
    op.create_check_constraint(
        "ck_audit_log_sealed",
        "audit_log",
        "(seq IS NULL) = (hash IS NULL) AND (prev_hash IS NULL) = (hash IS NULL)",
    )
    op.create_index("ix_audit_log_unsealed", "audit_log", ["txid", "id"], postgresql_where=sa.text("hash IS NULL"))
    for statement in GUARD:
        op.execute(statement)


def downgrade() -> None:
    op.execute(
        """
        DO $$
        BEGIN
            IF EXISTS (SELECT 1 FROM audit_log WHERE hash IS NULL) THEN
                RAISE EXCEPTION 'audit_log has unsealed rows: run the placement service until '
                    '/api/v1/placement-audit-events/verify reports none unsealed, then downgrade';
            END IF;
        END $$
        """
    )
    for statement in DROP_GUARD:
        op.execute(statement)
    op.drop_index("ix_audit_log_unsealed", table_name="audit_log")
    op.drop_constraint("ck_audit_log_sealed", "audit_log", type_="check")
    op.drop_constraint("uq_audit_log_seq", "audit_log", type_="unique")
    op.alter_column("audit_log", "hash", existing_type=sa.String(64), nullable=False)
    op.alter_column("audit_log", "prev_hash", existing_type=sa.String(64), nullable=False)
    op.drop_column("audit_log", "seq")
    op.drop_column("audit_log", "jurisdictions")
    op.drop_column("audit_log", "txid")
    for statement in OLD_GUARD:
        op.execute(statement)
