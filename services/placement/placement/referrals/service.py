import uuid
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from placement.events import outbox
from placement.idempotency import store as idempotency
from placement.placements import rules
from placement.placements import service as placements
from placement.placements.exceptions import PersonNotFound, PersonNotPlaceable
from placement.placements.policy import Visibility
from placement.placements.schemas import PlacementCreate
from placement.posts.exceptions import PostNotFound, PostNotOpen
from placement.posts.repository import PostRepository
from placement.referrals import policy
from placement.referrals.exceptions import InvalidTransition, ReferralExists, ReferralNotFound
from placement.referrals.models import Referral, ReferralStep
from placement.referrals.repository import OPEN_REFERRAL_INDEX, ReferralFilter, ReferralRepository
from placement.referrals.schemas import (
    DECLINE_REASON_LABELS_ZH,
    STATUS_LABELS_ZH,
    PlacementOffer,
    ReferralCreate,
    ReferralMove,
    ReferralRead,
    ReferralStepRead,
)
from placement.registry_client import RegistryClient
from shared.auth import Principal
from shared.concurrency import require_version
from shared.db import violated_constraint
from shared.idempotency import Created
from shared.pagination import PageParams
from shared.query import or_raise
from shared.reads import fields_of, read_of

CREATE_OPERATION = "POST /api/v1/referrals"
NEXT: dict[str, frozenset[str]] = {
    "recommended": frozenset({"interview", "declined"}),
    "interview": frozenset({"offer", "declined"}),
    "offer": frozenset({"hired", "declined"}),
    "hired": frozenset(),
    "declined": frozenset(),
}


def to_read(referral: Referral, steps: list[ReferralStep]) -> ReferralRead:
    return read_of(
        ReferralRead,
        referral,
        status_label_zh=STATUS_LABELS_ZH[referral.status],
        decline_reason_label_zh=DECLINE_REASON_LABELS_ZH.get(referral.decline_reason or ""),
        closed_by_registry_event_id=referral.closed_by_event_id,
        create_placement=PlacementOffer(
            href="/api/v1/placements",
            body={
                "person_id": str(referral.person_id),
                "post_id": str(referral.post_id),
                "employer_id": str(referral.employer_id),
            },
        )
        if referral.status == "hired" and referral.placement_id is None
        else None,
        history=[read_of(ReferralStepRead, s) for s in steps],
    )


async def _emit(session: AsyncSession, kind: str, referral: Referral, **extra: Any) -> None:
    """An event of the referral, in the same transaction: who to which post, where it stands, and `extra`."""
    data = {
        "referral_id": referral.id,
        **fields_of(
            referral, "person_id", "post_id", "employer_id", "jurisdiction_code", "status", "decline_reason", "version"
        ),
        **extra,
    }
    await outbox.emit(session, kind=kind, aggregate_type="referral", aggregate_id=referral.id, data=data)


async def record_move(
    session: AsyncSession, repo: ReferralRepository, referral: Referral, before: str, *, by_subject: str, **extra: Any
) -> None:
    """A referral moved from `before` to its status now (set on it): the step in its history and its event
    `referral.<status>` (schema 2, with `extra`), in the same transaction."""
    await session.flush()
    await repo.step(referral, before, by_subject=by_subject)
    await _emit(session, f"referral.{referral.status}", referral, schema_version=2, **extra)


async def _read(repo: ReferralRepository, referral: Referral) -> ReferralRead:
    """The referral's answer, with its history."""
    return to_read(referral, (await repo.history([referral.id]))[referral.id])


async def create_referral(
    session: AsyncSession,
    *,
    principal: Principal,
    registry: RegistryClient,
    data: ReferralCreate,
    idempotency_key: str | None,
) -> Created[ReferralRead]:
    seen = policy.require_create(principal)

    async def write() -> ReferralRead:
        post = or_raise(await PostRepository(session).get(data.post_id, seen), PostNotFound, "No such job post.")
        if post.status != "open":
            raise PostNotOpen("People are referred to open posts only.")
        facts = (await registry.lookup(principal, [data.person_id])).found.get(data.person_id)
        if facts is None or (seen.jurisdiction is not None and facts.jurisdiction_code != seen.jurisdiction):
            raise PersonNotFound("No such person.")
        why_not = rules.refusal(facts)
        if why_not is not None:
            raise PersonNotPlaceable(why_not)
        if not rules.work_fits(facts, working_pattern=post.working_pattern, light_work=post.light_work):
            raise PersonNotPlaceable("The person's work ability does not allow this post (full-time and not light).")
        repo = ReferralRepository(session)
        if await repo.open_for(data.person_id, post.id) is not None:
            raise ReferralExists("The person is already referred to this post and it is not decided yet.")
        referral = Referral(
            person_id=data.person_id,
            jurisdiction_code=facts.jurisdiction_code,
            post_id=post.id,
            employer_id=post.employer_id,
            status="recommended",
        )
        try:
            referral = await repo.add(referral, by_subject=principal.subject)
        except IntegrityError as exc:
            if violated_constraint(exc) == OPEN_REFERRAL_INDEX:
                raise ReferralExists("The person is already referred to this post and it is not decided yet.") from exc
            raise
        await _emit(session, "referral.recommended", referral)
        return await _read(repo, referral)

    return await idempotency.create(
        session, principal.subject, idempotency_key, CREATE_OPERATION, data, ReferralRead, write
    )


async def move_referral(
    session: AsyncSession,
    *,
    principal: Principal,
    referral_id: uuid.UUID,
    data: ReferralMove,
    if_match: str | None,
    registry: RegistryClient,
) -> ReferralRead:
    """Move the referral; a hire carrying the placement records it too (placements.service.create_placement, in
    the same transaction: a refused placement leaves the referral where it was)."""
    seen = policy.require_advance(principal)
    repo = ReferralRepository(session)
    referral = or_raise(await repo.get(referral_id, seen, for_update=True), ReferralNotFound, "No such referral.")
    require_version(if_match, referral.version)
    if data.to not in NEXT[referral.status]:
        raise InvalidTransition(f"A referral at {referral.status} cannot move to {data.to}.")
    before = referral.status
    if data.placement is not None:
        created = await placements.create_placement(
            session,
            principal=principal,
            registry=registry,
            data=PlacementCreate(
                person_id=referral.person_id,
                route=data.placement.route,
                post_id=referral.post_id,
                site_id=data.placement.site_id,
                contract=data.placement.contract,
            ),
            idempotency_key=None,
        )
        referral.placement_id = created.item.id
    referral.status = data.to
    referral.decline_reason = data.reason
    await record_move(session, repo, referral, before, by_subject=principal.subject, placement_id=referral.placement_id)
    return await _read(repo, referral)


async def get_referral(session: AsyncSession, *, principal: Principal, referral_id: uuid.UUID) -> ReferralRead:
    seen = policy.require_read(principal)
    repo = ReferralRepository(session)
    referral = or_raise(await repo.get(referral_id, seen), ReferralNotFound, "No such referral.")
    return await _read(repo, referral)


async def list_referrals(
    session: AsyncSession, *, principal: Principal, filters: ReferralFilter, params: PageParams
) -> tuple[list[ReferralRead], str | None]:
    seen: Visibility = policy.require_read(principal)
    repo = ReferralRepository(session)
    rows, next_cursor = await repo.page(filters, params, seen)
    history = await repo.history([r.id for r in rows])
    return [to_read(r, history[r.id]) for r in rows], next_cursor
