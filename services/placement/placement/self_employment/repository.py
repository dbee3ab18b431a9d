import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from placement.self_employment.models import GuaranteedLoan, SelfEmployment
from shared.pagination import PageParams, keyset_by, keyset_rows
from shared.query import Repository, where_fields, where_given


@dataclass(frozen=True, slots=True)
class SelfEmploymentFilter:
    person_id: uuid.UUID | None = None
    jurisdiction_code: str | None = None
    business_kind: str | None = None
    status: str | None = None


class SelfEmploymentRepository(Repository):
    async def get(
        self, record_id: uuid.UUID, *, visible_in: str | None, for_update: bool = False
    ) -> SelfEmployment | None:
        limit = (SelfEmployment.jurisdiction_code, visible_in)
        return await self.by_id(SelfEmployment, record_id, limit, for_update=for_update)

    async def page(
        self, filters: SelfEmploymentFilter, params: PageParams, *, visible_in: str | None
    ) -> tuple[list[SelfEmployment], str | None]:
        stmt = where_given(select(SelfEmployment), (SelfEmployment.jurisdiction_code, visible_in))
        stmt = where_fields(stmt, SelfEmployment, filters)
        return await keyset_by(self.session, stmt, params, SelfEmployment.start_on, SelfEmployment.id)

    async def loans_of(self, record_id: uuid.UUID) -> list[GuaranteedLoan]:
        stmt = select(GuaranteedLoan).where(GuaranteedLoan.self_employment_id == record_id)
        return list((await self.session.scalars(stmt.order_by(GuaranteedLoan.disbursed_on, GuaranteedLoan.id))).all())

    async def loans_in_year(
        self, year: int, params: PageParams, *, visible_in: str | None, jurisdiction_code: str | None
    ) -> tuple[list, str | None]:
        """Loans bearing interest on at least one day of `year` (disbursement day included, maturity day not), with
        those days counted, ordered by loan id."""
        first, after_last = date(year, 1, 1), date(year + 1, 1, 1)
        loan, record = GuaranteedLoan, SelfEmployment
        days = func.least(loan.maturity_on, after_last) - func.greatest(loan.disbursed_on, first)
        stmt = (
            select(loan, record, days.label("interest_days"))
            .join(record, record.id == loan.self_employment_id)
            .where(loan.disbursed_on < after_last, loan.maturity_on > first)
        )
        for code in (visible_in, jurisdiction_code):
            if code is not None:
                stmt = stmt.where(record.jurisdiction_code == code)
        return await keyset_rows(self.session, stmt, params, loan.id, key_of=lambda row: [row[0].id])
