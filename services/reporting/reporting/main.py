"""App factory of the reporting service."""

from fastapi import FastAPI

from reporting.config import Settings
from reporting.indicators.router import router as indicators_router
from shared.app import create_service_app
from shared.jwt import JWKSFetcher


def create_app(settings: Settings | None = None, *, jwks_fetcher: JWKSFetcher | None = None) -> FastAPI:
    return create_service_app(
        settings or Settings(),
        title="Qihang reporting",
        description="Indicators, targets, assessment and bulletins: the notice's (柳城政办〔2012〕84号) indicators "
        "with explicit, versioned definitions, and the targets the county must reach.",
        routers=[indicators_router],
        jwks_fetcher=jwks_fetcher,
        openapi_tags=[
            {
                "name": "indicators",
                "description": "What each indicator counts (numerator, denominator), in numbered definition versions.",
            },
            {"name": "targets", "description": "The values the notice requires, by indicator and date."},
        ],
    )
