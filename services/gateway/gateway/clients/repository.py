import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.clients.models import IntegrationClient
from shared.pagination import PageParams, keyset_page


class ClientRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, id_: uuid.UUID, *, for_update: bool = False) -> IntegrationClient | None:
        stmt = select(IntegrationClient).where(IntegrationClient.id == id_)
        if for_update:
            stmt = stmt.with_for_update()
        return await self.session.scalar(stmt)

    async def by_client_id(self, client_id: str) -> IntegrationClient | None:
        return await self.session.scalar(select(IntegrationClient).where(IntegrationClient.client_id == client_id))

    async def page(self, params: PageParams) -> tuple[list[IntegrationClient], str | None]:
        return await keyset_page(self.session, select(IntegrationClient), params, keys=[IntegrationClient.client_id])

    async def add(self, client: IntegrationClient) -> None:
        self.session.add(client)
        await self.session.flush()
