import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal
from shared.db import violated_constraint
from shared.errors import FieldError
from shared.pagination import PageParams
from subsidy.idempotency import store as idempotency
from subsidy.policies.exceptions import (
    InvalidTiers,
    NoTierApplies,
    PolicyAlreadyPublished,
    PolicyChangeForbidden,
    PolicyNotDraft,
    PolicyNotFound,
)
from subsidy.policies.models import SubsidyPolicy, SubsidyPolicyTier
from subsidy.policies.repository import PUBLISHED_YEAR_INDEX, PolicyRepository
from subsidy.policies.schemas import (
    STATUS_LABELS_ZH,
    PolicyCreate,
    PolicyRead,
    TierCreate,
    TierForHeadcount,
    TierRead,
)

CREATE_OPERATION = "POST /api/v1/subsidy-policies"
POLICY_WRITERS = frozenset({"finance", "nco"})


@dataclass(frozen=True, slots=True)
class Created:
    status: int
    policy: PolicyRead
    replayed: bool


def tier_label_zh(min_headcount: int, max_headcount: int | None) -> str:
    if max_headcount is None:
        return f"{min_headcount}人及以上"
    if max_headcount == min_headcount:
        return f"{min_headcount}人"
    return f"{min_headcount}–{max_headcount}人"


def _tier_read(tier: SubsidyPolicyTier) -> TierRead:
    return TierRead(
        min_headcount=tier.min_headcount,
        max_headcount=tier.max_headcount,
        amount_cny=tier.amount_cny,
        label_zh=tier_label_zh(tier.min_headcount, tier.max_headcount),
    )


def _read(policy: SubsidyPolicy) -> PolicyRead:
    return PolicyRead(
        id=policy.id,
        year=policy.year,
        version=policy.version,
        title=policy.title,
        status=policy.status,
        status_label_zh=STATUS_LABELS_ZH[policy.status],
        effective_from=policy.effective_from,
        effective_to=policy.effective_to,
        minimum_contract_months=policy.minimum_contract_months,
        notes=policy.notes,
        tiers=[_tier_read(t) for t in sorted(policy.tiers, key=lambda t: t.min_headcount)],
        created_by=policy.created_by,
        created_at=policy.created_at,
        updated_at=policy.updated_at,
        published_at=policy.published_at,
        published_by=policy.published_by,
    )


def tier_errors(tiers: list[TierCreate]) -> list[FieldError]:
    """Why these tiers do not cover every headcount from 1 up exactly once, as errors on the offending fields."""
    errors: list[FieldError] = []

    def error(index: int, field: str, message: str) -> None:
        entry = FieldError(field=f"body.tiers.{index}.{field}", message=message)
        if entry not in errors:
            errors.append(entry)

    ordered = sorted(enumerate(tiers), key=lambda pair: pair[1].min_headcount)
    for position, (index, tier) in enumerate(ordered):
        if tier.max_headcount is not None and tier.max_headcount < tier.min_headcount:
            error(index, "max_headcount", f"must be at least min_headcount ({tier.min_headcount}), or null")
        if position == 0:
            if tier.min_headcount != 1:
                error(index, "min_headcount", "the lowest tier must start at 1, so every headcount is covered")
        else:
            previous_index, previous = ordered[position - 1]
            if previous.max_headcount is None:
                error(
                    previous_index,
                    "max_headcount",
                    f"only the highest tier may be open-ended (null); a tier starting at {tier.min_headcount} follows",
                )
            elif tier.min_headcount <= previous.max_headcount:
                error(
                    index,
                    "min_headcount",
                    f"overlaps the tier {previous.min_headcount}-{previous.max_headcount}; "
                    f"it must start at {previous.max_headcount + 1}",
                )
            elif tier.min_headcount > previous.max_headcount + 1:
                first, last = previous.max_headcount + 1, tier.min_headcount - 1
                gap = str(first) if first == last else f"{first}-{last}"
                error(index, "min_headcount", f"leaves {gap} uncovered; it must start at {first}")
        if position == len(ordered) - 1 and tier.max_headcount is not None:
            error(
                index,
                "max_headcount",
                f"the highest tier must be open-ended (null), or headcounts above {tier.max_headcount} get no tier",
            )
    return errors


