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

from shared import migration_kit_v1 as kit

revision = "s0002"
down_revision = "s0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    kit.create_sealed_audit_log()


def downgrade() -> None:
    kit.drop_sealed_audit_log()
