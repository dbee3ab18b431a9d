import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Select, func, select

from shared.pagination import PageParams, newest_first
from shared.query import Repository, where_fields
from subsidy.access import Visibility
from subsidy.applications.models import SubsidyApplication, SubsidyApplicationStep, SubsidyPayment
from subsidy.applications.workflow import COMMITTED
from subsidy.decisions.models import SubsidyDecision
from subsidy.decisions.repository import visible_in

OPEN_INDEX = "uq_subsidy_application_open"
COMMITTED_INDEX = "uq_subsidy_application_committed"
PAYMENT_INDEXES = ("uq_subsidy_payment_application_id", "uq_subsidy_payment_once")


@dataclass(frozen=True, slots=True)
class ApplicationFilter:
    year: int | None = None
    subsidy_type: str | None = None
    status: str | None = None
    beneficiary_id: uuid.UUID | None = None
    jurisdiction_code: str | None = None


def visible(stmt: Select, seen: Visibility) -> Select:
    return visible_in(SubsidyApplication, stmt, seen)


def _filtered(stmt: Select, filters: ApplicationFilter) -> Select:
    return where_fields(stmt, SubsidyApplication, filters)


class ApplicationRepository(Repository):
    async def get(
        self, application_id: uuid.UUID, seen: Visibility, *, for_update: bool = False
    ) -> SubsidyApplication | None:
        stmt = visible(select(SubsidyApplication).where(SubsidyApplication.id == application_id), seen)
        return await self.one(stmt, for_update=for_update, fresh=True)

    async def page(
        self, filters: ApplicationFilter, params: PageParams, seen: Visibility
    ) -> tuple[list[SubsidyApplication], str | None]:
        stmt = _filtered(visible(select(SubsidyApplication), seen), filters)
        return await newest_first(self.session, stmt, params, SubsidyApplication.created_at, SubsidyApplication.id)

    async def all(self, filters: ApplicationFilter, seen: Visibility) -> list[SubsidyApplication]:
        stmt = _filtered(visible(select(SubsidyApplication), seen), filters)
        return list(
            await self.session.scalars(
                stmt.order_by(SubsidyApplication.created_at.desc(), SubsidyApplication.id.desc())
            )
        )

    async def steps(self, application_id: uuid.UUID) -> list[SubsidyApplicationStep]:
        return list(
            await self.session.scalars(
                select(SubsidyApplicationStep)
                .where(SubsidyApplicationStep.application_id == application_id)
                .order_by(SubsidyApplicationStep.seq)
            )
        )

    async def payment(self, application_id: uuid.UUID) -> SubsidyPayment | None:
        return await self.session.scalar(select(SubsidyPayment).where(SubsidyPayment.application_id == application_id))

    async def payments(self, application_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, SubsidyPayment]:
        if not application_ids:
            return {}
        rows = await self.session.scalars(
            select(SubsidyPayment).where(SubsidyPayment.application_id.in_(application_ids))
        )
        return {p.application_id: p for p in rows}

    async def committed_exists(self, beneficiary_id: uuid.UUID, subsidy_type: str, year: int) -> bool:
        """An approved or paid application of this beneficiary, type and year exists."""
        return bool(
            await self.session.scalar(
                select(func.count())
                .select_from(SubsidyApplication)
                .where(
                    SubsidyApplication.beneficiary_id == beneficiary_id,
                    SubsidyApplication.subsidy_type == subsidy_type,
                    SubsidyApplication.year == year,
                    SubsidyApplication.status.in_(COMMITTED),
                )
            )
        )

    async def decision_is_current(self, decision_id: uuid.UUID) -> bool:
        return bool(
            await self.session.scalar(select(SubsidyDecision.is_current).where(SubsidyDecision.id == decision_id))
        )

    async def add_step(self, step: SubsidyApplicationStep) -> None:
        step.seq = (
            await self.session.scalar(
                select(func.coalesce(func.max(SubsidyApplicationStep.seq), 0)).where(
                    SubsidyApplicationStep.application_id == step.application_id
                )
            )
            + 1
        )
        self.session.add(step)
        await self.session.flush()

    async def add_payment(self, payment: SubsidyPayment) -> SubsidyPayment:
        self.session.add(payment)
        await self.session.flush()
        return payment
