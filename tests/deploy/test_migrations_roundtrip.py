"""Every service's migrations, on a database of their own, go up to head, down to base and up again: the downgrades
leave nothing of the schema behind (no table, trigger function or sequence of ours: dropping a table drops its indexes,
constraints and triggers with it, not its trigger functions), and the second upgrade builds exactly what the first did,
as the catalog describes it (columns in order, constraints, indexes, triggers, functions and comments)."""

from __future__ import annotations

import pytest

from shared.migrations import downgrade, upgrade
from tests.migration_db import fresh_database, run

SERVICES = ["gateway", "registry", "placement", "subsidy", "reporting"]


def ours(alias: str, namespace: str) -> str:
    """Objects of the schema public that no extension (pg_trgm) brought."""
    return (
        f"{alias}.{namespace} = 'public'::regnamespace"
        f" AND NOT EXISTS (SELECT 1 FROM pg_depend AS d WHERE d.objid = {alias}.oid AND d.deptype = 'e')"
    )


CATALOG = {
    "columns": """
        SELECT table_name, ordinal_position, column_name, data_type, character_maximum_length, numeric_precision,
               numeric_scale, is_nullable, column_default, is_identity, identity_generation
        FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, 2
    """,
    "constraints": """
        SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
        WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2
    """,
    "indexes": "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1, 2",
    "triggers": """
        SELECT tgrelid::regclass::text, tgname, pg_get_triggerdef(oid) FROM pg_trigger
        WHERE NOT tgisinternal ORDER BY 1, 2
    """,
    "functions": f"SELECT proname, prosrc FROM pg_proc AS p WHERE {ours('p', 'pronamespace')} ORDER BY 1",
    "relations": f"""
        SELECT relname, relkind::text FROM pg_class AS c WHERE {ours("c", "relnamespace")} ORDER BY 1
    """,
    "comments": """
        SELECT c.relname, d.objsubid, d.description FROM pg_description AS d JOIN pg_class AS c ON c.oid = d.objoid
        WHERE d.classoid = 'pg_class'::regclass AND c.relnamespace = 'public'::regnamespace ORDER BY 1, 2
    """,
}


async def catalog(url: str) -> dict[str, list[tuple]]:
    return {part: [tuple(row) for row in await run(url, query)] for part, query in CATALOG.items()}


@pytest.mark.parametrize("service", SERVICES)
async def test_up_down_and_up_again_builds_the_same_schema(pg_server_url, service):
    url = fresh_database(pg_server_url, f"roundtrip_{service}")
    upgrade(service, url)
    at_head = await catalog(url)
    assert len(at_head["relations"]) > 5

    downgrade(service, url, "base")
    at_base = await catalog(url)
    assert at_base["functions"] == []
    assert at_base["triggers"] == []
    assert at_base["relations"] == [("alembic_version", "r"), ("alembic_version_pkc", "i")]

    upgrade(service, url)
    assert await catalog(url) == at_head


async def test_reporting_down_to_t0001_puts_back_its_draft_definitions_and_targets(pg_server_url):
    """t0002 rewrites t0001's draft definitions and replaces training_per_person; its downgrade restores them."""
    url = fresh_database(pg_server_url, "roundtrip_reporting_t0001")
    seeds = [
        "SELECT code, position FROM indicator ORDER BY code",
        "SELECT id, code, version, name_zh, name_en, unit, numerator, denominator, notes FROM indicator_definition"
        " ORDER BY code, version",
        "SELECT id, indicator_code, definition_version, scope, period_end, comparator, value, source, source_clause"
        " FROM target ORDER BY indicator_code, period_end",
    ]

    async def rows() -> list[list[tuple]]:
        return [[tuple(row) for row in await run(url, query)] for query in seeds]

    upgrade("reporting", url, "t0001")
    as_t0001_wrote_them = await rows()
    assert [len(table) for table in as_t0001_wrote_them] == [5, 5, 9]
    upgrade("reporting", url)
    assert await rows() != as_t0001_wrote_them
    downgrade("reporting", url, "t0001")
    assert await rows() == as_t0001_wrote_them
