"""App factory of the subsidy service."""

from fastapi import FastAPI

from shared.app import create_service_app
from shared.jwt import JWKSFetcher
from subsidy.config import Settings
from subsidy.policies.router import router as policies_router


def create_app(settings: Settings | None = None, *, jwks_fetcher: JWKSFetcher | None = None) -> FastAPI:
    return create_service_app(
        settings or Settings(),
        title="Qihang subsidy",
        description="Money and benefits: the yearly enterprise placement subsidy policy (补助政策) with its "
        "headcount tiers, and the subsidies decided and paid under it.",
        routers=[policies_router],
        jwks_fetcher=jwks_fetcher,
        openapi_tags=[
            {
                "name": "subsidy-policies",
                "description": "Yearly, versioned policies: drafts written by finance or the NCO, then published "
                "(one per year) and never changed.",
            }
        ],
    )
