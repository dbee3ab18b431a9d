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

from shared import migration_kit_v3 as kit3

revision = "t0004"
down_revision = "t0003"
branch_labels = None
depends_on = None


def _followed_up(table: str) -> list[sa.schema.SchemaItem]:
    """What a corrective action and an action item share: due, open or done (on a date), a progress note, a version."""
    return [
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("done_on", sa.Date()),
        sa.Column("progress_note", sa.Text()),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("status IN ('open','done')", name=f"ck_{table}_status"),
        sa.CheckConstraint("(status = 'done') = (done_on IS NOT NULL)", name=f"ck_{table}_done_on"),
    ]


def _create_followed_up_indexes(table: str, parent: str) -> None:
    """The rows of one visit or meeting (`parent`), and the open ones by due date."""
    kit3.create_column_indexes(table, parent)
    op.create_index(f"ix_{table}_status_due_on", table, ["status", "due_on"])


def upgrade() -> None:
    op.create_table(
        "assessment_scheme",
        *kit3.uuid_key("assessment_scheme"),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("items", JSONB(), nullable=False),
        sa.Column("pass_mark", sa.Numeric(6, 2), nullable=False),
        *kit3.created(sa.String(255)),
    )
    op.create_table(
        "assessment",
        *kit3.uuid_key("assessment"),
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
        sa.ForeignKeyConstraint(
            ["scheme_id"], ["assessment_scheme.id"], name="fk_assessment_scheme_id_assessment_scheme"
        ),
        sa.UniqueConstraint("year", "scheme_id", name="uq_assessment_year"),
        sa.CheckConstraint("status IN ('draft','published')", name="ck_assessment_status"),
    )
    op.create_table(
        "supervision_visit",
        *kit3.uuid_key("supervision_visit"),
        sa.Column("visited_on", sa.Date(), nullable=False),
        sa.Column("jurisdiction_code", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("inspectors", JSONB(), nullable=False),
        sa.Column("findings", JSONB(), nullable=False),
        *kit3.created(sa.String(255)),
        sa.CheckConstraint("kind IN ('regular','surprise','paired')", name="ck_supervision_visit_kind"),
    )
    op.create_index(
        "ix_supervision_visit_jurisdiction_code_visited_on", "supervision_visit", ["jurisdiction_code", "visited_on"]
    )
    op.create_table(
        "corrective_action",
        *kit3.uuid_key("corrective_action"),
        sa.Column("visit_id", sa.Uuid(), nullable=False),
        sa.Column("jurisdiction_code", sa.String(40), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        *_followed_up("corrective_action"),
        sa.ForeignKeyConstraint(
            ["visit_id"], ["supervision_visit.id"], name="fk_corrective_action_visit_id_supervision_visit"
        ),
    )
    _create_followed_up_indexes("corrective_action", "visit_id")
    op.create_table(
        "joint_meeting",
        *kit3.uuid_key("joint_meeting"),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("units_present", JSONB(), nullable=False),
        sa.Column("decisions", JSONB(), nullable=False),
        *kit3.created(sa.String(255)),
    )
    kit3.create_column_indexes("joint_meeting", "held_on")
    op.create_table(
        "action_item",
        *kit3.uuid_key("action_item"),
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner_department", sa.String(40), nullable=False),
        sa.Column("owner_jurisdiction", sa.String(40)),
        *_followed_up("action_item"),
        sa.ForeignKeyConstraint(["meeting_id"], ["joint_meeting.id"], name="fk_action_item_meeting_id_joint_meeting"),
    )
    _create_followed_up_indexes("action_item", "meeting_id")


def downgrade() -> None:
    kit3.drop_tables(
        "action_item", "joint_meeting", "corrective_action", "supervision_visit", "assessment", "assessment_scheme"
    )
