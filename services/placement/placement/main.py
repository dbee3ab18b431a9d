"""App factory of the placement service."""

import httpx
from fastapi import FastAPI

from placement.audit.models import audit
from placement.audit.router import router as audit_router
from placement.config import Settings
from placement.employers.designations.router import router as designations_router
from placement.employers.router import router as employers_router
from placement.events import router as events_router
from placement.events import webhooks
from placement.evidence.batch_router import router as batch_evidence_router
from placement.evidence.router import router as evidence_router
from placement.exports.router import router as exports_router
from placement.handover.router import router as handover_router
from placement.imports.router import router as imports_router
from placement.imports.service import Importer, new_jobs
from placement.matching.router import router as matching_router
from placement.placements.router import router as placements_router
from placement.posts.router import router as posts_router
from placement.referrals.router import router as referrals_router
from placement.registry_client import RegistryClient
from placement.registry_feed import follower as registry_feed
from placement.self_employment.router import router as self_employment_router
from placement.sites.router import router as sites_router
from placement.training.router import router as training_router
from shared.app import create_service_app, upload_limit
from shared.audit import sealer_hooks
from shared.http import ServiceClient, make_http_client
from shared.jwt import JWKSFetcher
from shared.tabular import Limits
from shared.webhooks import webhook_hooks, webhooks_router, webhooks_tag

OPENAPI_TAGS = [
    {
        "name": "placement-imports",
        "description": "Registering many employers or placements from a CSV or XLSX file (Chinese headings): "
        "a dry run, then a background job with progress; re-running a file skips what was imported.",
    },
    {
        "name": "placement-exports",
        "description": "Employers or placements as CSV or XLSX with their lists' filters and the import's "
        "headings, so an export can be corrected and imported again (placements: audited).",
    },
    {
        "name": "audit",
        "description": "The placement service's audit trail: who read or changed whose placement data, "
        "and whether the hash chain is intact (scope audit:read).",
    },
    {
        "name": "employers",
        "description": "Enterprises, individual businesses, private owners and public institutions that "
        "hire, and their Qihang designation history; township staff see only their own jurisdiction's, an "
        "employer's own system only that employer.",
    },
    {
        "name": "placement-sites",
        "description": "Qihang placement bases and points (安置基地 / 安置点) run with employers, and how many "
        "were open on a given day.",
    },
    {
        "name": "job-posts",
        "description": "Vacancies employers offer (岗位): headcount never exceeded, public-welfare posts "
        "(公益性岗位) with their funding; suitable posts for a person and candidates for a post.",
    },
    {
        "name": "referrals",
        "description": "People recommended to job posts (推荐就业), recommended → interview → offer → "
        "hired or declined, with history.",
    },
    {
        "name": "placements",
        "description": "Placements (就业安置) by route with their employment contracts, endings and "
        "follow-ups at 3, 6 and 12 months; township staff see only their jurisdiction's people.",
    },
    {
        "name": "subsidy-evidence",
        "description": "For the subsidy service and county staff: an employer's qualifying contracts in a "
        "year, its headcount and tier (placement subsidy, 企业安置补助).",
    },
    {
        "name": "placement-events",
        "description": "The feed of placement changes (employer registered, ...), in order and each once, "
        "for the services and departments that follow them.",
    },
    webhooks_tag(webhooks),
    {
        "name": "handovers",
        "description": "Hand-over from facilities (无缝对接): people released from compulsory isolation "
        "waiting for placement, with their days waiting, until placed or closed with a coded reason.",
    },
    {
        "name": "trainings",
        "description": "Skills training (就业技能培训): courses, sessions, enrolments and completions, and who "
        "among the eligible people is short of the notice's two trainings a year.",
    },
    {
        "name": "self-employments",
        "description": "Self-employment (自主创业: small enterprises, workshops, shops, restaurants) and the "
        "small guaranteed loans (小额担保贷款) whose interest the subsidy service subsidises.",
    },
]


def registry_client_hooks(settings: Settings, transport: httpx.AsyncBaseTransport | None):
    """Start-up and shut-down of `app.state.registry_client`: the registry reached through the gateway, on the
    process's pooled client (tests hand in a transport that fakes the registry)."""

    async def start(app: FastAPI) -> None:
        http = app.state.http
        if transport is not None:
            http = app.state.registry_http = make_http_client(
                timeout=settings.http_timeout_seconds,
                connect_timeout=settings.http_connect_timeout_seconds,
                transport=transport,
            )
        app.state.registry_client = RegistryClient(
            ServiceClient(http, name="registry", base_url=settings.gateway_url, retries=settings.http_retries)
        )

    async def stop(app: FastAPI) -> None:
        own = getattr(app.state, "registry_http", None)
        if own is not None:
            await own.aclose()

    return start, stop


def import_hooks(settings: Settings):
    """Start-up and shut-down of `app.state.placement_imports`: import jobs left running by a stopped process are
    marked interrupted at start; this process's running jobs are interrupted at shut-down."""

    async def start(app: FastAPI) -> None:
        app.state.placement_imports = Importer(
            jobs=new_jobs(settings.import_stale_seconds),
            sessions=app.state.sessionmaker,
            limits=Limits(max_bytes=settings.import_max_file_bytes, max_rows=settings.import_max_rows),
            batch_size=settings.import_batch_size,
        )
        await app.state.placement_imports.runner.recover()

    async def stop(app: FastAPI) -> None:
        await app.state.placement_imports.runner.shutdown()

    return start, stop


def create_app(
    settings: Settings | None = None,
    *,
    jwks_fetcher: JWKSFetcher | None = None,
    registry_transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    settings = settings or Settings()
    return create_service_app(
        settings,
        title="Qihang placement",
        description="Employment placement (就业安置): the employers (用人单位) that take on people in community "
        "detox and rehabilitation, Qihang enterprises (启航工程企业) and their placement points.",
        routers=[
            # Before employers_router and placements_router: /export must not be taken for their /{id} routes.
            exports_router,
            imports_router,
            employers_router,
            designations_router,
            sites_router,
            events_router,
            webhooks_router(webhooks),
            audit_router,
            # Before posts_router: its /{post_id} would otherwise catch /suitable-for/... paths.
            matching_router,
            posts_router,
            referrals_router,
            placements_router,
            evidence_router,
            batch_evidence_router,
            handover_router,
            training_router,
            self_employment_router,
        ],
        jwks_fetcher=jwks_fetcher,
        lifecycle=[
            registry_client_hooks(settings, registry_transport),
            (registry_feed.start, registry_feed.stop),
            import_hooks(settings),
            sealer_hooks(audit),
            webhook_hooks(webhooks, settings),
        ],
        body_limits=upload_limit("/api/v1/placement-imports", settings.import_max_file_bytes),
        openapi_tags=OPENAPI_TAGS,
    )
