import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from placement.employers.exceptions import EmployerNotFound
from placement.employers.repository import EmployerRepository
from placement.events import outbox
from placement.handover import service as handover
from placement.idempotency import store as idempotency
from placement.placements import policy, rules
from placement.placements.contracts import FOLLOW_UP_MONTHS, add_months, term_months
from placement.placements.exceptions import (
    AlreadyPlacedFullTime,
    FollowUpNotFound,
    FollowUpNotYetDue,
    InvalidPlacement,
    PersonNotFound,
    PersonNotPlaceable,
    PlacementAlreadyEnded,
    PlacementNotFound,
)
from placement.placements.models import FollowUp, Placement
from placement.placements.repository import ACTIVE_FULL_TIME_INDEX, PlacementFilter, PlacementRepository
from placement.placements.schemas import (
    EMPLOYED_ROUTES,
    END_REASON_LABELS_ZH,
    ROUTE_LABELS_ZH,
    STATUS_LABELS_ZH,
    WORKING_PATTERN_LABELS,
    Contract,
    ContractRead,
    EndedByRegistryEvent,
    FollowUpDue,
    FollowUpRead,
    FollowUpRecord,
    PlacementCorrection,
    PlacementCreate,
    PlacementEnd,
    PlacementRead,
)
from placement.posts.exceptions import PostFull, PostNotFound, PostNotOpen
from placement.posts.models import JobPost
from placement.posts.repository import PostRepository
from placement.referrals.models import Referral
from placement.registry_client import PersonFacts, RegistryClient
from placement.sites.exceptions import SiteNotFound
from shared.auth import Principal
from shared.concurrency import require_version
from shared.db import violated_constraint
from shared.idempotency import Created
from shared.pagination import PageParams
from shared.query import or_raise
from shared.reads import fields_of, read_of

CREATE_OPERATION = "POST /api/v1/placements"
EARLY_FOLLOW_UP_DAYS = 14


def to_read(placement: Placement, follow_ups: list[FollowUp]) -> PlacementRead:
    contract = None
    if placement.contract_number is not None:
        contract = ContractRead(
            number=placement.contract_number,
            signed_on=placement.contract_signed_on,
            start_on=placement.start_on,
            end_on=placement.contract_end_on,
            open_ended=bool(placement.contract_open_ended),
            term_months=placement.contract_term_months,
            monthly_wage=placement.monthly_wage,
        )
    status = "active" if placement.ended_on is None else "ended"
    return read_of(
        PlacementRead,
        placement,
        route_label_zh=ROUTE_LABELS_ZH[placement.route],
        working_pattern_label_zh=WORKING_PATTERN_LABELS[placement.working_pattern],
        contract=contract,
        status=status,
        status_label_zh=STATUS_LABELS_ZH[status],
        end_reason_label_zh=END_REASON_LABELS_ZH.get(placement.end_reason or ""),
        ended_by_registry_event=None
        if placement.ended_by_event_id is None
        else EndedByRegistryEvent(event_id=placement.ended_by_event_id, kind=placement.ended_by_event_kind or ""),
        follow_ups=[read_of(FollowUpRead, f) for f in follow_ups],
    )


EVENT_SCHEMA_VERSION = 2


def _event_data(placement: Placement) -> dict:
    return {
        "schema_version": EVENT_SCHEMA_VERSION,
        "placement_id": placement.id,
        **fields_of(
            placement,
            "person_id",
            "jurisdiction_code",
            "route",
            "employer_id",
            "post_id",
            "working_pattern",
            "start_on",
            "contract_open_ended",
            "contract_term_months",
            "eligibility_checked_on",
            "eligibility_rule",
            "version",
        ),
    }


async def _emit(session: AsyncSession, kind: str, placement: Placement, data: dict[str, Any]) -> None:
    """An event of the placement, in the same transaction."""
    await outbox.emit(session, kind=kind, aggregate_type="placement", aggregate_id=placement.id, data=data)


