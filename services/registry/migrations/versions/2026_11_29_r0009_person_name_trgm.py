"""trigram index on people's names, so a name-substring search (q=) does not scan every person

Measured in docs/benchmarks.md (100,000 people): a county-wide search for a full three-character name took 160 ms
in-service with a sequential scan and 11-13 ms with this index. pg_trgm ships with PostgreSQL (contrib) and is a
trusted extension: the database owner may create it.

Revision ID: r0009
Revises: r0008
Create Date: 2026-11-29
"""

from alembic import op

revision = "r0009"
down_revision = "r0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("CREATE INDEX ix_person_name_trgm ON person USING gin (name gin_trgm_ops)")


def downgrade() -> None:
    op.execute("DROP INDEX ix_person_name_trgm")
    # The extension stays: other objects may have come to use it.
