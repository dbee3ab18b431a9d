"""App factory of the subsidy service."""

from fastapi import FastAPI

from shared.app import create_service_app
from shared.audit import sealer_hooks
from shared.jwt import JWKSFetcher
from subsidy.audit.models import audit
from subsidy.audit.router import router as audit_router
from subsidy.config import Settings
from subsidy.policies.router import router as policies_router


def create_app(settings: Settings | None = None, *, jwks_fetcher: JWKSFetcher | None = None) -> FastAPI:
    start_sealer, stop_sealer = sealer_hooks(audit)
    return create_service_app(
        settings or Settings(),
        title="Qihang subsidy",
        description="Money and benefits: the yearly enterprise placement subsidy policy (补助政策) with its "
        "headcount tiers, and the subsidies decided and paid under it.",
        routers=[policies_router, audit_router],
        jwks_fetcher=jwks_fetcher,
        on_startup=[start_sealer],
        on_shutdown=[stop_sealer],
        openapi_tags=[
            {
                "name": "subsidy-policies",
                "description": "Yearly, versioned policies: drafts written by finance or the NCO, then published "
                "(one per year) and never changed.",
            },
            {
                "name": "audit",
                "description": "The subsidy service's audit trail: who read or changed which subsidy decisions and "
                "payments, and whether the hash chain is intact (scope audit:read).",
            },
        ],
    )