def _ended_data(placement: Placement) -> dict:
    return {
        **_event_data(placement),
        "ended_on": placement.ended_on,
        "end_reason": placement.end_reason,
        "ended_by_registry_event_id": placement.ended_by_event_id,
        "ended_by_registry_event_kind": placement.ended_by_event_kind,
    }


async def _person(registry: RegistryClient, principal: Principal, person_id: uuid.UUID) -> PersonFacts:
    found = (await registry.lookup(principal, [person_id])).found.get(person_id)
    # Another jurisdiction's person does not exist for township staff: the registry leaves them out, and so do we.
    if found is None or (principal.jurisdiction is not None and found.jurisdiction_code != principal.jurisdiction):
        raise PersonNotFound("No such person.")
    return found


async def person_on(
    registry: RegistryClient, principal: Principal, person_id: uuid.UUID, start_on: date, today: date
) -> tuple[PersonFacts, PersonFacts]:
    """The person as they stand today (who may see them, their jurisdiction now) and as they stood on the day the
    placement is checked on (rules.checked_on): one registry lookup when that day is today, else two."""
    current = await _person(registry, principal, person_id)
    on = rules.checked_on(start_on, today)
    if on == today:
        return current, current
    then = or_raise(
        (await registry.lookup(principal, [person_id], as_of=on)).found.get(person_id),
        PersonNotFound,
        "No such person.",
    )
    return current, then


async def create_placement(
    session: AsyncSession,
    *,
    principal: Principal,
    registry: RegistryClient,
    data: PlacementCreate,
    idempotency_key: str | None,
    today: date | None = None,
) -> Created[PlacementRead]:
    """`today`: the day the facts are known up to (an import passes the day its lookups were made)."""
    policy.require_write(principal)
    return await idempotency.create(
        session,
        principal.subject,
        idempotency_key,
        CREATE_OPERATION,
        data,
        PlacementRead,
        lambda: _place(session, principal=principal, registry=registry, data=data, today=today or date.today()),
    )


async def _place(
    session: AsyncSession, *, principal: Principal, registry: RegistryClient, data: PlacementCreate, today: date
) -> PlacementRead:
    """A person is placed when the registry says they may be on the contract's start day, the workplace is one
    (a post with a free place, a site, an employer), the work fits what they can do, and they hold no other
    full-time placement; the placement starts its follow-ups and is announced."""
    # The registry first: when it is down or slow the request fails before anything is written.
    start_on = _start_on(data)
    current, facts = await _placeable_person(registry, principal, data.person_id, start_on, today)
    work = await _workplace(session, principal, data)
    if not rules.work_fits(facts, working_pattern=work.working_pattern, light_work=work.light_work):
        raise PersonNotPlaceable(
            "The person has partly lost the ability to work: only part-time or seasonal work, or a light post."
        )
    repo = PlacementRepository(session)
    if work.working_pattern == "full_time" and await repo.active_full_time(data.person_id) is not None:
        raise AlreadyPlacedFullTime("The person already has an active full-time placement; end it first.")
    if work.post is not None:
        await _take_place(PostRepository(session), work.post)
    placement, follow_ups = await _insert(
        repo,
        data,
        work,
        start_on=start_on,
        # Where the person is registered now: township lists filter on it (the feed moves it with transfers).
        jurisdiction_code=current.jurisdiction_code,
        today=today,
    )
    await _announce(session, placement, work.post)
    return to_read(placement, follow_ups)


def _start_on(data: PlacementCreate) -> date:
    """Placeability is checked on the contract's start date (a 2012 contract against the person's facts in 2012)."""
    start_on = data.contract.start_on if data.contract is not None else data.start_on
    assert start_on is not None  # PlacementCreate requires one or the other
    return start_on


async def _placeable_person(
    registry: RegistryClient, principal: Principal, person_id: uuid.UUID, start_on: date, today: date
) -> tuple[PersonFacts, PersonFacts]:
    """The person now and on the day checked (person_on), refused when the rules say they may not be placed."""
    current, facts = await person_on(registry, principal, person_id, start_on, today)
    why_not = rules.refusal(facts)
    if why_not is not None:
        raise PersonNotPlaceable(why_not)
    return current, facts


