import uuid
from datetime import datetime

from sqlalchemy import literal, select, union_all, update

from gateway.auth.models import AuthEvent, RefreshToken
from gateway.clients.models import IntegrationClient
from gateway.users.models import User
from shared.logging import request_id_var
from shared.pagination import PageParams, keyset_page
from shared.query import Repository, where_given


class RefreshTokenRepository(Repository):
    async def by_digest_for_update(self, digest: str) -> RefreshToken | None:
        return await self.session.scalar(
            select(RefreshToken).where(RefreshToken.token_digest == digest).with_for_update()
        )

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


class AuthEventRepository(Repository):
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
        stmt = where_given(select(AuthEvent), (AuthEvent.kind, kind))
        if subject:
            stmt = stmt.where(AuthEvent.subject == subject)
        if since:
            stmt = stmt.where(AuthEvent.at >= since)
        if until:
            stmt = stmt.where(AuthEvent.at < until)
        return await keyset_page(self.session, stmt, params, keys=[AuthEvent.id], descending=True)


CLIENT_SUBJECT_PREFIX = "client:"


class SubjectRepository(Repository):
    """Users and clients as token subjects: `<user uuid>` or `client:<client_id>`."""

    async def state(self, subject: str) -> tuple[bool, int] | None:
        """(active, token_version) of a subject, or None when there is no such user or client."""
        if subject.startswith(CLIENT_SUBJECT_PREFIX):
            stmt = select(IntegrationClient.disabled_at, IntegrationClient.token_version).where(
                IntegrationClient.client_id == subject.removeprefix(CLIENT_SUBJECT_PREFIX)
            )
        else:
            try:
                user_id = uuid.UUID(subject)
            except ValueError:
                return None
            stmt = select(User.disabled_at, User.token_version).where(User.id == user_id)
        row = (await self.session.execute(stmt)).first()
        return None if row is None else (row.disabled_at is None, row.token_version)

    async def revoked_since(self, cutoff: datetime) -> list[tuple[str, int, bool, datetime]]:
        """(subject, token_version, disabled, tokens_revoked_at) of every subject revoked after `cutoff`."""
        users = select(
            User.id.cast(IntegrationClient.client_id.type).label("subject"),
            User.token_version,
            User.disabled_at.is_not(None).label("disabled"),
            User.tokens_revoked_at,
        ).where(User.tokens_revoked_at > cutoff)
        clients = select(
            (literal(CLIENT_SUBJECT_PREFIX) + IntegrationClient.client_id).label("subject"),
            IntegrationClient.token_version,
            IntegrationClient.disabled_at.is_not(None).label("disabled"),
            IntegrationClient.tokens_revoked_at,
        ).where(IntegrationClient.tokens_revoked_at > cutoff)
        rows = await self.session.execute(union_all(users, clients).order_by("subject"))
        return [(r.subject, r.token_version, r.disabled, r.tokens_revoked_at) for r in rows]
