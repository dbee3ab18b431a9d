import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from placement.employers.models import Employer
from shared.pagination import PageParams, keyset_page

USCC_CONSTRAINT = "uq_employer_unified_social_credit_code"


@dataclass(frozen=True, slots=True)
class EmployerFilter:
    jurisdiction_code: str | None = None
    kind: str | None = None
    is_qihang_enterprise: bool | None = None
    name_contains: str | None = None


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class EmployerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, employer_id: uuid.UUID, *, jurisdiction_code: str | None = None) -> Employer | None:
        stmt = select(Employer).where(Employer.id == employer_id)
        if jurisdiction_code is not None:
            stmt = stmt.where(Employer.jurisdiction_code == jurisdiction_code)
        return await self.session.scalar(stmt)

    async def uscc_taken(self, code: str) -> bool:
        found = await self.session.scalar(select(Employer.id).where(Employer.unified_social_credit_code == code))
        return found is not None

    async def add(self, employer: Employer) -> Employer:
        self.session.add(employer)
        await self.session.flush()
        return employer

    async def page(
        self, filters: EmployerFilter, params: PageParams, *, visible_in: str | None
    ) -> tuple[list[Employer], str | None]:
        stmt = select(Employer)
        if visible_in is not None:
            stmt = stmt.where(Employer.jurisdiction_code == visible_in)
        if filters.jurisdiction_code is not None:
            stmt = stmt.where(Employer.jurisdiction_code == filters.jurisdiction_code)
        if filters.kind is not None:
            stmt = stmt.where(Employer.kind == filters.kind)
        if filters.is_qihang_enterprise is not None:
            stmt = stmt.where(Employer.is_qihang_enterprise.is_(filters.is_qihang_enterprise))
        if filters.name_contains:
            stmt = stmt.where(Employer.name.ilike(f"%{_escape_like(filters.name_contains)}%", escape="\\"))
        return await keyset_page(
            self.session, stmt, params, keys=[Employer.name, Employer.id], convert=[None, uuid.UUID]
        )
