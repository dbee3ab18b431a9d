"""App factory of the registry service."""

from fastapi import FastAPI

from registry.audit.router import router as audit_router
from registry.config import Settings
from registry.drug_tests.router import router as drug_tests_router
from registry.events import router as events_router
from registry.jurisdictions.router import router as jurisdictions_router
from registry.measures.router import router as measures_router
from registry.persons.crypto import IdNumberCipher, decode_key
from registry.persons.router import router as persons_router
from registry.support.router import router as support_router
from registry.treatment.router import router as treatment_router
from registry.welfare.router import router as welfare_router
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
        routers=[
            jurisdictions_router,
            persons_router,
            measures_router,
            drug_tests_router,
            support_router,
            treatment_router,
            welfare_router,
            audit_router,
            events_router,
        ],
        jwks_fetcher=jwks_fetcher,
        on_startup=[start],
        openapi_tags=[
            {"name": "jurisdictions", "description": "The county and its 14 towns, townships and zones."},
            {"name": "registry-events", "description": "Changes to follow (ids, codes, dates; no personal details)."},
            {"name": "persons", "description": "People in community detox and rehabilitation (sensitive data)."},
            {
                "name": "measures",
                "description": "Control measures over time (管控措施), corrections, and the derived control status.",
            },
            {"name": "drug-tests", "description": "Drug tests (尿检 / 毛发检测); a positive result records a relapse."},
            {"name": "support", "description": "Support teams (帮扶小组) and their visits and talks (走访 / 谈话)."},
            {
                "name": "treatment",
                "description": "Voluntary detox agreements, methadone maintenance (美沙酮维持治疗) and counselling.",
            },
            {
                "name": "welfare",
                "description": "Minimum living guarantee (低保), medical insurance, disability, temporary relief and "
                "the employment/unemployment registration certificate (《就业失业登记证》).",
            },
            {"name": "audit", "description": "Who read or changed whose record, when, and with what outcome."},
        ],
    )
