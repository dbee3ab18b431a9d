"""Rules for subsidy policies: versions numbered within a year, drafts edited with If-Match, published versions
frozen (a change is a new version, and publishing it supersedes the old one), and what differs between versions."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal
from shared.concurrency import require_version
from shared.db import refused_as
from shared.errors import FieldError
from shared.idempotency import Created
from shared.pagination import PageParams
from shared.query import or_raise
from shared.reads import read_of
from subsidy.decisions.calculator import tier_label_zh
from subsidy.idempotency import store as idempotency
from subsidy.money import ROUNDING_RULE
from subsidy.policies import policy as access
from subsidy.policies.exceptions import (
    InvalidRules,
    NoTierApplies,
    NotTiered,
    PolicyAlreadyPublished,
    PolicyFrozen,
    PolicyNotFound,
)
from subsidy.policies.models import SubsidyPolicy
from subsidy.policies.repository import PUBLISHED_YEAR_INDEX, PolicyRepository
from subsidy.policies.rules import EnterprisePlacementRule, dump_rules, parse_rules, rule_errors
from subsidy.policies.schemas import (
    STATUS_LABELS_ZH,
    Difference,
    PolicyCreate,
    PolicyDifferences,
    PolicyRead,
    PolicyUpdate,
    TierForHeadcount,
    TierRead,
)
from subsidy.types import TYPE_CODES

CREATE_OPERATION = "POST /api/v1/subsidy-policies"


def ordered_rules(stored: dict[str, Any]) -> list[BaseModel]:
    """A policy's rules as schemas, in the order of the types table."""
    parsed = parse_rules(stored)
    return [parsed[code] for code in TYPE_CODES if code in parsed]


def content(policy: SubsidyPolicy) -> dict[str, Any]:
    """What a version says, flattened to dotted paths (the unit of a difference)."""
    flat: dict[str, Any] = {
        "title": policy.title,
        "effective_from": policy.effective_from.isoformat(),
        "effective_to": policy.effective_to.isoformat(),
        "notes": policy.notes,
    }

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(f"{prefix}.{key}", item)
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            for index, item in enumerate(value):
                walk(f"{prefix}.{index}", item)
        else:
            flat[prefix] = value

    for code, rule in policy.rules.items():
        walk(f"rules.{code}", rule)
    return flat


def differences(before: SubsidyPolicy, after: SubsidyPolicy) -> list[Difference]:
    """Field by field, in the order a version reads (title, period, notes, then each type's rule)."""
    old, new = content(before), content(after)
    fields = list(dict.fromkeys([*new, *old]))
    return [
        Difference(field=field, before=old.get(field), after=new.get(field))
        for field in fields
        if old.get(field) != new.get(field)
    ]


def to_read(policy: SubsidyPolicy, previous: SubsidyPolicy | None = None) -> PolicyRead:
    return read_of(
        PolicyRead,
        policy,
        status_label_zh=STATUS_LABELS_ZH[policy.status],
        frozen=policy.status != "draft",
        used_by_decisions=policy.first_used_at is not None,
        rules=ordered_rules(policy.rules),
        rounding=ROUNDING_RULE,
        differences_from_previous=differences(previous, policy) if previous is not None else None,
    )


def check_rules(rules: list[BaseModel], prefix: str = "body.rules") -> None:
    errors = rule_errors(rules, prefix)
    if errors:
        raise InvalidRules("The rules are not consistent: see errors.", errors=errors)


async def _previous(repo: PolicyRepository, policy: SubsidyPolicy) -> SubsidyPolicy | None:
    return (await repo.previous_versions([policy])).get(policy.id)


async def _found(repo: PolicyRepository, policy_id: uuid.UUID, *, for_update: bool = False) -> SubsidyPolicy:
    return or_raise(await repo.get(policy_id, for_update=for_update), PolicyNotFound, "No such subsidy policy.")


async def list_policies(
    session: AsyncSession, *, principal: Principal, params: PageParams, year: int | None, status: str | None
) -> tuple[list[PolicyRead], str | None]:
    access.require_read(principal)
    repo = PolicyRepository(session)
    rows, next_cursor = await repo.page(params, year=year, status=status)
    previous = await repo.previous_versions(rows)
    return [to_read(p, previous.get(p.id)) for p in rows], next_cursor


async def get_policy(session: AsyncSession, *, principal: Principal, policy_id: uuid.UUID) -> PolicyRead:
    access.require_read(principal)
    repo = PolicyRepository(session)
    policy = await _found(repo, policy_id)
    return to_read(policy, await _previous(repo, policy))


async def load(session: AsyncSession, policy_id: uuid.UUID) -> SubsidyPolicy:
    """The policy row (for other domains: evaluation, what-if)."""
    return await _found(PolicyRepository(session), policy_id)


async def published(session: AsyncSession, year: int) -> SubsidyPolicy | None:
    return await PolicyRepository(session).published_in(year)