@dataclass(frozen=True, slots=True)
class Workplace:
    """Where the person is placed: the employer and working pattern follow from the post and site when given."""

    employer_id: uuid.UUID | None
    working_pattern: str
    light_work: bool
    post: JobPost | None


async def _workplace(session: AsyncSession, principal: Principal, data: PlacementCreate) -> Workplace:
    employer_id = data.employer_id
    working_pattern = data.working_pattern
    light_work = False
    post = None
    if data.post_id is not None:
        post = or_raise(
            await PostRepository(session).get(data.post_id, policy.Visibility(principal.jurisdiction, None)),
            PostNotFound,
            "No such job post.",
        )
        _check_post(data, post, employer_id)
        employer_id = post.employer_id
        working_pattern = post.working_pattern
        light_work = post.light_work
    if data.site_id is not None:
        site_employer = or_raise(
            await PlacementRepository(session).site_employer(data.site_id), SiteNotFound, "No such placement site."
        )
        if employer_id is not None and employer_id != site_employer:
            raise InvalidPlacement("The placement site is run with another employer.")
        employer_id = site_employer
    if data.route in EMPLOYED_ROUTES and employer_id is None:
        raise InvalidPlacement(f"A {data.route} placement needs an employer (employer_id or post_id).")
    if employer_id is not None and await EmployerRepository(session).get(employer_id) is None:
        raise EmployerNotFound("No such employer.")
    return Workplace(employer_id, working_pattern or "full_time", light_work, post)


def _check_post(data: PlacementCreate, post: JobPost, employer_id: uuid.UUID | None) -> None:
    """What the request says of the workplace must agree with the post it names."""
    if employer_id is not None and employer_id != post.employer_id:
        raise InvalidPlacement("employer_id is not the post's employer.")
    if data.route == "public_welfare_post" and not post.is_public_welfare:
        raise InvalidPlacement("A public_welfare_post placement needs a public-welfare post (公益性岗位).")
    if data.working_pattern is not None and data.working_pattern != post.working_pattern:
        raise InvalidPlacement(f"The post is {post.working_pattern}: working_pattern must match it or be left out.")


async def _take_place(posts: PostRepository, post: JobPost) -> None:
    """One of the post's places, or why there is none: a post never holds more people than its headcount."""
    if not await posts.take_place(post.id):
        current = await posts.get(post.id, policy.Visibility(None, None))
        if current is None or current.status not in ("open", "filled"):
            raise PostNotOpen("The job post is not open for placements.")
        raise PostFull("Every place of this job post is taken.")


async def _insert(
    repo: PlacementRepository,
    data: PlacementCreate,
    work: Workplace,
    *,
    start_on: date,
    jurisdiction_code: str,
    today: date,
) -> tuple[Placement, list[FollowUp]]:
    """The placement with its contract and its follow-ups due FOLLOW_UP_MONTHS after the start."""
    placement = Placement(
        person_id=data.person_id,
        jurisdiction_code=jurisdiction_code,
        route=data.route,
        employer_id=work.employer_id,
        site_id=data.site_id,
        post_id=data.post_id,
        working_pattern=work.working_pattern,
        start_on=start_on,
        eligibility_checked_on=rules.checked_on(start_on, today),
        eligibility_rule=rules.PLACEABLE_VERSION,
    )
    if data.contract is not None:
        _apply_contract(placement, data.contract)
    follow_ups = [FollowUp(months=m, due_on=add_months(start_on, m)) for m in FOLLOW_UP_MONTHS]
    try:
        return await repo.add(placement, follow_ups), follow_ups
    except IntegrityError as exc:
        if violated_constraint(exc) == ACTIVE_FULL_TIME_INDEX:
            raise AlreadyPlacedFullTime("The person already has an active full-time placement; end it first.") from exc
        raise


