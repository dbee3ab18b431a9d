"""App factory of the reporting service."""

import asyncio
import contextlib

from fastapi import FastAPI

from reporting.assessments.router import router as assessments_router
from reporting.assessments.router import schemes as schemes_router
from reporting.bulletins import render
from reporting.bulletins.router import router as bulletins_router
from reporting.config import Settings
from reporting.indicators.router import router as indicators_router
from reporting.oversight.router import meetings as meetings_router
from reporting.oversight.router import overdue as overdue_router
from reporting.oversight.router import visits as visits_router
from reporting.readmodel import follower
from reporting.readmodel.router import router as feeds_router
from reporting.reports.router import router as reports_router
from shared.app import create_service_app
from shared.jwt import JWKSFetcher

OPENAPI_TAGS = [
    {
        "name": "indicators",
        "description": "What each indicator counts (numerator, denominator), in numbered definition versions.",
    },
    {
        "name": "targets",
        "description": "The notice's targets and the county's overrides, by indicator and year.",
    },
    {
        "name": "reports",
        "description": "Figures by jurisdiction and for the county on any date, trends, rankings.",
    },
    {
        "name": "bulletins",
        "description": "Published bulletins (通报): frozen, safe to share, as XLSX, PDF and charts.",
    },
    {
        "name": "assessments",
        "description": "Assessments (考核) of the jurisdictions under weighted schemes, one-vote veto.",
    },
    {
        "name": "oversight",
        "description": "Supervision visits (督导), joint meetings (联席会议) and what is overdue.",
    },
    {"name": "reporting-feeds", "description": "How fresh the read model is; rebuilding it from zero."},
]


async def warm_up_renderers(app: FastAPI) -> None:
    app.state.warm_up = asyncio.create_task(asyncio.to_thread(render.warm_up), name="reporting-warm-up")


async def settle_warm_up(app: FastAPI) -> None:
    task = getattr(app.state, "warm_up", None)
    if task is not None:
        with contextlib.suppress(Exception):
            await task


def create_app(settings: Settings | None = None, *, jwks_fetcher: JWKSFetcher | None = None) -> FastAPI:
    return create_service_app(
        settings or Settings(),
        title="Qihang reporting",
        description="Where each township stands on any date against the notice's (柳城政办〔2012〕84号) targets: "
        "indicators with explicit, versioned definitions computed from reporting's own read model of the "
        "registry's, placement's and subsidy's events; rankings, trends, bulletins (通报), assessments (考核) and "
        "oversight (督导, 联席会议).",
        routers=[
            indicators_router,
            reports_router,
            bulletins_router,
            schemes_router,
            assessments_router,
            visits_router,
            meetings_router,
            overdue_router,
            feeds_router,
        ],
        jwks_fetcher=jwks_fetcher,
        lifecycle=[(follower.start, follower.stop), (warm_up_renderers, settle_warm_up)],
        openapi_tags=OPENAPI_TAGS,
    )
