"""App factory of the registry service."""

from fastapi import FastAPI

from registry.audit.models import audit
from registry.audit.router import router as audit_router
from registry.config import Settings
from registry.drug_tests.router import router as drug_tests_router
from registry.events import router as events_router
from registry.events import webhooks
from registry.exports.router import router as exports_router
from registry.history.router import router as history_router
from registry.imports.router import router as imports_router
from registry.imports.service import PersonImporter, new_jobs
from registry.jurisdictions.router import router as jurisdictions_router
from registry.measures.router import router as measures_router
from registry.persons.crypto import IdNumberCipher, decode_key
from registry.persons.router import router as persons_router
from registry.records.router import router as records_router
from registry.support.router import router as support_router
from registry.transfers.router import person_router as person_transfers_router
from registry.transfers.router import router as transfers_router
from registry.treatment.router import router as treatment_router
from registry.welfare.router import router as welfare_router
from shared.app import Lifecycle, create_service_app, upload_limit
from shared.audit import sealer_hooks
from shared.jwt import JWKSFetcher
from shared.tabular import Limits
from shared.webhooks import webhook_hooks, webhooks_router, webhooks_tag

OPENAPI_TAGS = [
    {"name": "jurisdictions", "description": "The county and its 14 towns, townships and zones."},
    {"name": "registry-events", "description": "Changes to follow (ids, codes, dates; no personal details)."},
    webhooks_tag(webhooks),
    {"name": "persons", "description": "People in community detox and rehabilitation (sensitive data)."},
    {
        "name": "person-exports",
        "description": "A list of people as CSV or XLSX, with the list's filters (ID numbers masked unless "
        "asked for and allowed).",
    },
    {
        "name": "person-records",
        "description": "Everything held about one person, for a lawful request (county NCO only).",
    },
    {
        "name": "person-imports",
        "description": "Registering many people from a CSV or XLSX file: a dry run, then a background job.",
    },
    {
        "name": "measures",
        "description": "Control measures over time (管控措施), corrections, and the derived control status.",
    },
    {
        "name": "register-changes",
        "description": "Leaving the register (离册: died, moved out of the county, entered in error, other) "
        "and returning to it, each with its effective day; archiving is leaving.",
    },
    {
        "name": "work-ability-changes",
        "description": "Work ability (劳动能力) as dated changes, so that it can be asked for any day.",
    },
    {
        "name": "stays",
        "description": "Custody (拘留, 刑事羁押) and facility (住院 ...) stays, which may overlap a community "
        "measure without ending it.",
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
    {
        "name": "transfers",
        "description": "Moving a person between jurisdictions (人员迁移): proposed by the jurisdiction holding "
        "the person, accepted or rejected by the receiving one; both keep the history.",
    },
    {"name": "audit", "description": "Who read or changed whose record, when, and with what outcome."},
]


def person_hooks(settings: Settings) -> Lifecycle:
    """Start-up and shut-down of `app.state.id_cipher` (ID numbers encrypted and hashed) and
    `app.state.person_imports`: import jobs left running by a stopped process are marked interrupted at start; this
    process's running jobs are interrupted at shut-down."""

    async def start(app: FastAPI) -> None:
        app.state.id_cipher = IdNumberCipher(
            decode_key(settings.id_number_encryption_key.get_secret_value()),
            decode_key(settings.id_number_hash_key.get_secret_value()),
        )
        app.state.person_imports = PersonImporter(
            jobs=new_jobs(settings.import_stale_seconds),
            sessions=app.state.sessionmaker,
            cipher=app.state.id_cipher,
            limits=Limits(max_bytes=settings.import_max_file_bytes, max_rows=settings.import_max_rows),
            batch_size=settings.import_batch_size,
        )
        await app.state.person_imports.runner.recover()

    async def stop(app: FastAPI) -> None:
        await app.state.person_imports.runner.shutdown()

    return start, stop


def create_app(settings: Settings | None = None, *, jwks_fetcher: JWKSFetcher | None = None) -> FastAPI:
    settings = settings or Settings()
    return create_service_app(
        settings,
        title="Qihang registry",
        description="People in community detox (社区戒毒) and community rehabilitation (社区康复), "
        "their control measures, support teams, drug tests, treatment and welfare; the county's jurisdictions.",
        routers=[
            jurisdictions_router,
            # Before persons_router: /api/v1/persons/export must not be taken for /api/v1/persons/{person_id}.
            exports_router,
            persons_router,
            records_router,
            imports_router,
            measures_router,
            history_router,
            drug_tests_router,
            support_router,
            treatment_router,
            welfare_router,
            transfers_router,
            person_transfers_router,
            audit_router,
            events_router,
            webhooks_router(webhooks),
        ],
        jwks_fetcher=jwks_fetcher,
        lifecycle=[person_hooks(settings), sealer_hooks(audit), webhook_hooks(webhooks, settings)],
        body_limits=upload_limit("/api/v1/person-imports", settings.import_max_file_bytes),
        openapi_tags=OPENAPI_TAGS,
    )
