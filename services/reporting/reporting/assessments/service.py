"""Assessments (考核): every jurisdiction's year scored under a configured weighted scheme from the year-end figures,
pass or fail, the one-vote veto (一票否决) computed from thresholds and overridable by the NCO with a reason; a draft
until published, then frozen: later data or a recomputation never changes a published assessment."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from reporting.assessments.models import Assessment, AssessmentScheme
from reporting.assessments.schemas import (
    AssessmentCreate,
    AssessmentRead,
    AssessmentSummary,
    ItemScore,
    JurisdictionResult,
    OverrideSet,
    SchemeCreate,
    SchemeItem,
    SchemeRead,
    VetoOverride,
)
from reporting.config import Settings
from reporting.idempotency import store as idempotency
from reporting.reports import definitions as defs
from reporting.reports import policy
from reporting.reports import service as reports
from shared.auth import Principal
from shared.concurrency import require_version
from shared.db import refused_as
from shared.errors import AppError, Conflict, FieldError, NotFound
from shared.idempotency import Created
from shared.pagination import PageParams, keyset_page
from shared.query import or_raise
from shared.reads import read_of
from shared.reference import JURISDICTIONS

TWO = Decimal("0.01")


class SchemeNotFound(NotFound):
    code = "scheme_not_found"


class AssessmentNotFound(NotFound):
    code = "assessment_not_found"


class AssessmentPublished(Conflict):
    code = "assessment_published"


class AssessmentExists(Conflict):
    code = "assessment_exists"


class InvalidScheme(AppError):
    status, code, title = 422, "invalid_scheme", "Invalid scheme"


def scheme_read(s: AssessmentScheme) -> SchemeRead:
    items = [SchemeItem.model_validate(i) for i in s.items]
    return read_of(SchemeRead, s, items=items, total_points=sum((i.weight for i in items), Decimal(0)))


async def create_scheme(
    session: AsyncSession, *, principal: Principal, data: SchemeCreate, idempotency_key: str | None
) -> Created[SchemeRead]:
    policy.require_plan(principal)

    async def write() -> SchemeRead:
        codes = [i.indicator_code for i in data.items]
        if len(set(codes)) != len(codes):
            raise InvalidScheme(
                "Each indicator may appear once in a scheme.",
                errors=[FieldError(field="body.items", message="an indicator appears twice")],
            )
        if data.pass_mark > sum(i.weight for i in data.items):
            raise InvalidScheme(
                "The pass mark is above the points the scheme can give.",
                errors=[FieldError(field="body.pass_mark", message="above the total of the weights")],
            )
        scheme = AssessmentScheme(
            id=uuid.uuid4(),
            name=data.name,
            year=data.year,
            items=[i.model_dump(mode="json") for i in data.items],
            pass_mark=data.pass_mark,
            created_by=principal.name,
        )
        session.add(scheme)
        await session.flush()
        await session.refresh(scheme)
        return scheme_read(scheme)

    return await idempotency.create(
        session, principal.subject, idempotency_key, "POST /api/v1/assessment-schemes", data, SchemeRead, write
    )


async def list_schemes(session: AsyncSession, *, principal: Principal, year: int | None) -> list[SchemeRead]:
    policy.require_view(principal)
    stmt = select(AssessmentScheme).order_by(AssessmentScheme.year.desc(), AssessmentScheme.created_at)
    if year is not None:
        stmt = stmt.where(AssessmentScheme.year == year)
    return [scheme_read(s) for s in (await session.scalars(stmt)).all()]


def _score(item: SchemeItem, value: Decimal | None, target: Decimal | None) -> Decimal:
    """Full points at or above the target; in proportion below it; without a target, the rate's share of 100%."""
    if value is None:
        return Decimal(0)
    ratio = value / target if target else value / 100
    return (item.weight * min(Decimal(1), ratio)).quantize(TWO, rounding=ROUND_HALF_UP)


