import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from placement.auditing import audited
from placement.evidence import service
from placement.evidence.schemas import SubsidyEvidence
from shared.auth import CurrentPrincipal
from shared.db import SessionDep
from shared.errors import problem_responses

router = APIRouter(prefix="/api/v1/employers/{employer_id}/subsidy-evidence", tags=["subsidy-evidence"])


@router.get("", response_model=SubsidyEvidence, responses=problem_responses(403, 404, 422))
async def get_subsidy_evidence(
    session: SessionDep,
    principal: CurrentPrincipal,
    employer_id: uuid.UUID,
    year: Annotated[int, Query(ge=2012, le=2100, description="Calendar year of the subsidy.", examples=[2026])],
) -> Response:
    """An employer's evidence for the placement subsidy in a year: qualifying people and contracts, headcount, tier.

    Internal: for the subsidy service's client and county staff (NCO, human resources, finance). Qualifying
    contracts (rule v2) are open-ended or run 12 months or more, were in force on some day of the year, and started
    while the person was under community detox or community rehabilitation (the registry's measure history as
    placement's projection of its feed holds it, at `registry_facts_as_of`); see `definition` in the answer.
    Excluded contracts name their reasons. The people are registry ids only."""
    async with audited(session, principal, "placement.subsidy_evidence.read") as trail:
        evidence = await service.subsidy_evidence(session, principal=principal, employer_id=employer_id, year=year)
        trail.resource_ids = [p.person_id for p in evidence.qualifying] + list(
            dict.fromkeys(c.person_id for c in evidence.non_qualifying)
        )
    # The answer for a large employer runs to hundreds of contracts: serialised once, by pydantic's own encoder.
    return Response(evidence.model_dump_json(), media_type="application/json")
