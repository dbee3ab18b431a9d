import uuid
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from reporting.idempotency import store as idempotency
from reporting.indicators.exceptions import IndicatorNotFound, InvalidTarget, TargetNotFound, TargetOverridden
from reporting.indicators.models import Indicator, IndicatorDefinition, Target
from reporting.indicators.repository import IndicatorRepository, TargetRepository
from reporting.indicators.schemas import (
    UNIT_LABELS_ZH,
    IndicatorDefinitionRead,
    IndicatorDetail,
    IndicatorRead,
    TargetOverride,
    TargetRead,
)
from reporting.reports import policy
from shared.auth import Principal
from shared.errors import FieldError
from shared.idempotency import Created
from shared.pagination import PageParams
from shared.query import or_raise
from shared.reads import read_of
from shared.reference import JURISDICTIONS

OVERRIDE = "POST /api/v1/targets"


def _definition_read(definition: IndicatorDefinition) -> IndicatorDefinitionRead:
    return read_of(IndicatorDefinitionRead, definition, unit_label_zh=UNIT_LABELS_ZH[definition.unit])


def _current(indicator: Indicator) -> IndicatorDefinition:
    return max(indicator.definitions, key=lambda d: d.version)


def _indicator_read(indicator: Indicator) -> IndicatorRead:
    current = _current(indicator)
    return IndicatorRead(
        code=indicator.code,
        label_zh=current.name_zh,
        name_en=current.name_en,
        unit=current.unit,
        current_definition=_definition_read(current),
    )


def _target_read(target: Target) -> TargetRead:
    return read_of(TargetRead, target, indicator_label_zh=target.definition.name_zh, unit=target.definition.unit)


async def list_indicators(session: AsyncSession) -> list[IndicatorRead]:
    return [_indicator_read(i) for i in await IndicatorRepository(session).list()]


async def get_indicator(session: AsyncSession, *, code: str) -> IndicatorDetail:
    indicator = or_raise(
        await IndicatorRepository(session).get(code), IndicatorNotFound, f"No indicator has the code {code!r}."
    )
    summary = _indicator_read(indicator)
    definitions = sorted(indicator.definitions, key=lambda d: d.version, reverse=True)
    return IndicatorDetail(**summary.model_dump(), definitions=[_definition_read(d) for d in definitions])


async def list_targets(
    session: AsyncSession, *, params: PageParams, indicator_code: str | None, year: int | None
) -> tuple[list[TargetRead], str | None]:
    rows, next_cursor = await TargetRepository(session).page(params, indicator_code=indicator_code, year=year)
    return [_target_read(t) for t in rows], next_cursor


async def override_target(
    session: AsyncSession, *, principal: Principal, data: TargetOverride, idempotency_key: str | None
) -> Created[TargetRead]:
    """Set the county's own target for an indicator, year and (optionally) jurisdiction; it wins over the notice's."""
    policy.require_plan(principal)

    async def write() -> TargetRead:
        indicator = await IndicatorRepository(session).get(data.indicator_code)
        if indicator is None or _current(indicator).unit == "amount":
            raise InvalidTarget(
                f"No indicator with a target has the code {data.indicator_code!r}.",
                errors=[FieldError(field="body.indicator_code", message="unknown indicator")],
            )
        if data.jurisdiction_code is not None and data.jurisdiction_code not in JURISDICTIONS:
            raise InvalidTarget(
                f"No jurisdiction has the code {data.jurisdiction_code!r}.",
                errors=[FieldError(field="body.jurisdiction_code", message="unknown jurisdiction")],
            )
        current = _current(indicator)
        if current.unit == "percent" and data.value > 100:
            raise InvalidTarget(
                "A rate's target is a percentage (0-100).", errors=[FieldError(field="body.value", message="over 100")]
            )
        repo = TargetRepository(session)
        scope = data.jurisdiction_code or "county"
        period_end = date(data.year, 12, 31)
        existing = await repo.override(data.indicator_code, scope, period_end)
        if existing is not None:
            raise TargetOverridden(
                "This indicator already has a county override for that year and scope; withdraw it first (DELETE)."
            )
        target = Target(
            id=uuid.uuid4(),
            indicator_code=data.indicator_code,
            definition_version=current.version,
            scope=scope,
            period_end=period_end,
            comparator=">=",
            value=data.value,
            source="县禁毒办",
            source_clause=None,
            origin="override",
            reason=data.reason,
            set_by=principal.name,
        )
        await repo.add(target)
        return _target_read(target)

    return await idempotency.create(session, principal.subject, idempotency_key, OVERRIDE, data, TargetRead, write)


async def withdraw_target(session: AsyncSession, *, principal: Principal, target_id: uuid.UUID) -> None:
    """Withdraw a county override (the notice's own targets cannot be withdrawn)."""
    policy.require_plan(principal)
    repo = TargetRepository(session)
    target = or_raise(await repo.get(target_id), TargetNotFound, "No such target.")
    if target.origin != "override":
        raise TargetOverridden("The notice's targets stay; set an override instead.", code="notice_target")
    await repo.delete(target)
