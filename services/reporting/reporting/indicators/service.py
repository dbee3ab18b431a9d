from sqlalchemy.ext.asyncio import AsyncSession

from reporting.indicators.exceptions import IndicatorNotFound
from reporting.indicators.models import Indicator, IndicatorDefinition, Target
from reporting.indicators.repository import IndicatorRepository, TargetRepository
from reporting.indicators.schemas import (
    UNIT_LABELS_ZH,
    IndicatorDefinitionRead,
    IndicatorDetail,
    IndicatorRead,
    TargetRead,
)
from shared.pagination import PageParams


def _definition_read(definition: IndicatorDefinition) -> IndicatorDefinitionRead:
    return IndicatorDefinitionRead(
        version=definition.version,
        name_zh=definition.name_zh,
        name_en=definition.name_en,
        unit=definition.unit,
        unit_label_zh=UNIT_LABELS_ZH[definition.unit],
        numerator=definition.numerator,
        denominator=definition.denominator,
        notes=definition.notes,
    )


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
    return TargetRead(
        id=target.id,
        indicator_code=target.indicator_code,
        indicator_label_zh=target.definition.name_zh,
        definition_version=target.definition_version,
        scope=target.scope,
        period_end=target.period_end,
        comparator=target.comparator,
        value=target.value,
        unit=target.definition.unit,
        source=target.source,
        source_clause=target.source_clause,
    )


async def list_indicators(session: AsyncSession) -> list[IndicatorRead]:
    return [_indicator_read(i) for i in await IndicatorRepository(session).list()]


async def get_indicator(session: AsyncSession, *, code: str) -> IndicatorDetail:
    indicator = await IndicatorRepository(session).get(code)
    if indicator is None:
        raise IndicatorNotFound(f"No indicator has the code {code!r}.")
    summary = _indicator_read(indicator)
    definitions = sorted(indicator.definitions, key=lambda d: d.version, reverse=True)
    return IndicatorDetail(**summary.model_dump(), definitions=[_definition_read(d) for d in definitions])


async def list_targets(
    session: AsyncSession, *, params: PageParams, indicator_code: str | None, year: int | None
) -> tuple[list[TargetRead], str | None]:
    rows, next_cursor = await TargetRepository(session).page(params, indicator_code=indicator_code, year=year)
    return [_target_read(t) for t in rows], next_cursor