async def _results(
    session: AsyncSession, settings: Settings, scheme: AssessmentScheme, overrides: dict[str, Any]
) -> list[dict[str, Any]]:
    period = defs.parse_period(str(scheme.year))
    report = await reports.report(session, settings, principal=None, period=period, with_revisions=False)
    by_code = {i.code: {f.jurisdiction_code: f for f in i.jurisdictions} for i in report.indicators}
    items = [SchemeItem.model_validate(i) for i in scheme.items]
    results = []
    for code in JURISDICTIONS:
        scores = []
        for item in items:
            f = by_code[item.indicator_code][code]
            veto = item.veto_below is not None and f.value is not None and f.value < item.veto_below
            scores.append(
                ItemScore(
                    indicator_code=item.indicator_code,
                    definition_version=defs.VERSION,
                    numerator=f.numerator or 0,
                    denominator=f.denominator or 0,
                    value=f.value,
                    target=f.target,
                    weight=item.weight,
                    score=_score(item, f.value, f.target),
                    veto_below=item.veto_below,
                    veto=veto,
                )
            )
        total = sum((s.score for s in scores), Decimal(0))
        computed = any(s.veto for s in scores)
        override = VetoOverride.model_validate(overrides[code]) if code in overrides else None
        veto = override.veto if override else computed
        results.append(
            JurisdictionResult(
                jurisdiction_code=code,
                jurisdiction_name_zh=JURISDICTIONS[code][0],
                items=scores,
                total=total,
                rank=0,
                veto_computed=computed,
                override=override,
                veto=veto,
                passed=total >= scheme.pass_mark and not veto,
            ).model_dump(mode="json")
        )
    for r in results:
        r["rank"] = 1 + sum(1 for other in results if Decimal(other["total"]) > Decimal(r["total"]))
    return results


def to_read(a: Assessment, scheme: AssessmentScheme) -> AssessmentRead:
    return read_of(
        AssessmentRead, a, scheme=scheme_read(scheme), results=[JurisdictionResult.model_validate(r) for r in a.results]
    )


async def _scheme(session: AsyncSession, scheme_id: uuid.UUID) -> AssessmentScheme:
    return or_raise(await session.get(AssessmentScheme, scheme_id), SchemeNotFound, "No such assessment scheme.")


async def create(
    session: AsyncSession,
    settings: Settings,
    *,
    principal: Principal,
    data: AssessmentCreate,
    idempotency_key: str | None,
) -> tuple[Created[AssessmentRead], Assessment]:
    policy.require_plan(principal)

    async def write() -> AssessmentRead:
        scheme = await _scheme(session, data.scheme_id)
        assessment = Assessment(
            id=uuid.uuid4(),
            year=scheme.year,
            scheme_id=scheme.id,
            status="draft",
            results=await _results(session, settings, scheme, {}),
            overrides={},
            computed_at=datetime.now(UTC),
            created_by=principal.name,
            version=1,
        )
        session.add(assessment)
        exists = AssessmentExists("This scheme's year has an assessment already; recompute or read it.")
        async with refused_as(session, exists):
            await session.flush()
        return to_read(assessment, scheme)

    created = await idempotency.create(
        session, principal.subject, idempotency_key, "POST /api/v1/assessments", data, AssessmentRead, write
    )
    # The row too: its version is the answer's ETag.
    return created, await _get(session, created.item.id)


async def _get(session: AsyncSession, assessment_id: uuid.UUID, *, for_update: bool = False) -> Assessment:
    stmt = select(Assessment).where(Assessment.id == assessment_id)
    if for_update:
        stmt = stmt.with_for_update()
    return or_raise(
        await session.scalar(stmt.execution_options(populate_existing=True)), AssessmentNotFound, "No such assessment."
    )


async def get(session: AsyncSession, *, principal: Principal, assessment_id: uuid.UUID) -> tuple[AssessmentRead, int]:
    """County roles read drafts and published assessments; township staff only published ones (a draft is 404)."""
    g = policy.require_view(principal)
    a = await _get(session, assessment_id)
    if a.status != "published" and g.view != "all":
        raise AssessmentNotFound("No such assessment.")
    return to_read(a, await _scheme(session, a.scheme_id)), a.version