async def _announce(session: AsyncSession, placement: Placement, post: JobPost | None) -> None:
    """The placement's events, and what it settles: a hired referral to its post, the person's hand-over entry."""
    await _emit(session, "placement.started", placement, _event_data(placement))
    if post is not None:
        await outbox.emit(
            session,
            kind="job_post.place_taken",
            aggregate_type="job_post",
            aggregate_id=post.id,
            data={"job_post_id": post.id, "placement_id": placement.id},
        )
        # A referral of the person to this post marked hired without its placement: this is that placement.
        await session.execute(
            update(Referral)
            .where(
                Referral.person_id == placement.person_id,
                Referral.post_id == post.id,
                Referral.status == "hired",
                Referral.placement_id.is_(None),
            )
            .values(placement_id=placement.id, version=Referral.version + 1)
            .execution_options(synchronize_session=False)
        )
    # A person waiting since their release from a facility is placed: the hand-over entry closes with it.
    await handover.close_on_placement(session, placement.person_id, placement.id)


async def _read(repo: PlacementRepository, placement: Placement) -> PlacementRead:
    """The placement's answer, with its follow-ups."""
    return to_read(placement, (await repo.follow_ups([placement.id]))[placement.id])


async def get_placement(session: AsyncSession, *, principal: Principal, placement_id: uuid.UUID) -> PlacementRead:
    seen = policy.require_read(principal)
    repo = PlacementRepository(session)
    placement = or_raise(await repo.get(placement_id, seen), PlacementNotFound, "No such placement.")
    return await _read(repo, placement)


async def list_placements(
    session: AsyncSession, *, principal: Principal, filters: PlacementFilter, params: PageParams
) -> tuple[list[PlacementRead], str | None]:
    seen = policy.require_read(principal)
    repo = PlacementRepository(session)
    rows, next_cursor = await repo.page(filters, params, seen)
    follow_ups = await repo.follow_ups([p.id for p in rows])
    return [to_read(p, follow_ups[p.id]) for p in rows], next_cursor


def _apply_contract(placement: Placement, contract: Contract) -> None:
    placement.contract_number = contract.number
    placement.contract_signed_on = contract.signed_on
    placement.contract_end_on = contract.end_on
    placement.contract_open_ended = contract.open_ended
    placement.contract_term_months = None if contract.open_ended else term_months(contract.start_on, contract.end_on)
    placement.monthly_wage = contract.monthly_wage


CONTRACT_FIELDS = (
    "contract_number",
    "contract_signed_on",
    "contract_end_on",
    "contract_open_ended",
    "contract_term_months",
    "monthly_wage",
    "site_id",
)


def _contract_fields(placement: Placement) -> dict:
    return fields_of(placement, *CONTRACT_FIELDS)


async def correct_placement(
    session: AsyncSession,
    *,
    principal: Principal,
    placement_id: uuid.UUID,
    data: PlacementCorrection,
    if_match: str | None,
) -> tuple[PlacementRead, dict[str, tuple]]:
    """The corrected placement, and what changed (field -> (old, new)) for the audit trail."""
    seen = policy.require_write(principal)
    repo = PlacementRepository(session)
    placement = or_raise(await repo.get(placement_id, seen, for_update=True), PlacementNotFound, "No such placement.")
    require_version(if_match, placement.version)
    before = _contract_fields(placement)
    if "contract" in data.model_fields_set:
        contract = data.contract
        if contract is None:
            if placement.route in EMPLOYED_ROUTES:
                raise InvalidPlacement(f"A {placement.route} placement needs its employment contract.")
            placement.contract_number = placement.contract_signed_on = placement.contract_end_on = None
            placement.contract_open_ended = placement.contract_term_months = placement.monthly_wage = None
        else:
            if contract.start_on != placement.start_on:
                raise InvalidPlacement("The start cannot be corrected: end this placement and record a new one.")
            _apply_contract(placement, contract)
    if "site_id" in data.model_fields_set and data.site_id is not None:
        site_employer = or_raise(await repo.site_employer(data.site_id), SiteNotFound, "No such placement site.")
        if site_employer != placement.employer_id:
            raise InvalidPlacement("The placement site is run with another employer.")
    if "site_id" in data.model_fields_set:
        placement.site_id = data.site_id
    changes = {k: (v, getattr(placement, k)) for k, v in before.items() if getattr(placement, k) != v}
    if changes:
        await session.flush()
        await _emit(session, "placement.corrected", placement, {**_event_data(placement), "fields": sorted(changes)})
    return await _read(repo, placement), changes


