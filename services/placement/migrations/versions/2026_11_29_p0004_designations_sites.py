"""employer details, Qihang designation history and placement sites

The employer gains the kind public_institution (事业单位), a GB/T 4754 sector and a list of contacts (the single
contact_name / contact_phone move into it). Whether it is a Qihang enterprise stops being a stored flag: it follows
from the new, append-only designation history (an employer flagged before this migration gets one "designate" step
dated the day it was registered). Placement sites (bases and points) get their own table.

Revision ID: p0004
Revises: p0003
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from shared import migration_kit_v1 as kit
from shared import migration_kit_v3 as kit3

revision = "p0004"
down_revision = "p0003"
branch_labels = None
depends_on = None


OLD_KINDS = "kind IN ('enterprise','individual_business','private_owner')"
NEW_KINDS = "kind IN ('enterprise','individual_business','private_owner','public_institution')"


def upgrade() -> None:
    # New check constraints get their names as written (op.f); ck_employer_kind keeps the name p0001 gave it.
    op.drop_constraint("ck_employer_kind", "employer", type_="check")
    op.create_check_constraint("ck_employer_kind", "employer", NEW_KINDS)
    op.add_column("employer", sa.Column("sector_code", sa.String(1), nullable=True))
    op.create_check_constraint(op.f("ck_employer_sector_code"), "employer", "sector_code ~ '^[A-T]$'")
    op.add_column(
        "employer",
        sa.Column("contacts", postgresql.JSONB(), server_default=sa.text("'[]'::jsonb"), nullable=False),
    )
    op.create_check_constraint(op.f("ck_employer_contacts_is_array"), "employer", "jsonb_typeof(contacts) = 'array'")
    op.execute(
        """
        UPDATE employer SET contacts = jsonb_build_array(
            jsonb_strip_nulls(jsonb_build_object('name', coalesce(contact_name, '联系人'), 'phone', contact_phone)))
        WHERE contact_name IS NOT NULL OR contact_phone IS NOT NULL
        """
    )

    op.create_table(
        "employer_designation",
        *kit3.uuid_key("employer_designation"),
        sa.Column("employer_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("status_after", sa.String(20), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("document_number", sa.String(100), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(["employer_id"], ["employer.id"], name="fk_employer_designation_employer_id_employer"),
        # One step per number: two concurrent changes cannot both become step n.
        sa.UniqueConstraint("employer_id", "seq", name="uq_employer_designation_employer_id"),
        sa.CheckConstraint("seq >= 1", name=op.f("ck_employer_designation_seq_positive")),
        sa.CheckConstraint(
            "(action, status_after) IN (('designate','active'),('suspend','suspended'),"
            "('revoke','revoked'),('reinstate','active'))",
            name=op.f("ck_employer_designation_action_status"),
        ),
        sa.CheckConstraint(
            "action <> 'designate' OR document_number IS NOT NULL",
            name=op.f("ck_employer_designation_designate_document"),
        ),
        sa.CheckConstraint(
            "action NOT IN ('suspend','revoke') OR reason IS NOT NULL",
            name=op.f("ck_employer_designation_reason_given"),
        ),
    )
    op.execute(
        """
        INSERT INTO employer_designation
            (id, employer_id, seq, action, status_after, effective_on, document_number, reason, recorded_by)
        SELECT gen_random_uuid(), id, 1, 'designate', 'active', created_at::date, 'p0004',
               'is_qihang_enterprise was set before the designation history existed', 'migration'
        FROM employer WHERE is_qihang_enterprise
        """
    )
    kit.create_append_only_guard("employer_designation")
    op.drop_column("employer", "is_qihang_enterprise")
    op.drop_column("employer", "contact_phone")
    op.drop_column("employer", "contact_name")

    op.create_table(
        "placement_site",
        *kit3.uuid_key("placement_site"),
        sa.Column("employer_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("mode", sa.String(20), nullable=False),
        sa.Column("jurisdiction_code", sa.String(40), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("address", sa.String(300), nullable=True),
        sa.Column("designated_on", sa.Date(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("closed_reason", sa.String(500), nullable=True),
        *kit3.versioned(),
        sa.ForeignKeyConstraint(["employer_id"], ["employer.id"], name="fk_placement_site_employer_id_employer"),
        sa.CheckConstraint("kind IN ('base','point')", name=op.f("ck_placement_site_kind")),
        sa.CheckConstraint("mode IN ('centralised','dispersed')", name=op.f("ck_placement_site_mode")),
        sa.CheckConstraint("status IN ('open','closed')", name=op.f("ck_placement_site_status")),
        sa.CheckConstraint("char_length(name) >= 1", name=op.f("ck_placement_site_name_not_empty")),
        sa.CheckConstraint("capacity IS NULL OR capacity >= 1", name=op.f("ck_placement_site_capacity_positive")),
        sa.CheckConstraint(
            "(status = 'closed') = (closed_on IS NOT NULL)", name=op.f("ck_placement_site_closed_has_date")
        ),
        sa.CheckConstraint(
            "closed_on IS NULL OR closed_on >= designated_on", name=op.f("ck_placement_site_closed_after_designated")
        ),
    )
    kit3.create_column_indexes("placement_site", "employer_id", "jurisdiction_code")
    # The count on a date: sites of a kind designated by then and not closed by then.
    op.create_index("ix_placement_site_kind_designated_on", "placement_site", ["kind", "designated_on"])


def downgrade() -> None:
    # The old schema has no kind for them, and a downgrade must not lose or disguise an employer.
    op.execute(
        """
        DO $$ BEGIN
            IF EXISTS (SELECT 1 FROM employer WHERE kind = 'public_institution') THEN
                RAISE EXCEPTION 'employers of kind public_institution exist: change them before downgrading';
            END IF;
        END $$
        """
    )
    kit3.drop_tables("placement_site")

    op.add_column("employer", sa.Column("contact_name", sa.String(60), nullable=True))
    op.add_column("employer", sa.Column("contact_phone", sa.String(30), nullable=True))
    op.add_column(
        "employer",
        sa.Column("is_qihang_enterprise", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.alter_column("employer", "is_qihang_enterprise", server_default=None)
    # Back to one flag: set where the latest step up to today leaves the employer designated.
    op.execute(
        """
        UPDATE employer e SET is_qihang_enterprise = true
        WHERE (SELECT d.status_after FROM employer_designation d
               WHERE d.employer_id = e.id AND d.effective_on <= current_date
               ORDER BY d.seq DESC LIMIT 1) = 'active'
        """
    )
    op.execute(
        """
        UPDATE employer SET contact_name = left(contacts -> 0 ->> 'name', 60),
                            contact_phone = left(contacts -> 0 ->> 'phone', 30)
        WHERE jsonb_array_length(contacts) > 0
        """
    )
    kit.drop_append_only_guard("employer_designation")
    op.drop_table("employer_designation")

    op.drop_constraint(op.f("ck_employer_contacts_is_array"), "employer", type_="check")
    op.drop_column("employer", "contacts")
    op.drop_constraint(op.f("ck_employer_sector_code"), "employer", type_="check")
    op.drop_column("employer", "sector_code")
    op.drop_constraint("ck_employer_kind", "employer", type_="check")
    op.create_check_constraint("ck_employer_kind", "employer", OLD_KINDS)
