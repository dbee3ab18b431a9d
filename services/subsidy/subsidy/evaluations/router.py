import uuid
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request, Response

from shared.auth import Principal, require_scopes
from shared.db import SessionDep
from shared.errors import problem_responses
from shared.idempotency import IdempotencyKeyHeader
from shared.openapi import response_headers
from shared.pagination import Page, PageParamsDep
from shared.routes import audited_page, send_started
from subsidy.auditing import audited
from subsidy.evaluations.schemas import EvaluationCreate, EvaluationRead, WhatIfCreate, WhatIfRead
from subsidy.evaluations.service import Evaluator
from subsidy.idempotency import store as idempotency

router = APIRouter(prefix="/api/v1/subsidy-evaluations", tags=["subsidy-evaluations"])
what_if_router = APIRouter(prefix="/api/v1/subsidy-what-ifs", tags=["subsidy-evaluations"])
Reader = Annotated[Principal, Depends(require_scopes("subsidy:read"))]
Writer = Annotated[Principal, Depends(require_scopes("subsidy:write"))]
RESOURCE = "subsidy_evaluation"
OPERATION = "POST /api/v1/subsidy-evaluations"


def get_evaluator(request: Request) -> Evaluator:
    return request.app.state.subsidy_evaluator


EvaluatorDep = Annotated[Evaluator, Depends(get_evaluator)]


@router.post(
    "",
    status_code=202,
    responses=problem_responses(403, 409, 422),
    response_description="The evaluation, queued; follow its Location.",
    openapi_extra=response_headers(202, "Location"),
)
async def start_subsidy_evaluation(
    session: SessionDep,
    principal: Writer,
    evaluator: EvaluatorDep,
    data: EvaluationCreate,
    response: Response,
    background: BackgroundTasks,
    idempotency_key: IdempotencyKeyHeader = None,
) -> EvaluationRead:
    """Evaluate a year under its published policy, as a background job with progress (NCO or finance).

    The job fetches the year's evidence from placement (every employer, or those named, and the self-employment
    records and loans when the policy has individual types), computes each beneficiary's outcome, and writes a new
    decision version only where the evidence differs from the current one, all in one transaction at the end.
    Placement down or slow: the job ends `failed` (placement_unavailable / placement_timeout) and no decision of it
    is written. One evaluation of a year at a time (409)."""
    async with audited(session, principal, "subsidy_evaluation.create", resource_type=RESOURCE) as trail:
        created = await idempotency.create(
            session,
            principal.subject,
            idempotency_key,
            OPERATION,
            data,
            EvaluationRead,
            lambda: evaluator.create(session, principal=principal, data=data),
            status=202,
            as_now=lambda first: evaluator.get(session, principal=principal, job_id=first.id),
        )
        trail.resource_ids = [created.item.id]
    return send_started(response, created, router.prefix, background, evaluator.launch)


@router.get("", responses=problem_responses(400, 403, 422))
async def list_subsidy_evaluations(
    session: SessionDep,
    principal: Reader,
    evaluator: EvaluatorDep,
    params: PageParamsDep,
    year: Annotated[int | None, Query(ge=2012, le=2100, description="Only this year's evaluations.")] = None,
) -> Page[EvaluationRead]:
    """List evaluations, newest first (NCO, finance, human resources)."""
    return await audited_page(
        audited(session, principal, "subsidy_evaluation.list", resource_type=RESOURCE),
        evaluator.page(session, principal=principal, params=params, year=year),
        params,
        resources=lambda items: [i.id for i in items],
    )


@router.get("/{evaluation_id}", responses=problem_responses(403, 404, 422))
async def get_subsidy_evaluation(
    session: SessionDep, principal: Reader, evaluator: EvaluatorDep, evaluation_id: uuid.UUID
) -> EvaluationRead:
    """One evaluation: status, phase, progress (employers fetched of the total), what it wrote, or why it failed."""
    async with audited(
        session, principal, "subsidy_evaluation.read", resource_type=RESOURCE, resource_ids=[evaluation_id]
    ):
        return await evaluator.get(session, principal=principal, job_id=evaluation_id)


@what_if_router.post("", responses=problem_responses(403, 404, 409, 422, 502, 503, 504))
async def subsidy_what_if(
    session: SessionDep, principal: Reader, evaluator: EvaluatorDep, data: WhatIfCreate
) -> WhatIfRead:
    """What a draft policy would give in a year, beside the published one and against the budget; stores nothing.

    Computed now from placement's current evidence (synchronously: placement down is 503, too slow 504): per
    beneficiary and type what the published policy gives, what the draft gives and the difference, and per type the
    totals against the year's budget. For a large county, name the types or employers to keep it quick."""
    async with audited(session, principal, "subsidy_what_if.read", resource_type="subsidy_policy") as trail:
        answer = await evaluator.what_if(session, principal=principal, data=data)
        trail.resource_ids = [i for i in (answer.draft_policy_id, answer.published_policy_id) if i is not None]
    return answer
