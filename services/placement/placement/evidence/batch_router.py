"""GET /api/v1/subsidy-evidence: the batch of placement/evidence/batch.py."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from placement.auditing import audited
from placement.evidence import batch
from placement.evidence.batch_schemas import BatchEvidence
from shared.auth import CurrentPrincipal
from shared.db import SessionDep
from shared.errors import problem_responses
from shared.pagination import PageParamsDep

router = APIRouter(prefix="/api/v1/subsidy-evidence", tags=["subsidy-evidence"])
MAX_EMPLOYERS_ASKED = 100


@router.get("", response_model=BatchEvidence, responses=problem_responses(400, 403, 422))
async def get_batch_subsidy_evidence(
    session: SessionDep,
    principal: CurrentPrincipal,
    params: PageParamsDep,
    year: Annotated[int, Query(ge=2012, le=2100, description="Calendar year of the subsidy.", examples=[2013])],
    employer_id: Annotated[
        list[uuid.UUID] | None,
        Query(
            max_length=MAX_EMPLOYERS_ASKED,
            description="Only these employers (repeat the parameter, at most 100); without it, every employer with "
            "at least one placement concerning the year.",
        ),
    ] = None,
) -> Response:
    """Many employers' evidence for the year's subsidies in one call, a page of employers at a time.

    Internal: for the subsidy service's client and county staff (NCO, human resources, finance), like the
    single-employer evidence, whose per-contract rule (`definition`) it applies to the same placements. Per employer:
    kind, jurisdiction, the days of the year it held the Qihang designation, headcount and tier, and every
    placement concerning the year with why it does or does not qualify. People are registry ids only. `limit`
    counts employers (1-200)."""
    async with audited(session, principal, "placement.subsidy_evidence.batch_read") as trail:
        answer = await batch.batch_evidence(
            session, principal=principal, year=year, employer_ids=employer_id or [], params=params
        )
        trail.resource_ids = list(dict.fromkeys(c.person_id for item in answer.items for c in item.contracts))
    # Hundreds of employers and thousands of contracts: serialised once, by pydantic's own encoder.
    return Response(answer.model_dump_json(), media_type="application/json")
