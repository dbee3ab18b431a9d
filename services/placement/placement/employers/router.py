import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Response

from placement.employers import service
from placement.employers.filters import EmployerFilterDep
from placement.employers.schemas import (
    EmployerCreate,
    EmployerRead,
    EmployerUpdate,
)
from shared.auth import Principal, require_scopes
from shared.concurrency import IfMatch, send_versioned
from shared.db import SessionDep
from shared.errors import problem_responses
from shared.idempotency import IdempotencyKeyHeader
from shared.pagination import Page, PageParamsDep
from shared.routes import creates, send_created_at, versioned

router = APIRouter(prefix="/api/v1/employers", tags=["employers"])
Reader = Annotated[Principal, Depends(require_scopes("placement:read"))]
Writer = Annotated[Principal, Depends(require_scopes("placement:write"))]


@router.get("", responses=problem_responses(400, 403, 422))
async def list_employers(
    session: SessionDep, principal: Reader, params: PageParamsDep, filters: EmployerFilterDep
) -> Page[EmployerRead]:
    """List employers by name; township staff see only their own jurisdiction's, an employer's system only itself."""
    return Page.of(await service.list_employers(session, principal=principal, filters=filters, params=params), params)


@router.post(
    "",
    **creates(403, 409, 422, etag=True),
    response_description="The employer registered (or, on a retry with the same Idempotency-Key, the first result).",
)
async def create_employer(
    session: SessionDep,
    principal: Writer,
    data: EmployerCreate,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> EmployerRead:
    """Register an employer; township staff only in their own jurisdiction.

    It starts not designated: make it a Qihang enterprise with `POST /api/v1/employers/{id}/designations`."""
    created = await service.create_employer(session, principal=principal, data=data, idempotency_key=idempotency_key)
    return send_created_at(response, created, router.prefix, versioned=True)


@router.get("/{employer_id}", **versioned(403, 404, 422))
async def get_employer(
    session: SessionDep, principal: Reader, employer_id: uuid.UUID, response: Response
) -> EmployerRead:
    """Get one employer, with its version as ETag."""
    return send_versioned(response, await service.get_employer(session, principal=principal, employer_id=employer_id))


@router.patch("/{employer_id}", **versioned(403, 404, 409, 412, 422, 428))
async def update_employer(
    session: SessionDep,
    principal: Writer,
    employer_id: uuid.UUID,
    data: EmployerUpdate,
    response: Response,
    if_match: IfMatch = None,
) -> EmployerRead:
    """Change an employer's details (If-Match required); township staff only within their jurisdiction."""
    return send_versioned(
        response,
        await service.update_employer(
            session, principal=principal, employer_id=employer_id, data=data, if_match=if_match
        ),
    )
