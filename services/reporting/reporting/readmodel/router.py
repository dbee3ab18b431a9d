from fastapi import APIRouter, Response

from reporting.readmodel import service
from reporting.readmodel.repository import ReadModelRepository
from reporting.readmodel.schemas import FeedsRead, RebuildRead
from reporting.reports import policy
from reporting.reports.service import freshness
from shared.auth import CurrentPrincipal
from shared.db import SessionDep
from shared.errors import problem_responses
from shared.openapi import response_headers

router = APIRouter(prefix="/api/v1/reporting-feeds", tags=["reporting-feeds"])


@router.get("", responses=problem_responses(403))
async def feeds_status(session: SessionDep, principal: CurrentPrincipal) -> FeedsRead:
    """How fresh the read model is: per source, what has been read and whether it is failing ("data as of")."""
    policy.require_view(principal)
    return FeedsRead(sources=await freshness(session), people_waiting=await ReadModelRepository(session).dirty_count())


@router.post(
    "/rebuild", status_code=202, responses=problem_responses(403), openapi_extra=response_headers(202, "Location")
)
async def rebuild(session: SessionDep, principal: CurrentPrincipal, response: Response) -> RebuildRead:
    """Rebuild the read model from zero: forget every fact and cursor; the follower reads every feed from its start."""
    policy.require_rebuild(principal)
    await service.rebuild(session)
    response.headers["Location"] = "/api/v1/reporting-feeds"
    return RebuildRead(status="rebuilding")
