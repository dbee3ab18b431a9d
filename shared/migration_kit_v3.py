"""FROZEN, version 3: the building blocks the migrations up to 2026-12-07 repeated in their own create_table and
downgrade bodies, written once. The migrations written before it were moved onto it in one change, which was proven
to build exactly what they built (pg_dump --schema-only of every service byte for byte the same at every revision,
going up and going down); from then on it is frozen like they are.

Never edit it: tests/deploy/test_migrations_static.py pins its sha256, because migrations that have run import it.
A block that has to change, or a new one, goes into migration_kit_v4.py. Like a migration, it imports only alembic,
SQLAlchemy and the standard library, never live application code (nor another kit).

What is here:
- column groups: a uuid `id` key, `person_id`, `version` with the two timestamps, `created_by` with `created_at`,
  the three withdrawal columns with their check;
- index patterns: one single-column index per column (`ix_<table>_<column>`), a person's history in date order
  (`ix_<table>_person_id` on person_id, the date, id), a partial unique index;
- a row guard: a trigger function the migration writes (what may change, once) fired before UPDATE or DELETE of a
  row and before TRUNCATE;
- downgrades: dropping tables drops their indexes, constraints and triggers with them (PostgreSQL), so a downgrade
  names the tables, dependents first, and then the trigger functions, which outlive their tables;
- subsidy_policy_tier as s0001 made it (s0003 drops it and makes it again on downgrade).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# --- column groups (each a list to unpack into op.create_table, in the column order the tables have) ---


def uuid_key(table: str) -> list[sa.schema.SchemaItem]:
    """The first column `id` (uuid) and the primary key pk_<table> on it."""
    return [sa.Column("id", sa.Uuid(), nullable=False), sa.PrimaryKeyConstraint("id", name=f"pk_{table}")]


def person_row(table: str, *, references_person: bool = False) -> list[sa.schema.SchemaItem]:
    """`id` (the key) then `person_id`; with `references_person` (the registry, which holds `person`) a foreign key
    fk_<table>_person_id_person."""
    items: list[sa.schema.SchemaItem] = [*uuid_key(table), sa.Column("person_id", sa.Uuid(), nullable=False)]
    if references_person:
        items.append(sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=f"fk_{table}_person_id_person"))
    return items


def versioned(version_default: str | None = None) -> list[sa.Column]:
    """`version` (the row's ETag; `version_default` its server default, if any), then created_at and updated_at,
    both set by the database when a row is inserted."""
    return [
        sa.Column("version", sa.Integer(), nullable=False, server_default=version_default),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    ]


def created(by_type: sa.types.TypeEngine) -> list[sa.Column]:
    """Who wrote the row (`created_by`, of `by_type`) and when (`created_at`, set by the database)."""
    return [
        sa.Column("created_by", by_type, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    ]


def withdrawal(table: str) -> list[sa.schema.SchemaItem]:
    """withdrawn_by, withdrawn_at, withdrawal_reason: all three set (withdrawn) or none (ck_<table>_withdrawal)."""
    return [
        sa.Column("withdrawn_by", sa.Text(), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawal_reason", sa.String(500), nullable=True),
        sa.CheckConstraint(
            "(withdrawn_at IS NULL) = (withdrawn_by IS NULL) AND (withdrawn_at IS NULL) = (withdrawal_reason IS NULL)",
            name=f"ck_{table}_withdrawal",
        ),
    ]


# --- index patterns ---


def create_column_indexes(table: str, *columns: str) -> None:
    """One index per column, ix_<table>_<column>."""
    for column in columns:
        op.create_index(f"ix_{table}_{column}", table, [column])


def create_person_history_index(table: str, on: str) -> None:
    """A person's rows in the order of the date `on`, then id (the cursor): ix_<table>_person_id."""
    op.create_index(f"ix_{table}_person_id", table, ["person_id", on, "id"])


def create_partial_unique_index(name: str, table: str, columns: Sequence[str], where: str) -> None:
    """At most one row per `columns` among the rows where `where` holds."""
    op.create_index(name, table, list(columns), unique=True, postgresql_where=sa.text(where))


# --- a row guard: the migration's own trigger function, before UPDATE or DELETE of a row and before TRUNCATE ---


def create_row_guard(table: str, function: str, create_function_sql: str) -> None:
    """Run `create_function_sql` (CREATE FUNCTION <function>() RETURNS trigger ...), then fire it as trigger
    <function> before UPDATE or DELETE of each row and as <table>_no_truncate before TRUNCATE."""
    op.execute(create_function_sql)
    op.execute(
        f"""
        CREATE TRIGGER {function} BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION {function}()
        """
    )
    op.execute(
        f"""
        CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION {function}()
        """
    )


# --- downgrades ---


def drop_tables(*tables: str) -> None:
    """Drop `tables` in the order given (a table before those it references). Their indexes, constraints and
    triggers go with them; their trigger functions do not (drop_functions)."""
    for table in tables:
        op.drop_table(table)


def drop_functions(*functions: str) -> None:
    """Drop trigger functions (of no arguments) whose tables are gone."""
    for function in functions:
        op.execute(f"DROP FUNCTION IF EXISTS {function}()")


# --- subsidy_policy_tier, as s0001 made it (s0001; s0003 on downgrade) ---


def create_subsidy_policy_tier_s0001() -> None:
    op.create_table(
        "subsidy_policy_tier",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("policy_id", sa.Uuid(), nullable=False),
        sa.Column("min_headcount", sa.Integer(), nullable=False),
        sa.Column("max_headcount", sa.Integer(), nullable=True),
        sa.Column("amount_cny", sa.Numeric(12, 2), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_subsidy_policy_tier"),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["subsidy_policy.id"],
            name="fk_subsidy_policy_tier_policy_id_subsidy_policy",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("policy_id", "min_headcount", name="uq_subsidy_policy_tier_policy_id_min"),
        sa.CheckConstraint("min_headcount >= 1", name="ck_subsidy_policy_tier_min_headcount_positive"),
        sa.CheckConstraint(
            "max_headcount IS NULL OR max_headcount >= min_headcount", name="ck_subsidy_policy_tier_max_not_below_min"
        ),
        sa.CheckConstraint("amount_cny >= 0", name="ck_subsidy_policy_tier_amount_not_negative"),
    )
    op.create_index("ix_subsidy_policy_tier_policy_id", "subsidy_policy_tier", ["policy_id"])
