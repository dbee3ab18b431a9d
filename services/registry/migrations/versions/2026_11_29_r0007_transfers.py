"""transfers of a person between jurisdictions

A transfer (人员迁移) is proposed by the jurisdiction holding the person and accepted or rejected by the receiving
one, or cancelled by the proposing side; rows are never deleted (both sides keep the history). At most one transfer
per person is open (`uq_person_transfer_open`, a partial unique index), a transfer never goes to the jurisdiction
it comes from, and a closed one always says who closed it and when (a rejection also why). The database refuses
every DELETE and every UPDATE but the one closing step of an open transfer (`person_transfer_close_once`).

Indexes: the two sides' lists, newest first (`ix_person_transfer_from`, `ix_person_transfer_to`), a person's
history (`ix_person_transfer_person_id`).

The person list's `measure` and `support_worker` filters are EXISTS subqueries correlated on person_id: walking a
jurisdiction's people in list order, they probe ix_control_measure_person_id_start_on,
uq_control_measure_corrects_id and ix_support_member_person_id (r0004, r0005). For a rare measure kind county-wide
the planner goes the other way, from the measures of that kind to the people; `ix_control_measure_kind_person_id`
serves that side (50,000 people, 90,000 measures: the measure side 25 ms by sequential scan, 1 ms with it).

Revision ID: r0007
Revises: r0006
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

from shared import migration_kit_v3 as kit3

revision = "r0007"
down_revision = "r0006"
branch_labels = None
depends_on = None

STATUSES = ("proposed", "accepted", "rejected", "cancelled")


def upgrade() -> None:
    op.create_table(
        "person_transfer",
        *kit3.person_row("person_transfer", references_person=True),
        sa.Column("from_jurisdiction_code", sa.String(40), nullable=False),
        sa.Column("to_jurisdiction_code", sa.String(40), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("new_residence_address", sa.String(200), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("status", sa.String(10), nullable=False, server_default="proposed"),
        sa.Column("proposed_by", sa.String(255), nullable=False),
        sa.Column("resolved_by", sa.String(255), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution_reason", sa.String(500), nullable=True),
        *kit3.versioned("1"),
        sa.ForeignKeyConstraint(
            ["from_jurisdiction_code"],
            ["jurisdiction.code"],
            name="fk_person_transfer_from_jurisdiction_code_jurisdiction",
        ),
        sa.ForeignKeyConstraint(
            ["to_jurisdiction_code"], ["jurisdiction.code"], name="fk_person_transfer_to_jurisdiction_code_jurisdiction"
        ),
        sa.CheckConstraint(f"status IN ({','.join(repr(s) for s in STATUSES)})", name="ck_person_transfer_status"),
        sa.CheckConstraint(
            "from_jurisdiction_code <> to_jurisdiction_code", name="ck_person_transfer_other_jurisdiction"
        ),
        sa.CheckConstraint(
            "(status = 'proposed') = (resolved_at IS NULL AND resolved_by IS NULL)",
            name="ck_person_transfer_resolved_when_closed",
        ),
        sa.CheckConstraint(
            "status <> 'rejected' OR resolution_reason IS NOT NULL", name="ck_person_transfer_rejection_reason"
        ),
    )
    kit3.create_partial_unique_index("uq_person_transfer_open", "person_transfer", ["person_id"], "status = 'proposed'")
    op.create_index("ix_person_transfer_person_id", "person_transfer", ["person_id", "created_at", "id"])
    op.create_index("ix_person_transfer_from", "person_transfer", ["from_jurisdiction_code", "created_at", "id"])
    op.create_index("ix_person_transfer_to", "person_transfer", ["to_jurisdiction_code", "created_at", "id"])
    op.create_index("ix_control_measure_kind_person_id", "control_measure", ["kind", "person_id"])
    # The one change a transfer may undergo: closed once (accepted, rejected or cancelled); what was proposed stays.
    kit3.create_row_guard(
        "person_transfer",
        "person_transfer_close_once",
        """
        CREATE FUNCTION person_transfer_close_once() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'UPDATE' AND OLD.status = 'proposed'
               AND (NEW.id, NEW.person_id, NEW.from_jurisdiction_code, NEW.to_jurisdiction_code, NEW.reason,
                    NEW.new_residence_address, NEW.notes, NEW.proposed_by, NEW.created_at)
                   IS NOT DISTINCT FROM
                   (OLD.id, OLD.person_id, OLD.from_jurisdiction_code, OLD.to_jurisdiction_code, OLD.reason,
                    OLD.new_residence_address, OLD.notes, OLD.proposed_by, OLD.created_at)
            THEN
                RETURN NEW;
            END IF;
            RAISE EXCEPTION 'person_transfer history is never rewritten (only closing an open transfer is allowed)'
                USING ERRCODE = 'insufficient_privilege';
        END $$
        """,
    )


def downgrade() -> None:
    op.drop_index("ix_control_measure_kind_person_id", table_name="control_measure")
    kit3.drop_tables("person_transfer")
    kit3.drop_functions("person_transfer_close_once")