def _ensure_may_change(principal: Principal) -> None:
    if principal.department not in POLICY_WRITERS and "admin" not in principal.roles:
        raise PolicyChangeForbidden(
            "Only finance (县财政局), the NCO (县禁毒办) or an admin may change subsidy policies."
        )


async def list_policies(
    session: AsyncSession, *, params: PageParams, year: int | None, status: str | None
) -> tuple[list[PolicyRead], str | None]:
    rows, next_cursor = await PolicyRepository(session).page(params, year=year, status=status)
    return [_read(p) for p in rows], next_cursor


async def get_policy(session: AsyncSession, *, policy_id: uuid.UUID) -> PolicyRead:
    policy = await PolicyRepository(session).get(policy_id)
    if policy is None:
        raise PolicyNotFound("No such subsidy policy.")
    return _read(policy)


async def create_policy(
    session: AsyncSession, *, principal: Principal, data: PolicyCreate, idempotency_key: str | None
) -> Created:
    _ensure_may_change(principal)
    errors = tier_errors(data.tiers)
    if errors:
        raise InvalidTiers("The tiers must cover every headcount from 1 up, each exactly once.", errors=errors)
    stored = await idempotency.replay(
        session,
        key=idempotency_key,
        subject=principal.subject,
        operation=CREATE_OPERATION,
        payload=data.model_dump(mode="json"),
    )
    if stored is not None:
        return Created(stored.status, PolicyRead.model_validate(stored.body), replayed=True)

    repo = PolicyRepository(session)
    policy = SubsidyPolicy(
        year=data.year,
        version=await repo.next_version(data.year),
        title=data.title,
        effective_from=data.effective_from,
        effective_to=data.effective_to,
        status="draft",
        minimum_contract_months=data.minimum_contract_months,
        notes=data.notes,
        created_by=principal.subject,
        tiers=[
            SubsidyPolicyTier(min_headcount=t.min_headcount, max_headcount=t.max_headcount, amount_cny=t.amount_cny)
            for t in data.tiers
        ],
    )
    read = _read(await repo.add(policy))
    await idempotency.remember(
        session, key=idempotency_key, subject=principal.subject, status=201, body=read.model_dump(mode="json")
    )
    return Created(201, read, replayed=False)


async def publish_policy(session: AsyncSession, *, principal: Principal, policy_id: uuid.UUID) -> PolicyRead:
    _ensure_may_change(principal)
    repo = PolicyRepository(session)
    policy = await repo.get(policy_id, for_update=True)
    if policy is None:
        raise PolicyNotFound("No such subsidy policy.")
    if policy.status != "draft":
        raise PolicyNotDraft("Only a draft can be published; a published policy never changes.")
    already = await repo.published_in(policy.year)
    if already is not None:
        raise PolicyAlreadyPublished(
            f"Version {already.version} of {policy.year} is already published; a year has one published policy."
        )
    policy.status = "published"
    policy.published_at = datetime.now(UTC)
    policy.published_by = principal.subject
    try:
        await repo.flush()
    except IntegrityError as exc:
        if violated_constraint(exc) == PUBLISHED_YEAR_INDEX:
            raise PolicyAlreadyPublished(f"Another policy of {policy.year} was published just now.") from exc
        raise
    return _read(policy)


async def tier_for(session: AsyncSession, *, policy_id: uuid.UUID, headcount: int) -> TierForHeadcount:
    policy = await PolicyRepository(session).get(policy_id)
    if policy is None:
        raise PolicyNotFound("No such subsidy policy.")
    tier = next(
        (
            t
            for t in policy.tiers
            if t.min_headcount <= headcount and (t.max_headcount is None or headcount <= t.max_headcount)
        ),
        None,
    )
    if tier is None:
        raise NoTierApplies(f"No tier of this policy covers a headcount of {headcount}.")
    return TierForHeadcount(
        policy_id=policy.id,
        year=policy.year,
        version=policy.version,
        status=policy.status,
        headcount=headcount,
        minimum_contract_months=policy.minimum_contract_months,
        tier=_tier_read(tier),
    )
