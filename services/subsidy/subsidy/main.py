"""App factory of the subsidy service."""

from datetime import timedelta

import httpx
from fastapi import FastAPI

from shared.app import create_service_app
from shared.audit import sealer_hooks
from shared.http import ServiceClient, make_http_client
from shared.jwt import JWKSFetcher
from shared.webhooks import webhook_hooks, webhooks_router, webhooks_tag
from subsidy.applications.router import router as applications_router
from subsidy.audit.models import audit
from subsidy.audit.router import router as audit_router
from subsidy.budgets.router import router as budgets_router
from subsidy.config import Settings
from subsidy.decisions.router import router as decisions_router
from subsidy.evaluations.router import router as evaluations_router
from subsidy.evaluations.router import what_if_router
from subsidy.evaluations.service import Evaluator
from subsidy.events import router as events_router
from subsidy.events import webhooks
from subsidy.evidence.client import PlacementClient
from subsidy.exports.router import router as exports_router
from subsidy.policies.router import router as policies_router
from subsidy.policies.router import types_router
from subsidy.totals.router import router as totals_router

OPENAPI_TAGS = [
    {
        "name": "subsidy-policies",
        "description": "Yearly policy versions with each subsidy type's rule as data: drafts edited by "
        "finance or the NCO, published versions frozen, a change a new version with what differs.",
    },
    {
        "name": "subsidy-budgets",
        "description": "Finance's budget per year and type, with what approvals used and what is left.",
    },
    {
        "name": "subsidy-evaluations",
        "description": "Evaluating a year from placement's evidence as a background job with progress, and "
        "the what-if of a draft policy, which stores nothing.",
    },
    {
        "name": "subsidy-decisions",
        "description": "What each employer or person gets of each type in a year, with the frozen evidence "
        "it rests on and every version a re-evaluation wrote.",
    },
    {
        "name": "subsidy-applications",
        "description": "Applications through township review, NCO review and finance approval to the "
        "recorded payment, with separation of duties and never a second payment.",
    },
    {"name": "subsidy-exports", "description": "Decisions and applications as CSV or XLSX, Chinese headings."},
    {
        "name": "subsidy-totals",
        "description": "A year's totals by type, tier, jurisdiction and status, and budgets used and left.",
    },
    {
        "name": "subsidy-events",
        "description": "The feed of decisions, application steps and payments, for reporting (county-wide).",
    },
    webhooks_tag(webhooks),
    {
        "name": "audit",
        "description": "The subsidy service's audit trail: who read or changed which subsidy decisions and "
        "payments, and whether the hash chain is intact (scope audit:read).",
    },
]


def evaluator_hooks(settings: Settings, transport: httpx.AsyncBaseTransport | None):
    """Start-up and shut-down of `app.state.subsidy_evaluator`: placement reached through the gateway with this
    service's own client (tests hand in a transport that stands for the gateway and placement); evaluations left
    running by a stopped process are marked interrupted at start, this process's are interrupted at shut-down."""

    async def start(app: FastAPI) -> None:
        http = app.state.http
        if transport is not None:
            http = app.state.placement_http = make_http_client(
                timeout=settings.http_timeout_seconds,
                connect_timeout=settings.http_connect_timeout_seconds,
                transport=transport,
            )
        secret = settings.service_client_secret.get_secret_value() if settings.service_client_secret else None
        client = PlacementClient(
            ServiceClient(http, name="placement", base_url=settings.gateway_url, retries=settings.http_retries),
            client_id=settings.service_client_id,
            client_secret=secret,
            page_size=settings.evidence_page_size,
        )
        app.state.subsidy_evaluator = Evaluator(
            sessions=app.state.sessionmaker,
            client=client,
            stale_after=timedelta(seconds=settings.evaluation_stale_seconds),
        )
        await app.state.subsidy_evaluator.recover()

    async def stop(app: FastAPI) -> None:
        await app.state.subsidy_evaluator.shutdown()
        own = getattr(app.state, "placement_http", None)
        if own is not None:
            await own.aclose()

    return start, stop


def create_app(
    settings: Settings | None = None,
    *,
    jwks_fetcher: JWKSFetcher | None = None,
    placement_transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    settings = settings or Settings()
    return create_service_app(
        settings,
        title="Qihang subsidy",
        description="Money and benefits (notice 84号 五(二)4): yearly, versioned subsidy policies with each type's "
        "rule as data; decisions per employer or person resting on frozen placement evidence; what-if of a draft "
        "policy against the budget; budgets; applications through township, NCO and finance to payment, never "
        "paid twice; totals, exports and an event feed for reporting.",
        routers=[
            policies_router,
            types_router,
            budgets_router,
            evaluations_router,
            what_if_router,
            # Before decisions_router and applications_router: /export must not be taken for their /{id} routes.
            exports_router,
            decisions_router,
            applications_router,
            totals_router,
            events_router,
            webhooks_router(webhooks),
            audit_router,
        ],
        jwks_fetcher=jwks_fetcher,
        lifecycle=[
            sealer_hooks(audit),
            evaluator_hooks(settings, placement_transport),
            webhook_hooks(webhooks, settings),
        ],
        openapi_tags=OPENAPI_TAGS,
    )