async def list_assessments(
    session: AsyncSession, *, principal: Principal, params: PageParams, year: int | None
) -> tuple[list[AssessmentSummary], str | None]:
    g = policy.require_view(principal)
    stmt = select(Assessment)
    if year is not None:
        stmt = stmt.where(Assessment.year == year)
    if g.view != "all":
        stmt = stmt.where(Assessment.status == "published")
    rows, cursor = await keyset_page(
        session, stmt, params, keys=[Assessment.year, Assessment.id], descending=True, convert=[int, uuid.UUID]
    )
    return [
        read_of(AssessmentSummary, a)  # type: ignore[arg-type]
        for a in rows
    ], cursor


async def _draft(
    session: AsyncSession, principal: Principal, assessment_id: uuid.UUID, if_match: str | None
) -> Assessment:
    policy.require_plan(principal)
    a = await _get(session, assessment_id, for_update=True)
    require_version(if_match, a.version)
    if a.status == "published":
        raise AssessmentPublished("A published assessment is frozen; it cannot be recomputed or changed.")
    return a


async def recompute(
    session: AsyncSession, settings: Settings, *, principal: Principal, assessment_id: uuid.UUID, if_match: str | None
) -> tuple[AssessmentRead, int]:
    a = await _draft(session, principal, assessment_id, if_match)
    scheme = await _scheme(session, a.scheme_id)
    a.results = await _results(session, settings, scheme, a.overrides)
    a.computed_at = datetime.now(UTC)
    a.version += 1
    await session.flush()
    return to_read(a, scheme), a.version


async def set_override(
    session: AsyncSession,
    settings: Settings,
    *,
    principal: Principal,
    assessment_id: uuid.UUID,
    jurisdiction_code: str,
    data: OverrideSet,
    if_match: str | None,
) -> tuple[AssessmentRead, int]:
    """Impose or lift the one-vote veto of one jurisdiction, with its reason (the figures are kept as they were)."""
    a = await _draft(session, principal, assessment_id, if_match)
    if jurisdiction_code not in JURISDICTIONS:
        raise NotFound("No such jurisdiction.", code="jurisdiction_not_found")
    scheme = await _scheme(session, a.scheme_id)
    overrides = dict(a.overrides)
    overrides[jurisdiction_code] = VetoOverride(
        veto=data.veto, reason=data.reason, by=principal.name, at=datetime.now(UTC)
    ).model_dump(mode="json")
    a.overrides = overrides
    results = []
    for r in a.results:
        if r["jurisdiction_code"] == jurisdiction_code:
            r = dict(r) | {"override": overrides[jurisdiction_code], "veto": data.veto}
            r["passed"] = Decimal(r["total"]) >= scheme.pass_mark and not data.veto
        results.append(r)
    a.results = results
    a.version += 1
    await session.flush()
    return to_read(a, scheme), a.version


async def publish(
    session: AsyncSession, *, principal: Principal, assessment_id: uuid.UUID, if_match: str | None
) -> tuple[AssessmentRead, int]:
    a = await _draft(session, principal, assessment_id, if_match)
    a.status = "published"
    a.published_at = datetime.now(UTC)
    a.published_by = principal.name
    a.version += 1
    await session.flush()
    return to_read(a, await _scheme(session, a.scheme_id)), a.version


def table_rows(read: AssessmentRead) -> tuple[list[str], list[list[Any]]]:
    codes = [i.indicator_code for i in read.scheme.items]
    headings = [
        "排名",
        "乡镇",
        *[f"{defs.SPECS[c].label_zh}得分" for c in codes],
        "总分",
        "一票否决",
        "否决说明",
        "考核结果",
    ]
    rows = []
    for r in sorted(read.results, key=lambda r: r.rank):
        rows.append(
            [
                r.rank,
                r.jurisdiction_name_zh,
                *[s.score for s in r.items],
                r.total,
                "是" if r.veto else "否",
                r.override.reason if r.override else None,
                "合格" if r.passed else "不合格",
            ]
        )
    return headings, rows
