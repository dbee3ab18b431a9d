import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from placement.employers.exceptions import EmployerNotFound
from placement.employers.repository import EmployerRepository
from placement.events import outbox
from placement.idempotency import store as idempotency
from placement.posts import policy
from placement.posts.exceptions import InvalidPost, InvalidStatusChange, PostNotFound
from placement.posts.models import JobPost
from placement.posts.repository import PostFilter, PostRepository
from placement.posts.schemas import (
    CONTRACT_TYPE_LABELS_ZH,
    STATUS_LABELS_ZH,
    WORKING_PATTERN_LABELS_ZH,
    JobPostCreate,
    JobPostRead,
    JobPostUpdate,
)
from shared.auth import Principal
from shared.concurrency import require_version
from shared.idempotency import Created
from shared.pagination import PageParams
from shared.query import or_raise
from shared.reads import fields_of, read_of

CREATE_OPERATION = "POST /api/v1/job-posts"
# Status changes a caller may make; `filled` comes and goes with placements only.
ALLOWED_CHANGES: dict[str, frozenset[str]] = {
    "draft": frozenset({"open", "closed"}),
    "open": frozenset({"closed"}),
    "filled": frozenset({"closed"}),
    "closed": frozenset({"open"}),
}


def to_read(post: JobPost) -> JobPostRead:
    return read_of(
        JobPostRead,
        post,
        places_left=post.headcount - post.filled,
        contract_type_label_zh=CONTRACT_TYPE_LABELS_ZH[post.contract_type],
        working_pattern_label_zh=WORKING_PATTERN_LABELS_ZH[post.working_pattern],
        required_skills=list(post.required_skills),
        status_label_zh=STATUS_LABELS_ZH[post.status],
    )


def _event_data(post: JobPost) -> dict:
    return {
        "job_post_id": post.id,
        **fields_of(
            post, "employer_id", "jurisdiction_code", "status", "headcount", "filled", "is_public_welfare", "version"
        ),
    }


async def list_posts(
    session: AsyncSession, *, principal: Principal, filters: PostFilter, params: PageParams
) -> tuple[list[JobPostRead], str | None]:
    seen = policy.require_read(principal)
    rows, next_cursor = await PostRepository(session).page(filters, params, seen)
    return [to_read(p) for p in rows], next_cursor


async def get_post(session: AsyncSession, *, principal: Principal, post_id: uuid.UUID) -> JobPost:
    seen = policy.require_read(principal)
    return or_raise(await PostRepository(session).get(post_id, seen), PostNotFound, "No such job post.")


async def create_post(
    session: AsyncSession, *, principal: Principal, data: JobPostCreate, idempotency_key: str | None
) -> Created[JobPostRead]:
    seen = policy.require_write(principal)

    async def write() -> JobPostRead:
        if seen.employer_id is not None and data.employer_id != seen.employer_id:
            raise EmployerNotFound("No such employer.")
        employer = or_raise(
            await EmployerRepository(session).get(data.employer_id, jurisdiction_code=seen.jurisdiction),
            EmployerNotFound,
            "No such employer.",
        )
        post = await PostRepository(session).add(
            JobPost(**data.model_dump(), jurisdiction_code=employer.jurisdiction_code, filled=0)
        )
        await outbox.emit(
            session, kind="job_post.created", aggregate_type="job_post", aggregate_id=post.id, data=_event_data(post)
        )
        return to_read(post)

    return await idempotency.create(
        session, principal.subject, idempotency_key, CREATE_OPERATION, data, JobPostRead, write
    )


async def update_post(
    session: AsyncSession, *, principal: Principal, post_id: uuid.UUID, data: JobPostUpdate, if_match: str | None
) -> JobPostRead:
    seen = policy.require_write(principal)
    post = or_raise(
        await PostRepository(session).get(post_id, seen, for_update=True), PostNotFound, "No such job post."
    )
    require_version(if_match, post.version)
    changes = data.model_dump(exclude_unset=True)
    new_status = changes.pop("status", None)
    merged = dict(changes)
    welfare = merged.get("is_public_welfare", post.is_public_welfare)
    funding = merged.get("funding_source", post.funding_source)
    if welfare and not funding:
        raise InvalidPost("A public-welfare post (公益性岗位) needs its funding_source.")
    if not welfare and funding:
        if "funding_source" in changes:
            raise InvalidPost("funding_source is only for public-welfare posts.")
        merged["funding_source"] = None
    opens = merged.get("opens_on", post.opens_on)
    closes = merged.get("closes_on", post.closes_on)
    if closes is not None and closes < opens:
        raise InvalidPost("closes_on must not be before opens_on.")
    if merged.get("headcount", post.headcount) < post.filled:
        raise InvalidStatusChange(f"{post.filled} places are already filled: the headcount cannot be lower.")
    for field, value in merged.items():
        setattr(post, field, value)
    old_status = post.status
    if new_status is not None and new_status != post.status:
        if new_status not in ALLOWED_CHANGES[post.status]:
            raise InvalidStatusChange(f"A {post.status} post cannot become {new_status}.")
        post.status = new_status
    if post.status == "open" and post.filled >= post.headcount:
        post.status = "filled"
    elif post.status == "filled" and post.filled < post.headcount:
        post.status = "open"
    await session.flush()
    kind = "job_post.status_changed" if post.status != old_status else "job_post.updated"
    await outbox.emit(session, kind=kind, aggregate_type="job_post", aggregate_id=post.id, data=_event_data(post))
    return to_read(post)
