import uuid

from fastapi import APIRouter, Request, Response

from gateway.auth.status import client_subject, commit_account_change
from gateway.clients import service
from gateway.clients.schemas import ClientCreate, ClientRead, ClientWithSecret
from gateway.dependencies import AdminPrincipal
from shared.db import SessionDep
from shared.errors import problem_responses
from shared.pagination import Page, PageParamsDep
from shared.routes import creates

router = APIRouter(prefix="/api/v1/admin/clients", tags=["admin"])


@router.get("", responses=problem_responses(401, 403))
async def list_clients(session: SessionDep, params: PageParamsDep, _: AdminPrincipal) -> Page[ClientRead]:
    """List integration clients (other departments' systems and the platform's own services)."""
    return Page.of(await service.list_clients(session, params=params), params)


@router.post("", **creates(401, 403, 409, 422))
async def create_client(
    session: SessionDep, body: ClientCreate, principal: AdminPrincipal, response: Response
) -> ClientWithSecret:
    """Register another department's system with scopes; its secret is returned this once."""
    created = await service.create_client(session, data=body, actor=principal.subject)
    response.headers["Location"] = f"/api/v1/admin/clients/{created.id}"
    return created


@router.get("/{client_uuid}", responses=problem_responses(401, 403, 404))
async def get_client(session: SessionDep, client_uuid: uuid.UUID, _: AdminPrincipal) -> ClientRead:
    """Get one integration client."""
    return service.to_read(await service.get_client(session, id_=client_uuid))


@router.post("/{client_uuid}/disable", responses=problem_responses(401, 403, 404, 409))
async def disable_client(
    request: Request, session: SessionDep, client_uuid: uuid.UUID, principal: AdminPrincipal
) -> ClientRead:
    """Disable a client: it gets no new tokens, and its live tokens are refused at the gateway at once and at
    every service within seconds."""
    client = await service.set_disabled(session, id_=client_uuid, disabled=True, actor=principal.subject)
    await commit_account_change(request, session, client_subject(client.client_id))
    return service.to_read(client)


@router.post("/{client_uuid}/enable", responses=problem_responses(401, 403, 404, 409))
async def enable_client(
    request: Request, session: SessionDep, client_uuid: uuid.UUID, principal: AdminPrincipal
) -> ClientRead:
    """Enable a disabled client."""
    client = await service.set_disabled(session, id_=client_uuid, disabled=False, actor=principal.subject)
    await commit_account_change(request, session, client_subject(client.client_id))
    return service.to_read(client)


@router.post("/{client_uuid}/rotate-secret", responses=problem_responses(401, 403, 404, 409))
async def rotate_client_secret(
    request: Request, session: SessionDep, client_uuid: uuid.UUID, principal: AdminPrincipal
) -> ClientWithSecret:
    """Issue a new secret (returned once); the old one and the tokens got with it stop working."""
    rotated = await service.rotate_secret(session, id_=client_uuid, actor=principal.subject)
    await commit_account_change(request, session, client_subject(rotated.client_id))
    return rotated
