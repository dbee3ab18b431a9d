import secrets
import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from gateway.auth.repository import AuthEventRepository
from gateway.auth.status import client_subject, revoke_tokens
from gateway.clients.exceptions import ClientIdTaken, ClientNotFound, ServiceClientManaged
from gateway.clients.models import IntegrationClient
from gateway.clients.repository import ClientRepository
from gateway.clients.schemas import ClientCreate, ClientRead, ClientWithSecret
from gateway.passwords import hash_password, verify_password
from shared.db import refused_as
from shared.pagination import PageParams
from shared.query import or_raise
from shared.reads import read_of
from shared.reference import SERVICES


def to_read(client: IntegrationClient) -> ClientRead:
    return read_of(ClientRead, client, scopes=list(client.scopes), disabled=client.disabled_at is not None)


def new_secret() -> str:
    return "cs_" + secrets.token_urlsafe(32)


async def create_client(session: AsyncSession, *, data: ClientCreate, actor: str) -> ClientWithSecret:
    client_id = data.client_id or f"cl-{secrets.token_hex(6)}"
    if client_id.startswith("svc-"):
        raise ServiceClientManaged("Client ids starting with svc- are reserved for the platform's own services.")
    repo = ClientRepository(session)
    if await repo.by_client_id(client_id) is not None:
        raise ClientIdTaken(f"The client id {client_id!r} is taken.")
    secret = new_secret()
    client = IntegrationClient(
        client_id=client_id,
        name=data.name,
        secret_hash=await hash_password(secret),
        scopes=data.scopes,
        department=data.department,
        jurisdiction=data.jurisdiction,
        employer_id=data.employer_id,
        is_service=False,
    )
    async with refused_as(session, ClientIdTaken(f"The client id {client_id!r} is taken.")):
        await repo.add(client)
    await session.refresh(client)
    await AuthEventRepository(session).record("client_created", subject=client_subject(client_id), actor=actor)
    return ClientWithSecret(**to_read(client).model_dump(), client_secret=secret)


async def get_client(session: AsyncSession, *, id_: uuid.UUID, for_update: bool = False) -> IntegrationClient:
    return or_raise(await ClientRepository(session).get(id_, for_update=for_update), ClientNotFound, "No such client.")


async def list_clients(session: AsyncSession, *, params: PageParams) -> tuple[list[ClientRead], str | None]:
    rows, cursor = await ClientRepository(session).page(params)
    return [to_read(c) for c in rows], cursor


async def set_disabled(session: AsyncSession, *, id_: uuid.UUID, disabled: bool, actor: str) -> IntegrationClient:
    client = await get_client(session, id_=id_, for_update=True)
    if client.is_service:
        raise ServiceClientManaged("Service clients are managed by the platform's configuration.")
    now = datetime.now(UTC)
    if disabled and client.disabled_at is None:
        client.disabled_at = now
        revoke_tokens(client, now)
    elif not disabled:
        client.disabled_at = None
    await session.flush()
    await session.refresh(client)
    await AuthEventRepository(session).record(
        "client_disabled" if disabled else "client_enabled", subject=client_subject(client.client_id), actor=actor
    )
    return client


async def rotate_secret(session: AsyncSession, *, id_: uuid.UUID, actor: str) -> ClientWithSecret:
    client = await get_client(session, id_=id_, for_update=True)
    if client.is_service:
        raise ServiceClientManaged("Service clients are managed by the platform's configuration.")
    secret = new_secret()
    client.secret_hash = await hash_password(secret)
    # Tokens got with the old secret (perhaps by whoever leaked it) end with it.
    revoke_tokens(client, datetime.now(UTC))
    await session.flush()
    await session.refresh(client)
    await AuthEventRepository(session).record(
        "client_secret_rotated", subject=client_subject(client.client_id), actor=actor
    )
    return ClientWithSecret(**to_read(client).model_dump(), client_secret=secret)


SERVICE_SCOPES: dict[str, list[str]] = {
    # What each service's own background work may read from the others.
    "registry": ["registry:read"],
    "placement": ["placement:read", "registry:read"],
    "subsidy": ["subsidy:read", "placement:read", "registry:read"],
    "reporting": ["reporting:read", "registry:read", "placement:read", "subsidy:read"],
}


async def upsert_service_client(session: AsyncSession, *, service: str, secret: str) -> None:
    """Register (or update the secret of) the client a service uses for its own background calls."""
    if service not in SERVICES:
        raise ValueError(service)
    client_id = f"svc-{service}"
    repo = ClientRepository(session)
    client = await repo.by_client_id(client_id)
    if client is None:
        await repo.add(
            IntegrationClient(
                id=uuid.uuid4(),
                client_id=client_id,
                name=f"{service} service",
                secret_hash=await hash_password(secret),
                scopes=SERVICE_SCOPES[service],
                department="it",
                jurisdiction=None,
                is_service=True,
            )
        )
        return
    if not await verify_password(client.secret_hash, secret):
        client.secret_hash = await hash_password(secret)
        revoke_tokens(client, datetime.now(UTC))
    client.scopes = SERVICE_SCOPES[service]
    client.disabled_at = None
    await session.flush()
