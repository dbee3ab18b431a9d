"""App factory of the registry service."""

from fastapi import FastAPI

from registry.audit.router import router as audit_router
from registry.config import Settings
from registry.jurisdictions.router import router as jurisdictions_router
from registry.persons.crypto import IdNumberCipher, decode_key
from registry.persons.router import router as persons_router
from shared.app import create_service_app
from shared.jwt import JWKSFetcher


def create_app(settings: Settings | None = None, *, jwks_fetcher: JWKSFetcher | None = None) -> FastAPI:
    settings = settings or Settings()

    async def start(app: FastAPI) -> None:
        app.state.id_cipher = IdNumberCipher(
            decode_key(settings.id_number_encryption_key.get_secret_value()),
            decode_key(settings.id_number_hash_key.get_secret_value()),
        )

    return create_service_app(
        settings,
        title="Qihang registry",
        description="People in community detox (社区戒毒) and community rehabilitation (社区康复), "
        "their control measures, support teams, drug tests, treatment and welfare; the county's jurisdictions.",
        routers=[jurisdictions_router, persons_router, audit_router],
        jwks_fetcher=jwks_fetcher,
        on_startup=[start],
        openapi_tags=[
            {"name": "jurisdictions", "description": "The county and its 14 towns, townships and zones."},
            {"name": "persons", "description": "People in community detox and rehabilitation (sensitive data)."},
            {"name": "audit", "description": "Who read or changed whose record, when, and with what outcome."},
        ],
    )
