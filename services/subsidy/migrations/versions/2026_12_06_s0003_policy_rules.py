"""subsidy policies hold a rule per subsidy type as data; versions are frozen once published and superseded by newer

The tiers of the enterprise placement subsidy move from the table subsidy_policy_tier into the policy's `rules`
(JSONB, type -> rule): each existing policy gets the rule {"type": "enterprise_placement", "method": "tiered",
"tiers": its tiers (amounts as decimal strings), "minimum_contract_months": its old column, "minimum_days_in_year": 1,
"require_designation": true}; then the tier table and the column go. A status `superseded` is added (a published
version replaced by a newer one of its year), with `superseded_at`; `first_used_at` records when a decision first
rested on a version; `row_version` (1 for existing rows) is the ETag of drafts.

Downgrade: the tiers of a tiered enterprise rule go back into subsidy_policy_tier and its minimum term into the
column (12 when there is none); a superseded version becomes a draft again (the old schema had no such status and
at most one published version per year); the rules of other types are lost.

Revision ID: s0003
Revises: s0002
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from shared import migration_kit_v3 as kit3

revision = "s0003"
down_revision = "s0002"
branch_labels = None
depends_on = None

OLD = "ck_subsidy_policy_ck_subsidy_policy_"
"""s0001 named its CHECK constraints through the naming convention with the prefix already in the name, so they carry
it twice; they are dropped and made again under exactly those names."""


def upgrade() -> None:
    op.add_column("subsidy_policy", sa.Column("rules", postgresql.JSONB(), nullable=True))
    op.add_column("subsidy_policy", sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("subsidy_policy", sa.Column("first_used_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("subsidy_policy", sa.Column("row_version", sa.Integer(), server_default="1", nullable=False))
    op.alter_column("subsidy_policy", "row_version", server_default=None)
    op.execute(
        """
        UPDATE subsidy_policy p SET rules = jsonb_build_object(
            'enterprise_placement', jsonb_build_object(
                'type', 'enterprise_placement',
                'method', 'tiered',
                'tiers', COALESCE((
                    SELECT jsonb_agg(
                        jsonb_build_object(
                            'min_headcount', t.min_headcount,
                            'max_headcount', t.max_headcount,
                            'amount', to_char(t.amount_cny, 'FM999999999990.00')
                        ) ORDER BY t.min_headcount)
                    FROM subsidy_policy_tier t WHERE t.policy_id = p.id), '[]'::jsonb),
                'amount_per_person', NULL,
                'cap', NULL,
                'minimum_contract_months', p.minimum_contract_months,
                'minimum_days_in_year', 1,
                'require_designation', true))
        """
    )
    op.alter_column("subsidy_policy", "rules", nullable=False)
    op.create_check_constraint(
        op.f("ck_subsidy_policy_rules_is_object"),
        "subsidy_policy",
        "jsonb_typeof(rules) = 'object' AND rules <> '{}'::jsonb",
    )
    op.drop_constraint(op.f(OLD + "minimum_contract_months"), "subsidy_policy", type_="check")
    op.drop_column("subsidy_policy", "minimum_contract_months")
    op.drop_constraint(op.f(OLD + "status"), "subsidy_policy", type_="check")
    op.create_check_constraint(
        op.f("ck_subsidy_policy_status"), "subsidy_policy", "status IN ('draft','published','superseded')"
    )
    op.drop_constraint(op.f(OLD + "published_when_stamped"), "subsidy_policy", type_="check")
    op.create_check_constraint(
        op.f("ck_subsidy_policy_published_when_stamped"),
        "subsidy_policy",
        "(status = 'draft') = (published_at IS NULL AND published_by IS NULL)",
    )
    op.create_check_constraint(
        op.f("ck_subsidy_policy_superseded_when_stamped"),
        "subsidy_policy",
        "(status = 'superseded') = (superseded_at IS NOT NULL)",
    )
    kit3.drop_tables("subsidy_policy_tier")


def downgrade() -> None:
    kit3.create_subsidy_policy_tier_s0001()
    op.execute(
        """
        INSERT INTO subsidy_policy_tier (id, policy_id, min_headcount, max_headcount, amount_cny)
        SELECT gen_random_uuid(), p.id, (t->>'min_headcount')::int, (t->>'max_headcount')::int,
               (t->>'amount')::numeric(12, 2)
        FROM subsidy_policy p, jsonb_array_elements(p.rules->'enterprise_placement'->'tiers') t
        WHERE p.rules->'enterprise_placement'->>'method' = 'tiered'
        """
    )
    op.add_column("subsidy_policy", sa.Column("minimum_contract_months", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE subsidy_policy SET minimum_contract_months = "
        "COALESCE((rules->'enterprise_placement'->>'minimum_contract_months')::int, 12)"
    )
    op.alter_column("subsidy_policy", "minimum_contract_months", nullable=False)
    op.create_check_constraint(op.f(OLD + "minimum_contract_months"), "subsidy_policy", "minimum_contract_months >= 1")
    op.drop_constraint(op.f("ck_subsidy_policy_superseded_when_stamped"), "subsidy_policy", type_="check")
    op.drop_constraint(op.f("ck_subsidy_policy_published_when_stamped"), "subsidy_policy", type_="check")
    op.drop_constraint(op.f("ck_subsidy_policy_status"), "subsidy_policy", type_="check")
    op.execute(
        "UPDATE subsidy_policy SET status = 'draft', published_at = NULL, published_by = NULL "
        "WHERE status = 'superseded'"
    )
    op.create_check_constraint(op.f(OLD + "status"), "subsidy_policy", "status IN ('draft','published')")
    op.create_check_constraint(
        op.f(OLD + "published_when_stamped"),
        "subsidy_policy",
        "(status = 'published') = (published_at IS NOT NULL AND published_by IS NOT NULL)",
    )
    op.drop_constraint(op.f("ck_subsidy_policy_rules_is_object"), "subsidy_policy", type_="check")
    op.drop_column("subsidy_policy", "row_version")
    op.drop_column("subsidy_policy", "first_used_at")
    op.drop_column("subsidy_policy", "superseded_at")
    op.drop_column("subsidy_policy", "rules")
