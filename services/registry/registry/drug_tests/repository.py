import uuid
from datetime import date

from sqlalchemy import select

from registry.drug_tests.models import DrugTest, Relapse
from shared.pagination import PageParams, keyset_by
from shared.query import Repository


class DrugTestRepository(Repository):
    refresh_added = True

    async def add_relapse(self, relapse: Relapse) -> Relapse:
        self.session.add(relapse)
        await self.session.flush()
        return relapse

    async def page(self, person_id: uuid.UUID, params: PageParams) -> tuple[list[DrugTest], str | None]:
        stmt = select(DrugTest).where(DrugTest.person_id == person_id)
        return await keyset_by(self.session, stmt, params, DrugTest.tested_on, DrugTest.id)

    async def with_relapse(self, test_ids: list[uuid.UUID]) -> set[uuid.UUID]:
        if not test_ids:
            return set()
        rows = await self.session.scalars(select(Relapse.drug_test_id).where(Relapse.drug_test_id.in_(test_ids)))
        return set(rows.all())

    async def relapse_days(self, person_id: uuid.UUID) -> list[date]:
        rows = await self.session.scalars(select(Relapse.occurred_on).where(Relapse.person_id == person_id))
        return list(rows.all())
