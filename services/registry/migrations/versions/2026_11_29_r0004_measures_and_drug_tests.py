"""control measures (episodes, corrected by new rows), drug tests and relapse events

History is never rewritten: drug tests and relapses are append-only, and a control measure row may change exactly
once, from open to ended (actual_end_on, end_reason, ended_by, ended_at); the database refuses any other UPDATE and
every DELETE. A correction is a new row naming the row it supersedes (`corrects_id`, unique: a row is corrected at
most once, so a chain of corrections is a line, never a tree).

Revision ID: r0004
Revises: r0003
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

from shared import migration_kit_v1 as kit
from shared import migration_kit_v3 as kit3

revision = "r0004"
down_revision = "r0003"
branch_labels = None
depends_on = None


MEASURE_KINDS = (
    "community_detox",
    "community_rehabilitation",
    "compulsory_isolation",
    "facility_rehabilitation",
    "voluntary_detox",
    "custody",
)
END_REASONS = ("completed", "escalated_after_relapse", "death", "moved_away", "lost_contact")
TEST_KINDS = ("urine", "hair", "saliva", "blood", "other")
TEST_RESULTS = ("negative", "positive", "invalid")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({','.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table(
        "control_measure",
        *kit3.person_row("control_measure", references_person=True),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("planned_end_on", sa.Date(), nullable=True),
        sa.Column("actual_end_on", sa.Date(), nullable=True),
        sa.Column("end_reason", sa.String(30), nullable=True),
        sa.Column("decision_number", sa.String(100), nullable=True),
        sa.Column("issuing_authority", sa.String(100), nullable=True),
        sa.Column("corrects_id", sa.Uuid(), nullable=True),
        sa.Column("correction_reason", sa.String(500), nullable=True),
        *kit3.created(sa.Text()),
        sa.Column("ended_by", sa.Text(), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["corrects_id"], ["control_measure.id"], name="fk_control_measure_corrects_id_control_measure"
        ),
        sa.UniqueConstraint("corrects_id", name="uq_control_measure_corrects_id"),
        sa.CheckConstraint(_in("kind", MEASURE_KINDS), name="ck_control_measure_kind"),
        sa.CheckConstraint(
            f"end_reason IS NULL OR {_in('end_reason', END_REASONS)}", name="ck_control_measure_end_reason"
        ),
        sa.CheckConstraint(
            "(actual_end_on IS NULL) = (end_reason IS NULL)", name="ck_control_measure_end_reason_with_end"
        ),
        sa.CheckConstraint(
            "actual_end_on IS NULL OR actual_end_on >= start_on", name="ck_control_measure_end_after_start"
        ),
        sa.CheckConstraint(
            "planned_end_on IS NULL OR planned_end_on >= start_on", name="ck_control_measure_planned_after_start"
        ),
        sa.CheckConstraint(
            "(corrects_id IS NULL) = (correction_reason IS NULL)", name="ck_control_measure_correction_reason"
        ),
    )
    op.create_index("ix_control_measure_person_id_start_on", "control_measure", ["person_id", "start_on"])
    # The one change a measure may undergo: from open to ended, once. Everything else is a new (correcting) row.
    kit3.create_row_guard(
        "control_measure",
        "control_measure_end_once",
        """
        CREATE FUNCTION control_measure_end_once() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'UPDATE'
               AND OLD.actual_end_on IS NULL AND NEW.actual_end_on IS NOT NULL
               AND (NEW.id, NEW.person_id, NEW.kind, NEW.start_on, NEW.planned_end_on, NEW.decision_number,
                    NEW.issuing_authority, NEW.corrects_id, NEW.correction_reason, NEW.created_by, NEW.created_at)
                   IS NOT DISTINCT FROM
                   (OLD.id, OLD.person_id, OLD.kind, OLD.start_on, OLD.planned_end_on, OLD.decision_number,
                    OLD.issuing_authority, OLD.corrects_id, OLD.correction_reason, OLD.created_by, OLD.created_at)
            THEN
                RETURN NEW;
            END IF;
            RAISE EXCEPTION 'control_measure history is never rewritten (only ending an open measure is allowed)'
                USING ERRCODE = 'insufficient_privilege';
        END $$
        """,
    )

    op.create_table(
        "drug_test",
        *kit3.person_row("drug_test", references_person=True),
        sa.Column("tested_on", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("result", sa.String(20), nullable=False),
        sa.Column("substance", sa.String(50), nullable=True),
        sa.Column("tested_by", sa.String(100), nullable=False),
        *kit3.created(sa.Text()),
        sa.CheckConstraint(_in("kind", TEST_KINDS), name="ck_drug_test_kind"),
        sa.CheckConstraint(_in("result", TEST_RESULTS), name="ck_drug_test_result"),
    )
    op.create_index("ix_drug_test_person_id_tested_on", "drug_test", ["person_id", "tested_on"])
    kit.create_append_only_guard("drug_test")

    op.create_table(
        "relapse",
        *kit3.person_row("relapse", references_person=True),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("drug_test_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(["drug_test_id"], ["drug_test.id"], name="fk_relapse_drug_test_id_drug_test"),
        sa.UniqueConstraint("drug_test_id", name="uq_relapse_drug_test_id"),
        sa.CheckConstraint("source IN ('drug_test')", name="ck_relapse_source"),
        sa.CheckConstraint("(source = 'drug_test') = (drug_test_id IS NOT NULL)", name="ck_relapse_drug_test_id"),
    )
    op.create_index("ix_relapse_person_id_occurred_on", "relapse", ["person_id", "occurred_on"])
    kit.create_append_only_guard("relapse")


def downgrade() -> None:
    kit3.drop_tables("relapse", "drug_test", "control_measure")
    kit3.drop_functions("relapse_append_only", "drug_test_append_only", "control_measure_end_once")
