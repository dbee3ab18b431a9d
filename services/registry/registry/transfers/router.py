import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Query, Response

from registry.transfers import service
from registry.transfers.auditing import audited
from registry.transfers.repository import TransferFilter
from registry.transfers.schemas import (
    Direction,
    TransferCancel,
    TransferCreate,
    TransferRead,
    TransferReject,
    TransferStatus,
)
from shared.auth import CurrentPrincipal
from shared.concurrency import IfMatch, send_versioned
from shared.db import SessionDep
from shared.errors import problem_responses
from shared.idempotency import IdempotencyKeyHeader, send_created
from shared.pagination import Page, PageParamsDep
from shared.reference import JurisdictionCode
from shared.routes import audited_page, creates, versioned

router = APIRouter(prefix="/api/v1/transfers", tags=["transfers"])
person_router = APIRouter(prefix="/api/v1/persons/{person_id}", tags=["transfers"])


def _ids(items: list[TransferRead]) -> list[uuid.UUID]:
    return [i for item in items for i in (item.id, item.person_id)]


@router.get("", responses=problem_responses(400, 403, 422))
async def list_transfers(
    session: SessionDep,
    principal: CurrentPrincipal,
    params: PageParamsDep,
    status: Annotated[TransferStatus | None, Query(description="Only transfers in this state.")] = None,
    direction: Annotated[
        Direction | None,
        Query(description="`in`: into `jurisdiction_code`; `out`: out of it. Default: both."),
    ] = None,
    jurisdiction_code: Annotated[
        JurisdictionCode | None,
        Query(
            description="Whose transfers: township staff default to (and only ever see) their own jurisdiction's; "
            "county-wide callers name one to use `direction`.",
            examples=["dapu"],
        ),
    ] = None,
    person_id: Annotated[uuid.UUID | None, Query(description="Only this person's transfers.")] = None,
) -> Page[TransferRead]:
    """List the transfers your jurisdiction proposed or received, newest first, a page at a time."""
    filters = TransferFilter(
        status=status, direction=direction, jurisdiction_code=jurisdiction_code, person_id=person_id
    )
    return await audited_page(
        audited(session, principal, "transfer.list"),
        service.list_transfers(session, principal=principal, filters=filters, params=params),
        params,
        resources=_ids,
    )


@router.post("", **creates(403, 404, 409, 422, etag=True))
async def propose_transfer(
    session: SessionDep,
    principal: CurrentPrincipal,
    body: TransferCreate,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> TransferRead:
    """Propose moving a person to another jurisdiction; the receiving jurisdiction accepts or rejects it.

    Only the person's current jurisdiction (or the county narcotics office) may propose, at most one transfer per
    person may be open, and an archived record cannot move. Send Idempotency-Key so a retry proposes once."""
    async with audited(session, principal, "transfer.propose") as trail:
        created = await service.propose_transfer(
            session, principal=principal, data=body, idempotency_key=idempotency_key, trail=trail
        )
        trail.changes = {
            "status": {"old": None, "new": "proposed"},
            "from_jurisdiction_code": {"old": None, "new": created.item.from_jurisdiction_code},
            "to_jurisdiction_code": {"old": None, "new": created.item.to_jurisdiction_code},
            **{
                field: {"old": None, "new": "set"}
                for field in ("reason", "new_residence_address", "notes")
                if getattr(body, field) is not None
            },
        }
    return send_created(
        response, created, location=f"/api/v1/transfers/{created.item.id}", version=created.item.version
    )


@router.get("/{transfer_id}", **versioned(403, 404))
async def get_transfer(
    session: SessionDep, principal: CurrentPrincipal, transfer_id: uuid.UUID, response: Response
) -> TransferRead:
    """One transfer, if your jurisdiction is a party to it; the ETag header is what If-Match wants."""
    async with audited(session, principal, "transfer.read", resource_ids=[transfer_id]) as trail:
        return send_versioned(
            response, await service.get_transfer(session, principal=principal, transfer_id=transfer_id, trail=trail)
        )


@router.post("/{transfer_id}/accept", **versioned(403, 404, 409, 412, 428))
async def accept_transfer(
    session: SessionDep,
    principal: CurrentPrincipal,
    transfer_id: uuid.UUID,
    response: Response,
    if_match: IfMatch = None,
) -> TransferRead:
    """Accept a proposed transfer into your jurisdiction (If-Match required): the person moves at once.

    In the same transaction the person's jurisdiction (and residence address, if the proposal gave one) changes and
    its version goes up, so an If-Match read before the move is stale. The proposing side keeps the transfer in its
    history but no longer sees the person."""
    async with audited(session, principal, "transfer.accept", resource_ids=[transfer_id]) as trail:
        read, trail.changes = await service.accept_transfer(
            session, principal=principal, transfer_id=transfer_id, if_match=if_match, trail=trail
        )
    return send_versioned(response, read)


@router.post("/{transfer_id}/reject", **versioned(403, 404, 409, 412, 422, 428))
async def reject_transfer(
    session: SessionDep,
    principal: CurrentPrincipal,
    transfer_id: uuid.UUID,
    body: TransferReject,
    response: Response,
    if_match: IfMatch = None,
) -> TransferRead:
    """Reject a proposed transfer into your jurisdiction, saying why (If-Match required); the person stays."""
    async with audited(session, principal, "transfer.reject", resource_ids=[transfer_id]) as trail:
        read, trail.changes = await service.reject_transfer(
            session, principal=principal, transfer_id=transfer_id, reason=body.reason, if_match=if_match, trail=trail
        )
    return send_versioned(response, read)


@router.post("/{transfer_id}/cancel", **versioned(403, 404, 409, 412, 422, 428))
async def cancel_transfer(
    session: SessionDep,
    principal: CurrentPrincipal,
    transfer_id: uuid.UUID,
    response: Response,
    body: Annotated[TransferCancel | None, Body()] = None,
    if_match: IfMatch = None,
) -> TransferRead:
    """Withdraw a transfer your jurisdiction proposed, before it is decided (If-Match required)."""
    async with audited(session, principal, "transfer.cancel", resource_ids=[transfer_id]) as trail:
        read, trail.changes = await service.cancel_transfer(
            session,
            principal=principal,
            transfer_id=transfer_id,
            reason=body.reason if body else None,
            if_match=if_match,
            trail=trail,
        )
    return send_versioned(response, read)


@person_router.get("/transfers", responses=problem_responses(400, 403, 404))
async def list_person_transfers(
    session: SessionDep, principal: CurrentPrincipal, person_id: uuid.UUID, params: PageParamsDep
) -> Page[TransferRead]:
    """A person's transfer history between jurisdictions, newest first (for people you may see now)."""
    return await audited_page(
        audited(session, principal, "transfer.list", resource_ids=[person_id]),
        service.list_person_transfers(session, principal=principal, person_id=person_id, params=params),
        params,
        resources=lambda items: [person_id, *(item.id for item in items)],
    )
