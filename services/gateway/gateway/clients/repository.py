import uuid

from sqlalchemy import select

from gateway.clients.models import IntegrationClient
from shared.pagination import PageParams, keyset_page
from shared.query import Repository


class ClientRepository(Repository):
    async def get(self, id_: uuid.UUID, *, for_update: bool = False) -> IntegrationClient | None:
        return await self.one(select(IntegrationClient).where(IntegrationClient.id == id_), for_update=for_update)

    async def by_client_id(self, client_id: str) -> IntegrationClient | None:
        return await self.session.scalar(select(IntegrationClient).where(IntegrationClient.client_id == client_id))

    async def page(self, params: PageParams) -> tuple[list[IntegrationClient], str | None]:
        return await keyset_page(self.session, select(IntegrationClient), params, keys=[IntegrationClient.client_id])
