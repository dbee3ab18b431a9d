"""the birth year of first-version registry events, kept beside the birth date

Until the registry's events carry `birth_date` (schema version 2), they carry `birth_year` only; reporting then
counts a person's age from 1 January of that year (readmodel.service.build_facts). Existing rows: left empty; a
rebuild (POST /api/v1/reporting-feeds/rebuild) reads the years from the feed again.

Revision ID: t0005
Revises: t0004
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "t0005"
down_revision = "t0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("rm_person_fact", sa.Column("birth_year", sa.SmallInteger()))


def downgrade() -> None:
    op.drop_column("rm_person_fact", "birth_year")
