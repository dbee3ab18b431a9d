"""One PostgreSQL role per service, owning nothing but its own database.

For each service two roles (names from `role_names`):

- `qihang_<service>_owner` owns the service's database and its schema `public`; migrations run as it. Nobody
  else may connect to that database (CONNECT is revoked from PUBLIC).
- `qihang_<service>` is what the running service connects as: CONNECT and TEMPORARY on its own database, USAGE on
  the schema, SELECT/INSERT/UPDATE/DELETE/TRUNCATE on its tables (reporting empties its read model to rebuild it)
  and USAGE/SELECT/UPDATE on its sequences (present ones and, through default privileges, every one the owner
  creates later). It owns nothing, so it cannot drop or alter a table, drop the triggers that keep the audit trails
  append-only (they refuse UPDATE, DELETE and TRUNCATE), create tables, or write `alembic_version`.

The placement role therefore cannot even connect to the registry's database, let alone read its tables
(tests/deploy/test_database_roles.py). `make run` (scripts/run.py) and the end-to-end tests use this module; the
docker-compose PostgreSQL does the same from docker/postgres/01-roles-and-databases.sh.

Everything here is idempotent: run again, it adjusts the passwords, takes over objects made earlier by another
role (a database migrated as the superuser before this existed) and renews the grants.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from dataclasses import dataclass

import asyncpg
from sqlalchemy.engine import URL, make_url

from scripts.localdb import asyncpg_dsn
from shared.config import database_url_for


@dataclass(frozen=True)
class ServiceRoles:
    runtime: str
    owner: str


@dataclass(frozen=True)
class ServiceDatabase:
    """Where a service's database is and how to reach it as each of its roles (asyncpg URLs)."""

    name: str
    roles: ServiceRoles
    runtime_url: str
    """Without the password: the service gets it separately (<SVC>_DATABASE_PASSWORD)."""
    runtime_password: str
    owner_url: str
    """With the password: for the migrations run here."""


def role_names(service: str, suffix: str = "") -> ServiceRoles:
    """`suffix` keeps test runs that share a server apart (roles belong to the whole server)."""
    base = f"qihang_{service}{suffix}"
    return ServiceRoles(runtime=base, owner=f"{base}_owner")


def _check_identifier(name: str) -> str:
    if not name.replace("_", "").isalnum() or not name.islower():
        raise ValueError(f"unsafe identifier {name!r}")
    return name


async def _set_role(conn: asyncpg.Connection, role: str, password: str) -> None:
    exists = await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", role)
    verb = "ALTER" if exists else "CREATE"
    # Utility statements take no parameters: format() quotes the name and the password on the server.
    statement = await conn.fetchval(
        f"SELECT format('{verb} ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT PASSWORD %L', $1::text, "
        "$2::text)",
        role,
        password,
    )
    try:
        await conn.execute(statement)
    except asyncpg.DuplicateObjectError:  # made meanwhile by a concurrent run: adjust it instead
        await _set_role(conn, role, password)


