import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from placement.employers.schemas import JurisdictionCode
from placement.posts import service
from placement.posts.repository import PostFilter
from placement.posts.schemas import JobPostCreate, JobPostRead, JobPostUpdate, PostStatus, WorkingPattern
from shared.auth import CurrentPrincipal
from shared.concurrency import IfMatch, send_versioned, set_etag
from shared.db import SessionDep
from shared.errors import problem_responses
from shared.idempotency import IdempotencyKeyHeader
from shared.pagination import Page, PageParamsDep
from shared.routes import creates, send_created_at, versioned

router = APIRouter(prefix="/api/v1/job-posts", tags=["job-posts"])


@router.get("", responses=problem_responses(400, 403, 422))
async def list_job_posts(
    session: SessionDep,
    principal: CurrentPrincipal,
    params: PageParamsDep,
    employer_id: Annotated[uuid.UUID | None, Query(description="Only this employer's posts.")] = None,
    jurisdiction_code: Annotated[JurisdictionCode | None, Query(description="Only this jurisdiction.")] = None,
    status: Annotated[PostStatus | None, Query(description="Only posts in this status.")] = None,
    working_pattern: Annotated[WorkingPattern | None, Query(description="Only this working pattern.")] = None,
    is_public_welfare: Annotated[bool | None, Query(description="Only public-welfare posts, or only others.")] = None,
) -> Page[JobPostRead]:
    """List job posts, newest first; township staff see their jurisdiction's, an employer's client its own."""
    filters = PostFilter(
        employer_id=employer_id,
        jurisdiction_code=jurisdiction_code,
        status=status,
        working_pattern=working_pattern,
        is_public_welfare=is_public_welfare,
    )
    return Page.of(await service.list_posts(session, principal=principal, filters=filters, params=params), params)


@router.post(
    "",
    **creates(403, 404, 409, 422, etag=True),
    response_description="The post (or, on a retry with the same Idempotency-Key, the first result).",
)
async def create_job_post(
    session: SessionDep,
    principal: CurrentPrincipal,
    data: JobPostCreate,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JobPostRead:
    """Publish a job post for an employer, or keep it as a draft."""
    created = await service.create_post(session, principal=principal, data=data, idempotency_key=idempotency_key)
    return send_created_at(response, created, router.prefix, versioned=True)


@router.get("/{post_id}", **versioned(403, 404, 422))
async def get_job_post(
    session: SessionDep, principal: CurrentPrincipal, post_id: uuid.UUID, response: Response
) -> JobPostRead:
    """Get one job post, with its version as ETag."""
    post = await service.get_post(session, principal=principal, post_id=post_id)
    set_etag(response, post.version)
    return service.to_read(post)


@router.patch("/{post_id}", **versioned(403, 404, 409, 412, 422, 428))
async def update_job_post(
    session: SessionDep,
    principal: CurrentPrincipal,
    post_id: uuid.UUID,
    data: JobPostUpdate,
    response: Response,
    if_match: IfMatch = None,
) -> JobPostRead:
    """Change a job post or its status (open, close, reopen); needs If-Match."""
    return send_versioned(
        response, await service.update_post(session, principal=principal, post_id=post_id, data=data, if_match=if_match)
    )
