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

from shared import migration_kit_v1 as kit

revision = "p0009"
down_revision = "p0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    kit.seal_audit_log_v1(
        """
        SELECT jurisdiction_code FROM placement WHERE person_id = ANY(l.resource_ids)
        UNION SELECT jurisdiction_code FROM referral WHERE person_id = ANY(l.resource_ids)
        UNION SELECT jurisdiction_code FROM self_employment WHERE person_id = ANY(l.resource_ids)
        UNION SELECT jurisdiction_code FROM training_enrolment WHERE person_id = ANY(l.resource_ids)
        UNION SELECT jurisdiction_code FROM handover WHERE person_id = ANY(l.resource_ids)
        UNION SELECT jurisdiction_code FROM registry_person WHERE person_id = ANY(l.resource_ids)
        """
    )


def downgrade() -> None:
    kit.unseal_audit_log_v1(
        "audit_log has unsealed rows: run the placement service until "
        "/api/v1/placement-audit-events/verify reports none unsealed, then downgrade"
    )
