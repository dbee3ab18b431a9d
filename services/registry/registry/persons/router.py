import uuid
from datetime import date
from typing import Literal

from fastapi import APIRouter, Response

from registry.history import service as history
from registry.measures.dependencies import SettingsDep
from registry.persons import lookup, service
from registry.persons.auditing import audited
from registry.persons.dependencies import CipherDep
from registry.persons.filters import PersonFilterDep
from registry.persons.schemas import (
    ArchiveRequest,
    IdNumberQuery,
    IdNumberRead,
    LookupRequest,
    LookupResult,
    PersonCreate,
    PersonRead,
    PersonUpdate,
)
from shared.auth import CurrentPrincipal
from shared.concurrency import IfMatch, set_etag
from shared.db import SessionDep
from shared.errors import problem_responses
from shared.idempotency import IdempotencyKeyHeader, send_created
from shared.pagination import Page, PageParamsDep
from shared.routes import creates, versioned

router = APIRouter(prefix="/api/v1/persons", tags=["persons"])
Sort = Literal["name", "-name", "created_at", "-created_at", "birth_date", "-birth_date"]


@router.get("", responses=problem_responses(400, 403))
async def list_persons(
    session: SessionDep,
    principal: CurrentPrincipal,
    params: PageParamsDep,
    filters: PersonFilterDep,
    sort: Sort = "name",
) -> Page[PersonRead]:
    """List the people you may see, filtered and sorted, a page at a time."""
    async with audited(session, principal, "person.list", reads_only=True) as trail:
        rows, cursor = await service.list_persons(
            session, principal=principal, filters=filters, params=params, sort=sort
        )
        trail.resource_ids = [p.id for p in rows]
    return Page(items=[service.to_read(p) for p in rows], next_cursor=cursor, limit=params.limit)


@router.post("", **creates(403, 409, 422, etag=True))
async def create_person(
    session: SessionDep,
    principal: CurrentPrincipal,
    body: PersonCreate,
    cipher: CipherDep,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> PersonRead:
    """Register a person; the ID number is validated, encrypted and checked for duplicates."""
    async with audited(session, principal, "person.create") as trail:
        created = await service.create_person(
            session,
            principal=principal,
            data=body,
            cipher=cipher,
            idempotency_key=idempotency_key,
            today=date.today(),
        )
        trail.resource_ids = [created.item.id]
        trail.changes = {
            "id_number": {"old": None, "new": "set"},
            "jurisdiction_code": {"old": None, "new": created.item.jurisdiction_code},
        }
    return send_created(response, created, location=f"/api/v1/persons/{created.item.id}", version=created.item.version)


@router.post("/search-by-id-number", **versioned(403, 404, 422))
async def find_by_id_number(
    session: SessionDep, principal: CurrentPrincipal, body: IdNumberQuery, cipher: CipherDep, response: Response
) -> PersonRead:
    """Find a person by national ID number (sent in the body, never in the URL)."""
    async with audited(session, principal, "person.search_by_id_number", reads_only=True) as trail:
        person = await service.find_by_id_number(session, principal=principal, raw=body.id_number, cipher=cipher)
        trail.resource_ids = [person.id]
    set_etag(response, person.version)
    return service.to_read(person)


@router.post("/lookup", responses=problem_responses(403, 422))
async def lookup_persons(
    session: SessionDep, principal: CurrentPrincipal, body: LookupRequest, settings: SettingsDep
) -> LookupResult:
    """Batch lookup for other services, as of a day: register, measures, stays, work ability, eligibility.

    Every fact is computed for `as_of` (default today; never after today): jurisdiction after transfers, on the
    register or not, age, work ability, the control measure in force, custody or facility stays, the measure
    history (kinds and dates, corrections applied) and placement eligibility under the definition the answer names
    with its version and day. A township caller gets only its own people (the others are `missing`)."""
    async with audited(session, principal, "person.lookup", person_ids=body.ids, reads_only=True) as trail:
        result = await lookup.lookup(
            session,
            principal=principal,
            ids=body.ids,
            as_of=body.as_of,
            today=date.today(),
            consolidation_years=settings.consolidation_years,
            working_age=settings.working_age,
        )
        trail.resource_ids = [item.id for item in result.items]
    return result


@router.get("/{person_id}", **versioned(403, 404))
async def get_person(
    session: SessionDep, principal: CurrentPrincipal, person_id: uuid.UUID, response: Response
) -> PersonRead:
    """One person's record, with the ID number masked; the ETag header is what If-Match wants."""
    async with audited(session, principal, "person.read", person_ids=[person_id], reads_only=True):
        person = await service.get_person(session, principal=principal, person_id=person_id)
    set_etag(response, person.version)
    return service.to_read(person)


@router.get("/{person_id}/id-number", responses=problem_responses(403, 404))
async def reveal_id_number(
    session: SessionDep, principal: CurrentPrincipal, person_id: uuid.UUID, cipher: CipherDep
) -> IdNumberRead:
    """The full national ID number, for those whose work needs it (every view is audited)."""
    async with audited(session, principal, "person.id_number.unmask", person_ids=[person_id], reads_only=True):
        person = await service.get_person(session, principal=principal, person_id=person_id)
        number = service.reveal_id_number(principal, person, cipher)
    return IdNumberRead(id_number=number)


@router.patch("/{person_id}", **versioned(403, 404, 409, 412, 422, 428))
async def update_person(
    session: SessionDep,
    principal: CurrentPrincipal,
    person_id: uuid.UUID,
    body: PersonUpdate,
    response: Response,
    if_match: IfMatch = None,
) -> PersonRead:
    """Change a person's record (If-Match required); only the fields your department may set."""
    async with audited(session, principal, "person.update", person_ids=[person_id]) as trail:
        person, trail.changes = await service.update_person(
            session, principal=principal, person_id=person_id, data=body, if_match=if_match, today=date.today()
        )
    set_etag(response, person.version)
    return service.to_read(person)


@router.post("/{person_id}/archive", **versioned(403, 404, 409, 422))
async def archive_person(
    session: SessionDep, principal: CurrentPrincipal, person_id: uuid.UUID, body: ArchiveRequest, response: Response
) -> PersonRead:
    """Take a person off the register and archive the record (an off-register change; records are never deleted).

    The change is dated (`effective_on`, default today) and coded (`reason_code`: died, moved_out_of_county,
    entered_in_error, other); the record can return to the register later with a `returned` change (see
    `/register-changes`)."""
    async with audited(session, principal, "person.archive", person_ids=[person_id]) as trail:
        person = await history.archive_person(
            session, principal=principal, person_id=person_id, data=body, today=date.today()
        )
        trail.changes = {
            "status": {"old": "active", "new": "archived"},
            "archived_on": {"old": None, "new": person.archived_on},
            "archive_reason_code": {"old": None, "new": person.archive_reason_code},
        }
    set_etag(response, person.version)
    return service.to_read(person)
