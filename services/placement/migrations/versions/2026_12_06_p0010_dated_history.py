"""dated history: placements ended by registry events, eligibility on the contract's start date

Adds to `placement`:
- `eligibility_checked_on` (date) and `eligibility_rule` (text): the day the person's placeability was checked on and
  the rule's version. Existing rows were checked under rule v1, which asked the registry about the day the placement
  was created, so they are filled with their creation day (the date of `created_at`) and `placeable-v1`.
- `ended_by_event_id` (bigint) and `ended_by_event_kind` (text): the registry feed event that ended the placement.
  No placement was ended by a registry event before this change: existing rows stay null.

Widens `placement`'s end-reason check with `died` and `compulsory_isolation` (the reasons registry events end
placements with; `custody` and `moved_away` were there). The check keeps the name p0005 gave it (the naming
convention's prefix twice: ck_placement_ck_placement_end_reason).

Adds to `referral`:
- `closed_by_event_id` (bigint): the registry feed event that closed it; null for existing rows (none was).
- `placement_id` (uuid): the placement recorded when it was marked hired with the contract; null for existing rows
  (hiring never recorded one before).

Downgrade drops the six columns (what they held is lost; the end dates and reasons stay in `ended_on`/`end_reason`)
and restores the narrower end-reason check as NOT VALID: rows already ended as died or compulsory_isolation keep
their reason (no older reason says the same), new rows are checked.

Revision ID: p0010
Revises: p0009
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

END_REASON_CHECK = "ck_placement_ck_placement_end_reason"
OLD_REASONS = "'contract_ended','resigned','dismissed','relapse','custody','moved_away'"
NEW_REASONS = f"{OLD_REASONS},'died','compulsory_isolation'"

revision = "p0010"
down_revision = "p0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("placement", sa.Column("eligibility_checked_on", sa.Date(), nullable=True))
    op.add_column("placement", sa.Column("eligibility_rule", sa.String(40), nullable=True))
    op.add_column("placement", sa.Column("ended_by_event_id", sa.BigInteger(), nullable=True))
    op.add_column("placement", sa.Column("ended_by_event_kind", sa.String(60), nullable=True))
    # The wider check first: after a downgrade (its check NOT VALID) the UPDATE rewrites rows ended as died.
    op.execute(f"ALTER TABLE placement DROP CONSTRAINT {END_REASON_CHECK}")
    op.execute(
        f"ALTER TABLE placement ADD CONSTRAINT {END_REASON_CHECK} "
        f"CHECK (end_reason IS NULL OR end_reason IN ({NEW_REASONS}))"
    )
    op.execute(
        "UPDATE placement SET eligibility_checked_on = CAST(created_at AS date), eligibility_rule = 'placeable-v1'"
    )
    op.add_column("referral", sa.Column("closed_by_event_id", sa.BigInteger(), nullable=True))
    op.add_column("referral", sa.Column("placement_id", sa.Uuid(), nullable=True))


def downgrade() -> None:
    op.drop_column("referral", "placement_id")
    op.drop_column("referral", "closed_by_event_id")
    op.execute(f"ALTER TABLE placement DROP CONSTRAINT {END_REASON_CHECK}")
    op.execute(
        f"ALTER TABLE placement ADD CONSTRAINT {END_REASON_CHECK} "
        f"CHECK (end_reason IS NULL OR end_reason IN ({OLD_REASONS})) NOT VALID"
    )
    op.drop_column("placement", "ended_by_event_kind")
    op.drop_column("placement", "ended_by_event_id")
    op.drop_column("placement", "eligibility_rule")
    op.drop_column("placement", "eligibility_checked_on")