async def end_placement(
    session: AsyncSession, *, principal: Principal, placement_id: uuid.UUID, data: PlacementEnd, if_match: str | None
) -> PlacementRead:
    seen = policy.require_write(principal)
    repo = PlacementRepository(session)
    placement = or_raise(await repo.get(placement_id, seen, for_update=True), PlacementNotFound, "No such placement.")
    require_version(if_match, placement.version)
    if placement.ended_on is not None:
        raise PlacementAlreadyEnded("This placement has already ended.")
    if data.ended_on < placement.start_on:
        raise InvalidPlacement("ended_on must not be before the placement's start_on.")
    if data.ended_on > date.today():
        raise InvalidPlacement("ended_on must not be in the future.")
    await close(session, placement, ended_on=data.ended_on, reason=data.reason)
    return await _read(repo, placement)


async def close(
    session: AsyncSession,
    placement: Placement,
    *,
    ended_on: date,
    reason: str,
    event_id: int | None = None,
    event_kind: str | None = None,
) -> None:
    """End a placement (locked by the caller): its post's place freed, placement.ended written. `event_id` and
    `event_kind`: the registry feed event that ended it, if one did."""
    placement.ended_on = ended_on
    placement.end_reason = reason
    placement.ended_by_event_id = event_id
    placement.ended_by_event_kind = event_kind
    await session.flush()
    if placement.post_id is not None:
        post_status = await PostRepository(session).free_place(placement.post_id)
        await outbox.emit(
            session,
            kind="job_post.place_freed",
            aggregate_type="job_post",
            aggregate_id=placement.post_id,
            data={"job_post_id": placement.post_id, "placement_id": placement.id, "status": post_status},
        )
    await _emit(session, "placement.ended", placement, _ended_data(placement))


async def record_follow_up(
    session: AsyncSession,
    *,
    principal: Principal,
    placement_id: uuid.UUID,
    months: int,
    data: FollowUpRecord,
    if_match: str | None,
) -> tuple[FollowUpRead, uuid.UUID]:
    """The follow-up as recorded, and the person it is about (for the audit trail)."""
    seen = policy.require_write(principal)
    repo = PlacementRepository(session)
    placement = or_raise(await repo.get(placement_id, seen), PlacementNotFound, "No such placement.")
    follow_up = or_raise(await repo.follow_up(placement.id, months), FollowUpNotFound, "No such follow-up.")
    require_version(if_match, follow_up.version)
    if data.done_on < follow_up.due_on - timedelta(days=EARLY_FOLLOW_UP_DAYS):
        raise FollowUpNotYetDue(
            f"This follow-up is due on {follow_up.due_on}; record it at most {EARLY_FOLLOW_UP_DAYS} days earlier."
        )
    if data.done_on > date.today():
        raise InvalidPlacement("done_on must not be in the future.")
    follow_up.done_on = data.done_on
    follow_up.still_working = data.still_working
    follow_up.recorded_by = principal.subject
    await session.flush()
    await _emit(
        session,
        "placement.follow_up_recorded",
        placement,
        {
            "placement_id": placement.id,
            "person_id": placement.person_id,
            **fields_of(follow_up, "months", "done_on", "still_working", "version"),
        },
    )
    read = read_of(FollowUpRead, follow_up)
    return read, placement.person_id


async def follow_ups_due(
    session: AsyncSession, *, principal: Principal, as_of: date, params: PageParams
) -> tuple[list[FollowUpDue], str | None]:
    seen = policy.require_read(principal)
    rows, next_cursor = await PlacementRepository(session).due(as_of, seen, params)
    return [
        read_of(FollowUpDue, f, **fields_of(p, "person_id", "jurisdiction_code", "employer_id")) for f, p in rows
    ], next_cursor
