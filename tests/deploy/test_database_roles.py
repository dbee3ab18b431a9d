"""Least privilege in the database (scripts/roles.py, used by make run and the end-to-end tests): each service
connects as its own role, which reaches only its own database and cannot change its schema; migrations run as the
database's owner."""

from __future__ import annotations

import asyncio
import os
import secrets

import asyncpg
import pytest

from scripts.localdb import asyncpg_dsn
from scripts.roles import ServiceDatabase, after_migrations, provision
from shared.migrations import upgrade

SUFFIX = f"_roles{os.environ.get('TEST_DB_SUFFIX', '')}"


def connect_as(database: ServiceDatabase, *, owner: bool = False, other: ServiceDatabase | None = None):
    """Connect to `other`'s database (default: its own) as `database`'s runtime or owner role."""
    url = database.owner_url if owner else database.runtime_url
    target = (other or database).name
    dsn, kwargs = asyncpg_dsn(url, target)
    password = None if owner else database.runtime_password
    return asyncpg.connect(dsn, password=password, **kwargs)


@pytest.fixture(scope="module")
def databases(pg_server_url) -> dict[str, ServiceDatabase]:
    made = {}
    for service in ("registry", "placement"):
        made[service] = provision(
            pg_server_url,
            service,
            f"qihang_test_{service}{SUFFIX}",
            password=secrets.token_urlsafe(16),
            owner_password=secrets.token_urlsafe(16),
            suffix=SUFFIX,
        )
        upgrade(service, made[service].owner_url)
        after_migrations(pg_server_url, made[service])
    return made


async def test_the_placement_role_cannot_reach_the_registrys_tables(databases):
    registry, placement = databases["registry"], databases["placement"]
    for owner in (False, True):
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="permission denied for database"):
            await connect_as(placement, owner=owner, other=registry)
    # And the other way round.
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await connect_as(registry, other=placement)


async def test_a_service_role_reads_and_writes_its_own_tables_but_cannot_change_them(databases):
    registry = databases["registry"]
    conn = await connect_as(registry)
    try:
        assert await conn.fetchval("SELECT current_user") == registry.roles.runtime
        assert await conn.fetchval("SELECT count(*) FROM jurisdiction") == 15
        assert await conn.fetchval("SELECT count(*) FROM person") == 0
        await conn.execute("CREATE TEMP TABLE scratch (LIKE person INCLUDING DEFAULTS)")  # the importer does this
        # The trigger that keeps the audit trail append-only.
        guard = await conn.fetchrow(
            "SELECT tgname, tgrelid::regclass::text AS relation FROM pg_trigger "
            "WHERE tgrelid = 'audit_log'::regclass AND NOT tgisinternal ORDER BY tgname LIMIT 1"
        )
        assert guard is not None
        for statement in (
            "CREATE TABLE stolen (x int)",
            "DROP TABLE person",
            "ALTER TABLE person ADD COLUMN x int",
            f"TRUNCATE {guard['relation']}",
            f"DROP TRIGGER {guard['tgname']} ON {guard['relation']}",
            "UPDATE alembic_version SET version_num = 'r0001'",
        ):
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await conn.execute(statement)
        assert await conn.fetchval("SELECT count(*) FROM alembic_version") == 1
    finally:
        await conn.close()


async def test_provisioning_again_takes_over_what_the_superuser_made_and_keeps_the_grants(pg_server_url, databases):
    registry = databases["registry"]
    dsn, kwargs = asyncpg_dsn(pg_server_url, registry.name)
    conn = await asyncpg.connect(dsn, **kwargs)
    try:
        # As `make run` did before the roles: a table made by the superuser.
        await conn.execute("CREATE TABLE IF NOT EXISTS made_by_superuser (x int)")
    finally:
        await conn.close()
    again = await asyncio.to_thread(
        provision,
        pg_server_url,
        "registry",
        registry.name,
        password=registry.runtime_password,
        owner_password=secrets.token_urlsafe(16),
        suffix=SUFFIX,
    )
    conn = await connect_as(again)
    try:
        await conn.execute("INSERT INTO made_by_superuser VALUES (1)")
        owner = await conn.fetchval("SELECT tableowner FROM pg_tables WHERE tablename = 'made_by_superuser'")
        assert owner == again.roles.owner
    finally:
        await conn.close()
