import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import JSON, Select, delete, func, insert, select, update

from shared.pagination import PageParams, newest_first
from shared.query import Repository, where_fields, where_given
from subsidy.access import Visibility
from subsidy.decisions.models import SubsidyDecision, SubsidyDecisionTotal

# First key of the two-key advisory lock that makes a year's decisions written by one evaluation at a time.
YEAR_LOCK = 0x53_44


@dataclass(frozen=True, slots=True)
class DecisionFilter:
    year: int | None = None
    subsidy_type: str | None = None
    beneficiary_id: uuid.UUID | None = None
    jurisdiction_code: str | None = None
    tier: str | None = None
    current_only: bool = True


@dataclass(frozen=True, slots=True)
class CurrentDecision:
    id: uuid.UUID
    beneficiary_id: uuid.UUID
    subsidy_type: str
    version: int
    policy_version: int
    evidence_hash: str
    amount: Any
    tier: str | None
    qualifying_count: int


def visible_in(model: Any, stmt: Select, seen: Visibility) -> Select:
    """The decisions or applications (`model`) a caller sees: township staff their jurisdiction's, an employer's
    client only those whose beneficiary is that employer."""
    stmt = where_given(stmt, (model.jurisdiction_code, seen.jurisdiction))
    if seen.employer_id is not None:
        stmt = stmt.where(model.beneficiary_kind == "employer", model.beneficiary_id == seen.employer_id)
    return stmt


def visible(stmt: Select, seen: Visibility) -> Select:
    return visible_in(SubsidyDecision, stmt, seen)


def _filtered(stmt: Select, filters: DecisionFilter) -> Select:
    equal = ("year", "subsidy_type", "beneficiary_id", "jurisdiction_code", "tier")
    stmt = where_fields(stmt, SubsidyDecision, filters, *equal)
    if filters.current_only:
        stmt = stmt.where(SubsidyDecision.is_current)
    return stmt


class DecisionRepository(Repository):
    async def get(
        self, decision_id: uuid.UUID, seen: Visibility, *, for_update: bool = False
    ) -> SubsidyDecision | None:
        stmt = visible(select(SubsidyDecision).where(SubsidyDecision.id == decision_id), seen)
        return await self.one(stmt, for_update=for_update)

    async def page(
        self, filters: DecisionFilter, params: PageParams, seen: Visibility
    ) -> tuple[list[SubsidyDecision], str | None]:
        stmt = _filtered(visible(select(SubsidyDecision), seen), filters)
        return await newest_first(self.session, stmt, params, SubsidyDecision.decided_at, SubsidyDecision.id)

    async def ids(self, filters: DecisionFilter, seen: Visibility) -> list[uuid.UUID]:
        """Every decision the filters select, in the list's order (for an export)."""
        stmt = _filtered(visible(select(SubsidyDecision.id), seen), filters)
        rows = await self.session.scalars(stmt.order_by(SubsidyDecision.decided_at.desc(), SubsidyDecision.id.desc()))
        return list(rows)

    async def by_ids(self, ids: Sequence[uuid.UUID]) -> list[SubsidyDecision]:
        rows = {d.id: d for d in await self.session.scalars(select(SubsidyDecision).where(SubsidyDecision.id.in_(ids)))}
        return [rows[i] for i in ids if i in rows]

    async def versions(self, decision: SubsidyDecision) -> list[SubsidyDecision]:
        return list(
            await self.session.scalars(
                select(SubsidyDecision)
                .where(
                    SubsidyDecision.beneficiary_id == decision.beneficiary_id,
                    SubsidyDecision.subsidy_type == decision.subsidy_type,
                    SubsidyDecision.year == decision.year,
                )
                .order_by(SubsidyDecision.version)
            )
        )

    async def lock_year(self, year: int) -> None:
        await self.session.execute(select(func.pg_advisory_xact_lock(YEAR_LOCK, year)))

    async def current(
        self, year: int, types: Iterable[str], *, beneficiary_ids: Sequence[uuid.UUID] | None
    ) -> dict[tuple[uuid.UUID, str], CurrentDecision]:
        """The current version of every decision of the year and types (of these beneficiaries, if named)."""
        d = SubsidyDecision
        stmt = select(
            d.id, d.beneficiary_id, d.subsidy_type, d.version, d.policy_version, d.evidence_hash, d.amount, d.tier,
            d.qualifying_count,
        ).where(d.year == year, d.subsidy_type.in_(list(types)), d.is_current)  # fmt: skip
        if beneficiary_ids is not None:
            stmt = stmt.where(d.beneficiary_id.in_(beneficiary_ids))
        rows = await self.session.execute(stmt)
        return {(r.beneficiary_id, r.subsidy_type): CurrentDecision(**r._mapping) for r in rows}

    async def counted_of(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[dict[str, Any]]]:
        """The counted lines of these decisions' evidence (to tell what a new version adds and removes)."""
        if not ids:
            return {}
        rows = await self.session.execute(
            select(SubsidyDecision.id, SubsidyDecision.evidence["counted"]).where(SubsidyDecision.id.in_(ids))
        )
        return {row[0]: row[1] or [] for row in rows}

    async def retire(self, ids: Sequence[uuid.UUID]) -> None:
        if ids:
            await self.session.execute(
                update(SubsidyDecision)
                .where(SubsidyDecision.id.in_(ids))
                .values(is_current=False)
                .execution_options(synchronize_session=False)
            )

    async def refresh_totals(self, year: int, types: Iterable[str]) -> None:
        """Rewrite the year's totals of these types from the current decisions (in the caller's transaction)."""
        d, t = SubsidyDecision, SubsidyDecisionTotal
        wanted = list(types)
        await self.session.execute(
            delete(t).where(t.year == year, t.subsidy_type.in_(wanted)).execution_options(synchronize_session=False)
        )
        grouped = (
            select(
                d.year,
                d.subsidy_type,
                d.tier,
                d.jurisdiction_code,
                func.count(),
                func.count().filter(d.amount > 0),
                func.coalesce(func.sum(d.qualifying_count), 0),
                func.coalesce(func.sum(d.amount), 0),
            )
            .where(d.year == year, d.subsidy_type.in_(wanted), d.is_current)
            .group_by(d.year, d.subsidy_type, d.tier, d.jurisdiction_code)
        )
        await self.session.execute(
            insert(t).from_select(
                ["year", "subsidy_type", "tier", "jurisdiction_code", "decisions", "paying", "qualifying", "amount"],
                grouped,
            )
        )

    async def insert_many(self, rows: Sequence[dict[str, Any]]) -> None:
        """Append decisions with COPY, in the session's transaction (as shared.imports.copy_rows does, but with the
        JSON columns encoded by orjson: an evaluation writes thousands of evidence snapshots, and the json module
        was most of the time spent)."""
        if not rows:
            return
        columns = list(rows[0])
        as_json = {name for name in columns if isinstance(SubsidyDecision.__table__.c[name].type, JSON)}
        records = [
            tuple(
                (None if row[name] is None else orjson.dumps(row[name]).decode()) if name in as_json else row[name]
                for name in columns
            )
            for row in rows
        ]
        connection = await self.session.connection()
        raw = await connection.get_raw_connection()
        await raw.driver_connection.copy_records_to_table(
            SubsidyDecision.__tablename__, records=records, columns=columns
        )
