"""subsidy policies (补助政策) with their headcount tiers, and the idempotency keys of creates

Revision ID: s0001
Revises:
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

from shared import migration_kit_v1 as kit
from shared import migration_kit_v3 as kit3

revision = "s0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "subsidy_policy",
        *kit3.uuid_key("subsidy_policy"),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("effective_to", sa.Date(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("minimum_contract_months", sa.Integer(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(255), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_by", sa.String(255), nullable=True),
        *kit.timestamps(),
        sa.UniqueConstraint("year", "version", name="uq_subsidy_policy_year_version"),
        sa.CheckConstraint("year BETWEEN 2012 AND 2100", name="ck_subsidy_policy_year_range"),
        sa.CheckConstraint("version >= 1", name="ck_subsidy_policy_version_positive"),
        sa.CheckConstraint("effective_from <= effective_to", name="ck_subsidy_policy_effective_period"),
        sa.CheckConstraint("status IN ('draft','published')", name="ck_subsidy_policy_status"),
        sa.CheckConstraint("minimum_contract_months >= 1", name="ck_subsidy_policy_minimum_contract_months"),
        sa.CheckConstraint(
            "(status = 'published') = (published_at IS NOT NULL AND published_by IS NOT NULL)",
            name="ck_subsidy_policy_published_when_stamped",
        ),
    )
    kit3.create_partial_unique_index(
        "uq_subsidy_policy_published_year", "subsidy_policy", ["year"], "status = 'published'"
    )
    kit3.create_subsidy_policy_tier_s0001()

    kit.create_idempotency_keys()


def downgrade() -> None:
    kit.drop_idempotency_keys()
    kit3.drop_tables("subsidy_policy_tier", "subsidy_policy")
