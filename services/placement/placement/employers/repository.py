import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, func, literal, select
from sqlalchemy.dialects.postgresql import distinct_on

from placement.employers.models import Employer, EmployerDesignation
from placement.employers.policy import Scope
from shared.pagination import PageParams, keyset_by
from shared.query import Repository, where_fields, where_seen

USCC_CONSTRAINT = "uq_employer_unified_social_credit_code"


@dataclass(frozen=True, slots=True)
class EmployerFilter:
    jurisdiction_code: str | None = None
    kind: str | None = None
    is_qihang_enterprise: bool | None = None
    designation_status: str | None = None
    sector_code: str | None = None
    name_contains: str | None = None


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def within(stmt: Select, scope: Scope) -> Select:
    """Only the employers that exist for a caller with this scope (an employer's client: itself)."""
    return where_seen(stmt, Employer, scope, employer=Employer.id)


def status_on(on: date):
    """SQL: the employer's designation status on `on` (its latest step up to that day), 'not_designated' if none."""
    latest = (
        select(EmployerDesignation.status_after)
        .where(EmployerDesignation.employer_id == Employer.id, EmployerDesignation.effective_on <= on)
        .order_by(EmployerDesignation.seq.desc())
        .limit(1)
        .correlate(Employer)
        .scalar_subquery()
    )
    return func.coalesce(latest, literal("not_designated"))


class EmployerRepository(Repository):
    async def get(
        self,
        employer_id: uuid.UUID,
        scope: Scope | None = None,
        *,
        jurisdiction_code: str | None = None,
        for_update: bool = False,
    ) -> Employer | None:
        """The employer if it exists within `scope` (or, the older form, within `jurisdiction_code`)."""
        stmt = within(select(Employer).where(Employer.id == employer_id), scope or Scope(jurisdiction_code, None))
        return await self.one(stmt, for_update=for_update)

    async def uscc_taken(self, code: str, *, other_than: uuid.UUID | None = None) -> bool:
        stmt = select(Employer.id).where(Employer.unified_social_credit_code == code)
        if other_than is not None:
            stmt = stmt.where(Employer.id != other_than)
        return await self.session.scalar(stmt) is not None

    async def page(
        self, filters: EmployerFilter, params: PageParams, scope: Scope, *, today: date
    ) -> tuple[list[Employer], str | None]:
        stmt = where_fields(
            within(select(Employer), scope), Employer, filters, "jurisdiction_code", "kind", "sector_code"
        )
        if filters.is_qihang_enterprise is not None:
            active = status_on(today) == "active"
            stmt = stmt.where(active if filters.is_qihang_enterprise else ~active)
        if filters.designation_status is not None:
            stmt = stmt.where(status_on(today) == filters.designation_status)
        if filters.name_contains:
            stmt = stmt.where(Employer.name.ilike(f"%{_escape_like(filters.name_contains)}%", escape="\\"))
        return await keyset_by(self.session, stmt, params, Employer.name, Employer.id)


class DesignationRepository(Repository):
    async def last(self, employer_id: uuid.UUID) -> EmployerDesignation | None:
        return await self.session.scalar(
            select(EmployerDesignation)
            .where(EmployerDesignation.employer_id == employer_id)
            .order_by(EmployerDesignation.seq.desc())
            .limit(1)
        )

    async def latest_on(self, employer_ids: list[uuid.UUID], on: date) -> dict[uuid.UUID, EmployerDesignation]:
        """Each employer's latest step up to `on` (employers never designated by then are left out)."""
        if not employer_ids:
            return {}
        rows = await self.session.scalars(
            select(EmployerDesignation)
            .where(EmployerDesignation.employer_id.in_(employer_ids), EmployerDesignation.effective_on <= on)
            .order_by(EmployerDesignation.employer_id, EmployerDesignation.seq.desc())
            .ext(distinct_on(EmployerDesignation.employer_id))
        )
        return {row.employer_id: row for row in rows}

    async def history(self, employer_id: uuid.UUID, params: PageParams) -> tuple[list[EmployerDesignation], str | None]:
        """Oldest first: the order the steps happened in."""
        stmt = select(EmployerDesignation).where(EmployerDesignation.employer_id == employer_id)
        return await keyset_by(self.session, stmt, params, EmployerDesignation.seq)
