"""assessments (考核: schemes, drafts, published and frozen) and oversight (督导 visits with corrective actions,
联席会议 joint meetings with action items)

Nothing to fill: new tables.

Revision ID: t0004
Revises: t0003
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "t0004"
down_revision = "t0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assessment_scheme",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("items", JSONB(), nullable=False),
        sa.Column("pass_mark", sa.Numeric(6, 2), nullable=False),
        sa.Column("created_by", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_assessment_scheme"),
    )
    op.create_table(
        "assessment",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("scheme_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("results", JSONB(), nullable=False),
        sa.Column("overrides", JSONB(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True)),
        sa.Column("published_by", sa.String(255)),
        sa.Column("created_by", sa.String(255), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_assessment"),
        sa.ForeignKeyConstraint(
            ["scheme_id"], ["assessment_scheme.id"], name="fk_assessment_scheme_id_assessment_scheme"
        ),
        sa.UniqueConstraint("year", "scheme_id", name="uq_assessment_year"),
        sa.CheckConstraint("status IN ('draft','published')", name="ck_assessment_status"),
    )
    op.create_table(
        "supervision_visit",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("visited_on", sa.Date(), nullable=False),
        sa.Column("jurisdiction_code", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("inspectors", JSONB(), nullable=False),
        sa.Column("findings", JSONB(), nullable=False),
        sa.Column("created_by", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_supervision_visit"),
        sa.CheckConstraint("kind IN ('regular','surprise','paired')", name="ck_supervision_visit_kind"),
    )
    op.create_index(
        "ix_supervision_visit_jurisdiction_code_visited_on", "supervision_visit", ["jurisdiction_code", "visited_on"]
    )
    op.create_table(
        "corrective_action",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("visit_id", sa.Uuid(), nullable=False),
        sa.Column("jurisdiction_code", sa.String(40), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("done_on", sa.Date()),
        sa.Column("progress_note", sa.Text()),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_corrective_action"),
        sa.ForeignKeyConstraint(
            ["visit_id"], ["supervision_visit.id"], name="fk_corrective_action_visit_id_supervision_visit"
        ),
        sa.CheckConstraint("status IN ('open','done')", name="ck_corrective_action_status"),
        sa.CheckConstraint("(status = 'done') = (done_on IS NOT NULL)", name="ck_corrective_action_done_on"),
    )
    op.create_index("ix_corrective_action_visit_id", "corrective_action", ["visit_id"])
    op.create_index("ix_corrective_action_status_due_on", "corrective_action", ["status", "due_on"])
    op.create_table(
        "joint_meeting",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("units_present", JSONB(), nullable=False),
        sa.Column("decisions", JSONB(), nullable=False),
        sa.Column("created_by", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_joint_meeting"),
    )
    op.create_index("ix_joint_meeting_held_on", "joint_meeting", ["held_on"])
    op.create_table(
        "action_item",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner_department", sa.String(40), nullable=False),
        sa.Column("owner_jurisdiction", sa.String(40)),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("done_on", sa.Date()),
        sa.Column("progress_note", sa.Text()),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_action_item"),
        sa.ForeignKeyConstraint(["meeting_id"], ["joint_meeting.id"], name="fk_action_item_meeting_id_joint_meeting"),
        sa.CheckConstraint("status IN ('open','done')", name="ck_action_item_status"),
        sa.CheckConstraint("(status = 'done') = (done_on IS NOT NULL)", name="ck_action_item_done_on"),
    )
    op.create_index("ix_action_item_meeting_id", "action_item", ["meeting_id"])
    op.create_index("ix_action_item_status_due_on", "action_item", ["status", "due_on"])


def downgrade() -> None:
    for index, table in (
        ("ix_action_item_status_due_on", "action_item"),
        ("ix_action_item_meeting_id", "action_item"),
    ):
        op.drop_index(index, table_name=table)
    op.drop_table("action_item")
    op.drop_index("ix_joint_meeting_held_on", table_name="joint_meeting")
    op.drop_table("joint_meeting")
    op.drop_index("ix_corrective_action_status_due_on", table_name="corrective_action")
    op.drop_index("ix_corrective_action_visit_id", table_name="corrective_action")
    op.drop_table("corrective_action")
    op.drop_index("ix_supervision_visit_jurisdiction_code_visited_on", table_name="supervision_visit")
    op.drop_table("supervision_visit")
    op.drop_table("assessment")
    op.drop_table("assessment_scheme")
