"""App factory of the placement service."""

from fastapi import FastAPI

from placement.audit.router import router as audit_router
from placement.config import Settings
from placement.employers.router import router as employers_router
from placement.events import router as events_router
from shared.app import create_service_app
from shared.jwt import JWKSFetcher


def create_app(settings: Settings | None = None, *, jwks_fetcher: JWKSFetcher | None = None) -> FastAPI:
    return create_service_app(
        settings or Settings(),
        title="Qihang placement",
        description="Employment placement (就业安置): the employers (用人单位) that take on people in community "
        "detox and rehabilitation, Qihang enterprises (启航工程企业) and their placement points.",
        routers=[employers_router, events_router, audit_router],
        jwks_fetcher=jwks_fetcher,
        openapi_tags=[
            {
                "name": "audit",
                "description": "The placement service's audit trail: who read or changed whose placement data, "
                "and whether the hash chain is intact (scope audit:read).",
            },
            {
                "name": "employers",
                "description": "Enterprises, individual businesses and private owners that hire; "
                "township staff see only their own jurisdiction's.",
            },
            {
                "name": "placement-events",
                "description": "The feed of placement changes (employer registered, ...), in order and each once, "
                "for the services and departments that follow them.",
            },
        ],
    )
