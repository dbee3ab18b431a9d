"""App factory of the registry service."""

from fastapi import FastAPI

from registry.config import Settings
from registry.jurisdictions.router import router as jurisdictions_router
from shared.app import create_service_app
from shared.jwt import JWKSFetcher


def create_app(settings: Settings | None = None, *, jwks_fetcher: JWKSFetcher | None = None) -> FastAPI:
    return create_service_app(
        settings or Settings(),
        title="Qihang registry",
        description="People in community detox (社区戒毒) and community rehabilitation (社区康复), "
        "their control measures, support teams, drug tests, treatment and welfare; the county's jurisdictions.",
        routers=[jurisdictions_router],
        jwks_fetcher=jwks_fetcher,
        openapi_tags=[{"name": "jurisdictions", "description": "The county and its 14 towns, townships and zones."}],
    )