async def create_policy(
    session: AsyncSession, *, principal: Principal, data: PolicyCreate, idempotency_key: str | None
) -> Created[PolicyRead]:
    access.require_write(principal)
    check_rules(data.rules)

    async def write() -> PolicyRead:
        repo = PolicyRepository(session)
        policy = SubsidyPolicy(
            year=data.year,
            version=await repo.next_version(data.year),
            title=data.title,
            effective_from=data.effective_from,
            effective_to=data.effective_to,
            status="draft",
            rules=dump_rules(data.rules),
            notes=data.notes,
            created_by=principal.subject,
        )
        await repo.add(policy)
        return to_read(policy, await _previous(repo, policy))

    return await idempotency.create(
        session, principal.subject, idempotency_key, CREATE_OPERATION, data, PolicyRead, write
    )


def _refuse_frozen(policy: SubsidyPolicy) -> None:
    if policy.status != "draft":
        raise PolicyFrozen(
            f"Version {policy.version} of {policy.year} is {policy.status} and never changes; write a new version "
            "(POST /api/v1/subsidy-policies) instead."
        )


async def update_policy(
    session: AsyncSession, *, principal: Principal, policy_id: uuid.UUID, data: PolicyUpdate, if_match: str | None
) -> tuple[PolicyRead, dict[str, tuple[Any, Any]]]:
    """The draft as changed, and what changed (dotted path -> (old, new)) for the audit trail."""
    access.require_write(principal)
    repo = PolicyRepository(session)
    policy = await _found(repo, policy_id, for_update=True)
    _refuse_frozen(policy)
    require_version(if_match, policy.row_version)
    before = content(policy)
    if data.rules is not None:
        check_rules(data.rules)
        policy.rules = dump_rules(data.rules)
    for name in ("title", "effective_from", "effective_to", "notes"):
        if name in data.model_fields_set:
            setattr(policy, name, getattr(data, name))
    if policy.effective_to < policy.effective_from:
        raise InvalidRules(
            "effective_to must not be before effective_from.",
            errors=[FieldError(field="body.effective_to", message="must not be before effective_from")],
        )
    await repo.flush()
    after = content(policy)
    changed = {f: (before.get(f), after.get(f)) for f in before.keys() | after.keys() if before.get(f) != after.get(f)}
    return to_read(policy, await _previous(repo, policy)), changed


async def publish_policy(session: AsyncSession, *, principal: Principal, policy_id: uuid.UUID) -> PolicyRead:
    """Publish a draft; the year's published version (if any) is superseded by it in the same transaction."""
    access.require_write(principal)
    repo = PolicyRepository(session)
    policy = await _found(repo, policy_id, for_update=True)
    _refuse_frozen(policy)
    now = datetime.now(UTC)
    current = await repo.published_in(policy.year, for_update=True)
    if current is not None:
        current.status = "superseded"
        current.superseded_at = now
        await repo.flush()
    policy.status = "published"
    policy.published_at = now
    policy.published_by = principal.subject
    published_meanwhile = PolicyAlreadyPublished(
        f"Another version of {policy.year} was published just now; read the list again and retry."
    )
    async with refused_as(session, published_meanwhile, PUBLISHED_YEAR_INDEX):
        await repo.flush()
    return to_read(policy, await _previous(repo, policy))


async def policy_differences(
    session: AsyncSession, *, principal: Principal, policy_id: uuid.UUID, against: uuid.UUID | None
) -> PolicyDifferences:
    access.require_read(principal)
    repo = PolicyRepository(session)
    policy = await _found(repo, policy_id)
    other = or_raise(
        await _found(repo, against) if against is not None else await _previous(repo, policy),
        PolicyNotFound,
        "Version 1 has no previous version; name one with `against`.",
    )
    return PolicyDifferences(
        policy_id=policy.id,
        version=policy.version,
        against_policy_id=other.id,
        against_version=other.version,
        differences=differences(other, policy),
    )


async def tier_for(
    session: AsyncSession, *, principal: Principal, policy_id: uuid.UUID, headcount: int
) -> TierForHeadcount:
    access.require_read(principal)
    policy = await _found(PolicyRepository(session), policy_id)
    rule = parse_rules(policy.rules).get("enterprise_placement")
    if not isinstance(rule, EnterprisePlacementRule) or rule.method != "tiered" or not rule.tiers:
        raise NotTiered("This policy version has no tiered enterprise placement rule.")
    tier = or_raise(
        next(
            (
                t
                for t in rule.tiers
                if t.min_headcount <= headcount and (t.max_headcount is None or headcount <= t.max_headcount)
            ),
            None,
        ),
        NoTierApplies,
        f"No tier of this policy covers a headcount of {headcount}.",
    )
    return TierForHeadcount(
        policy_id=policy.id,
        year=policy.year,
        version=policy.version,
        status=policy.status,
        headcount=headcount,
        minimum_contract_months=rule.minimum_contract_months,
        tier=TierRead(
            min_headcount=tier.min_headcount,
            max_headcount=tier.max_headcount,
            amount=tier.amount,
            label_zh=tier_label_zh(tier.min_headcount, tier.max_headcount),
        ),
    )