async def _provision(
    server_url: str, database: str, roles: ServiceRoles, *, password: str, owner_password: str
) -> None:
    runtime, owner = _check_identifier(roles.runtime), _check_identifier(roles.owner)
    _check_identifier(database)
    dsn, kwargs = asyncpg_dsn(server_url, "postgres")
    conn = await asyncpg.connect(dsn, **kwargs)
    try:
        await _set_role(conn, owner, owner_password)
        await _set_role(conn, runtime, password)
        if await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database):
            await conn.execute(f'ALTER DATABASE "{database}" OWNER TO "{owner}"')
        else:
            await conn.execute(f'CREATE DATABASE "{database}" OWNER "{owner}"')
        await conn.execute(f'REVOKE ALL ON DATABASE "{database}" FROM PUBLIC')
        await conn.execute(f'GRANT CONNECT, TEMPORARY ON DATABASE "{database}" TO "{runtime}"')
    finally:
        await conn.close()
    dsn, kwargs = asyncpg_dsn(server_url, database)
    conn = await asyncpg.connect(dsn, **kwargs)
    try:
        async with conn.transaction():
            await conn.execute(f'ALTER SCHEMA public OWNER TO "{owner}"')
            await conn.execute("REVOKE ALL ON SCHEMA public FROM PUBLIC")
            await conn.execute(f'GRANT USAGE ON SCHEMA public TO "{runtime}"')
            # Objects made before the roles existed (migrated as the superuser) pass to the owner; an extension's
            # own objects stay with the extension.
            takeovers = await conn.fetch(
                """
                SELECT format('ALTER %s %I.%I OWNER TO %I',
                              CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW'
                                             WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END,
                              n.nspname, c.relname, $1::text) AS statement
                FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
                  AND c.relowner <> (SELECT oid FROM pg_roles WHERE rolname = $1)
                  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                                  AND d.objid = c.oid AND d.deptype IN ('e', 'a', 'i'))
                UNION ALL
                SELECT format('ALTER ROUTINE %I.%I(%s) OWNER TO %I', n.nspname, p.proname,
                              pg_get_function_identity_arguments(p.oid), $1::text)
                FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                WHERE n.nspname = 'public'
                  AND p.proowner <> (SELECT oid FROM pg_roles WHERE rolname = $1)
                  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                                  AND d.objid = p.oid AND d.deptype = 'e')
                UNION ALL
                SELECT format('ALTER TYPE %I.%I OWNER TO %I', n.nspname, t.typname, $1::text)
                FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
                WHERE n.nspname = 'public' AND t.typtype IN ('e', 'd')
                  AND t.typowner <> (SELECT oid FROM pg_roles WHERE rolname = $1)
                  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass
                                  AND d.objid = t.oid AND d.deptype = 'e')
                """,
                owner,
            )
            for row in takeovers:
                await conn.execute(row["statement"])
            grants = (
                f'GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON TABLES TO "{runtime}"',
                f'GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO "{runtime}"',
            )
            for grant in grants:
                await conn.execute(f'ALTER DEFAULT PRIVILEGES FOR ROLE "{owner}" IN SCHEMA public {grant}')
            await conn.execute(
                f'GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA public TO "{runtime}"'
            )
            await conn.execute(f'GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO "{runtime}"')
            await _protect_migration_state(conn, runtime)
    finally:
        await conn.close()


async def _protect_migration_state(conn: asyncpg.Connection, runtime: str) -> None:
    if await conn.fetchval("SELECT to_regclass('public.alembic_version') IS NOT NULL"):
        await conn.execute(f'REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON public.alembic_version FROM "{runtime}"')


async def _after_migrations(server_url: str, database: str, roles: ServiceRoles) -> None:
    dsn, kwargs = asyncpg_dsn(server_url, database)
    conn = await asyncpg.connect(dsn, **kwargs)
    try:
        await _protect_migration_state(conn, _check_identifier(roles.runtime))
    finally:
        await conn.close()


def _run(coro) -> None:
    # In its own thread so callers inside a running event loop (pytest fixtures) can use it too.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, coro).result()


def role_url(server_url: str, database: str, role: str, password: str | None) -> str:
    """The asyncpg URL of `database` on the server of `server_url`, as `role`."""
    url = make_url(database_url_for(server_url, database))
    # URL.set(password=None) would keep the server URL's password: build the URL anew.
    url = URL.create(
        url.drivername,
        username=role,
        password=password,
        host=url.host,
        port=url.port,
        database=url.database,
        query=url.query,
    )
    return url.render_as_string(hide_password=False)


def provision(
    server_url: str, service: str, database: str, *, password: str, owner_password: str, suffix: str = ""
) -> ServiceDatabase:
    """Make (or bring up to date) the service's roles and database on the server at `server_url`, which must be
    reached as a superuser (or a role with CREATEROLE and CREATEDB that may grant to the new roles)."""
    roles = role_names(service, suffix)
    _run(_provision(server_url, database, roles, password=password, owner_password=owner_password))
    return ServiceDatabase(
        name=database,
        roles=roles,
        runtime_url=role_url(server_url, database, roles.runtime, None),
        runtime_password=password,
        owner_url=role_url(server_url, database, roles.owner, owner_password),
    )


def after_migrations(server_url: str, database: ServiceDatabase) -> None:
    """Once migrated: the runtime role may read the migration state but never write it."""
    _run(_after_migrations(server_url, database.name, database.roles))
