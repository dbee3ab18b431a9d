import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from placement.auditing import audited
from placement.matching import service
from placement.matching.schemas import Candidates, SuitablePosts
from placement.registry_client import RegistryDep
from shared.auth import CurrentPrincipal
from shared.db import SessionDep
from shared.errors import problem_responses

router = APIRouter(prefix="/api/v1/job-posts", tags=["job-posts"])


@router.get("/suitable-for/{person_id}", responses=problem_responses(403, 404, 422, 503, 504))
async def suitable_posts(
    session: SessionDep, principal: CurrentPrincipal, registry: RegistryDep, person_id: uuid.UUID
) -> SuitablePosts:
    """Open posts in a person's jurisdiction that they can do (work ability), best skill match first.

    The person's skills, work ability, jurisdiction and status come from the registry, asked with your token."""
    async with audited(session, principal, "placement.match.posts_for_person", person_ids=[person_id]):
        return await service.suitable_posts(session, principal=principal, registry=registry, person_id=person_id)


@router.get("/{post_id}/candidates", responses=problem_responses(403, 404, 422, 503, 504))
async def post_candidates(
    session: SessionDep,
    principal: CurrentPrincipal,
    registry: RegistryDep,
    post_id: uuid.UUID,
    person_id: Annotated[
        list[uuid.UUID] | None,
        Query(max_length=200, description="Further people to consider (repeat the parameter, at most 200)."),
    ] = None,
) -> Candidates:
    """Candidates for a post: people referred or placed before in its jurisdiction, plus those you name, who fit.

    Placement keeps no list of people: see `pool` in the answer for who was considered."""
    async with audited(session, principal, "placement.match.candidates_for_post") as trail:
        result = await service.candidates(
            session, principal=principal, registry=registry, post_id=post_id, given=person_id or []
        )
        trail.resource_ids = [c.person_id for c in result.items]
    return result
