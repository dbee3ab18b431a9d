import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.auth.models import AuthEvent, RefreshToken
from shared.logging import request_id_var
from shared.pagination import PageParams, keyset_page


class RefreshTokenRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_digest_for_update(self, digest: str) -> RefreshToken | None:
        return await self.session.scalar(
            select(RefreshToken).where(RefreshToken.token_digest == digest).with_for_update()
        )

    async def add(self, token: RefreshToken) -> None:
        self.session.add(token)
        await self.session.flush()

    async def revoke_family(self, family_id: uuid.UUID, at: datetime) -> None:
        await self.session.execute(
            update(RefreshToken)
            .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=at)
        )

    async def revoke_user(self, user_id: uuid.UUID, at: datetime) -> None:
        await self.session.execute(
            update(RefreshToken)
            .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=at)
        )


class AuthEventRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(
        self,
        kind: str,
        *,
        subject: str | None = None,
        username: str | None = None,
        actor: str | None = None,
        client_ip: str | None = None,
        detail: str | None = None,
    ) -> None:
        self.session.add(
            AuthEvent(
                kind=kind,
                subject=subject,
                username=username,
                actor=actor,
                client_ip=client_ip,
                request_id=request_id_var.get(),
                detail=detail,
            )
        )
        await self.session.flush()

    async def page(
        self,
        params: PageParams,
        *,
        kind: str | None,
        subject: str | None,
        since: datetime | None,
        until: datetime | None,
    ) -> tuple[list[AuthEvent], str | None]:
        stmt = select(AuthEvent)
        if kind:
            stmt = stmt.where(AuthEvent.kind == kind)
        if subject:
            stmt = stmt.where(AuthEvent.subject == subject)
        if since:
            stmt = stmt.where(AuthEvent.at >= since)
        if until:
            stmt = stmt.where(AuthEvent.at < until)
        return await keyset_page(self.session, stmt, params, keys=[AuthEvent.id], descending=True)
