"""Token issuance: password, client-credentials and refresh-token grants; lockout; refresh rotation with
reuse detection. Failures are returned, not raised, so that the bookkeeping they write (failed-login counts,
lock-outs, revoked families, events) is committed by the request's transaction."""

from __future__ import annotations

import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.auth.exceptions import InvalidClient, InvalidGrant
from gateway.auth.models import RefreshToken
from gateway.auth.repository import AuthEventRepository, RefreshTokenRepository
from gateway.auth.schemas import TokenResponse
from gateway.auth.status import client_subject, revoke_tokens
from gateway.clients.models import IntegrationClient
from gateway.config import Settings
from gateway.keys.service import KeyStore
from gateway.passwords import hash_password, token_digest, verify_password
from gateway.users.models import User
from shared import jwt as qjwt
from shared.auth import PASSWORD_CHANGE_CLAIM
from shared.errors import AppError
from shared.reference import scopes_for_roles

GENERIC_LOGIN_FAILURE = "Wrong username or password, or the account is locked or disabled."


@dataclass(frozen=True)
class Failure:
    error: AppError


def _now() -> datetime:
    return datetime.now(UTC)


def _access_token(settings: Settings, keys: KeyStore, claims: dict[str, Any]) -> tuple[str, int]:
    now = int(time.time())
    ttl = settings.access_token_ttl_seconds
    body = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": now,
        "nbf": now,
        "exp": now + ttl,
        "jti": uuid.uuid4().hex,
        **claims,
    }
    loaded = keys.current
    return qjwt.sign(body, loaded.signing_pem, loaded.signing_kid), ttl


def user_claims(user: User) -> dict[str, Any]:
    """A user's token claims. Until the user changes a password set by an administrator (or generated), the token
    has no role and no scope and says so (claim pwd_change): it may only change the password (shared.auth)."""
    if user.must_change_password:
        return {
            "sub": str(user.id),
            "typ": "user",
            "name": user.username,
            "roles": [],
            "dept": user.department,
            "jur": user.jurisdiction,
            "scope": "",
            "tv": user.token_version,
            PASSWORD_CHANGE_CLAIM: True,
        }
    return {
        "sub": str(user.id),
        "typ": "user",
        "name": user.username,
        "roles": list(user.roles),
        "dept": user.department,
        "jur": user.jurisdiction,
        "scope": " ".join(sorted(scopes_for_roles(set(user.roles)))),
        "tv": user.token_version,
    }


def user_token_response(access: str, ttl: int, refresh: str, claims: dict[str, Any]) -> TokenResponse:
    return TokenResponse(
        access_token=access,
        expires_in=ttl,
        refresh_token=refresh,
        scope=claims["scope"],
        password_change_required=bool(claims.get(PASSWORD_CHANGE_CLAIM)),
    )


def client_claims(client: IntegrationClient) -> dict[str, Any]:
    claims = {
        "sub": client_subject(client.client_id),
        "typ": "client",
        "name": client.name,
        "roles": ["service"] if client.is_service else ["integration"],
        "dept": client.department,
        "jur": client.jurisdiction,
        "scope": " ".join(sorted(client.scopes)),
        "tv": client.token_version,
    }
    if client.employer_id is not None:
        # An employer's own system: placement shows it that employer alone (shared.auth.Principal.employer_id).
        claims["emp"] = str(client.employer_id)
    return claims


async def _new_refresh_token(
    session: AsyncSession, settings: Settings, user: User, family_id: uuid.UUID | None = None
) -> str:
    raw = "rt_" + secrets.token_urlsafe(32)
    await RefreshTokenRepository(session).add(
        RefreshToken(
            token_digest=token_digest(raw),
            family_id=family_id or uuid.uuid4(),
            user_id=user.id,
            expires_at=_now() + timedelta(seconds=settings.refresh_token_ttl_seconds),
        )
    )
    return raw


async def password_grant(
    session: AsyncSession, *, settings: Settings, keys: KeyStore, username: str, password: str, client_ip: str | None
) -> TokenResponse | Failure:
    events = AuthEventRepository(session)
    user = await session.scalar(select(User).where(User.username == username).with_for_update())
    password_ok = await verify_password(user.password_hash if user else None, password)
    now = _now()
    if user is None:
        await events.record("login_failed", username=username[:64], client_ip=client_ip, detail="unknown user")
        return Failure(InvalidGrant(GENERIC_LOGIN_FAILURE))
    subject = str(user.id)
    if user.disabled_at is not None:
        await events.record(
            "login_failed", subject=subject, username=user.username, client_ip=client_ip, detail="disabled"
        )
        return Failure(InvalidGrant(GENERIC_LOGIN_FAILURE))
    if user.locked_until is not None and user.locked_until > now:
        await events.record(
            "login_failed", subject=subject, username=user.username, client_ip=client_ip, detail="locked"
        )
        return Failure(InvalidGrant(GENERIC_LOGIN_FAILURE))
    if not password_ok:
        user.failed_logins += 1
        detail = "wrong password"
        if user.failed_logins >= settings.max_failed_logins:
            user.locked_until = now + timedelta(seconds=settings.lockout_seconds)
            user.failed_logins = 0
            detail = "wrong password; locked"
            await events.record("account_locked", subject=subject, username=user.username, client_ip=client_ip)
        await events.record("login_failed", subject=subject, username=user.username, client_ip=client_ip, detail=detail)
        return Failure(InvalidGrant(GENERIC_LOGIN_FAILURE))
    if user.failed_logins or user.locked_until:
        user.failed_logins = 0
        user.locked_until = None
    claims = user_claims(user)
    access, ttl = _access_token(settings, keys, claims)
    refresh = await _new_refresh_token(session, settings, user)
    await events.record("login", subject=subject, username=user.username, client_ip=client_ip)
    return user_token_response(access, ttl, refresh, claims)


async def client_credentials_grant(
    session: AsyncSession,
    *,
    settings: Settings,
    keys: KeyStore,
    client_id: str,
    client_secret: str,
    client_ip: str | None,
) -> TokenResponse | Failure:
    events = AuthEventRepository(session)
    client = await session.scalar(select(IntegrationClient).where(IntegrationClient.client_id == client_id))
    secret_ok = await verify_password(client.secret_hash if client else None, client_secret)
    if client is None or not secret_ok or client.disabled_at is not None:
        reason = "unknown client" if client is None else ("disabled" if client.disabled_at else "wrong secret")
        await events.record(
            "client_auth_failed", subject=client_subject(client_id[:64]), client_ip=client_ip, detail=reason
        )
        return Failure(InvalidClient("Unknown client, wrong secret, or the client is disabled."))
    claims = client_claims(client)
    access, ttl = _access_token(settings, keys, claims)
    await events.record("client_token", subject=claims["sub"], client_ip=client_ip)
    return TokenResponse(access_token=access, expires_in=ttl, scope=claims["scope"])


async def refresh_grant(
    session: AsyncSession, *, settings: Settings, keys: KeyStore, refresh_token: str, client_ip: str | None
) -> TokenResponse | Failure:
    events = AuthEventRepository(session)
    tokens = RefreshTokenRepository(session)
    row = await tokens.by_digest_for_update(token_digest(refresh_token))
    now = _now()
    refused = Failure(InvalidGrant("The refresh token is invalid, expired or revoked. Log in again."))
    if row is None:
        await events.record("refresh_failed", client_ip=client_ip, detail="unknown token")
        return refused
    if row.used_at is not None or row.revoked_at is not None:
        await tokens.revoke_family(row.family_id, now)
        await events.record(
            "refresh_reuse",
            subject=str(row.user_id),
            client_ip=client_ip,
            detail="reused or revoked refresh token; family revoked",
        )
        return refused
    if row.expires_at <= now:
        await events.record("refresh_failed", subject=str(row.user_id), client_ip=client_ip, detail="expired")
        return refused
    user = await session.get(User, row.user_id)
    if user is None or user.disabled_at is not None:
        await tokens.revoke_family(row.family_id, now)
        await events.record("refresh_failed", subject=str(row.user_id), client_ip=client_ip, detail="disabled")
        return refused
    row.used_at = now
    new_refresh = await _new_refresh_token(session, settings, user, family_id=row.family_id)
    claims = user_claims(user)
    access, ttl = _access_token(settings, keys, claims)
    await events.record("refresh", subject=claims["sub"], client_ip=client_ip)
    return user_token_response(access, ttl, new_refresh, claims)


async def revoke_refresh_token(session: AsyncSession, *, refresh_token: str, actor: str) -> None:
    """Log out: revoke the token's whole family. Unknown tokens are ignored (RFC 7009 §2.2)."""
    tokens = RefreshTokenRepository(session)
    row = await tokens.by_digest_for_update(token_digest(refresh_token))
    if row is not None and str(row.user_id) == actor:
        await tokens.revoke_family(row.family_id, _now())
        await AuthEventRepository(session).record("logout", subject=actor, actor=actor)


async def change_own_password(session: AsyncSession, *, user_id: uuid.UUID, current: str, new: str) -> bool:
    user = await session.get(User, user_id, with_for_update=True)
    if user is None or not await verify_password(user.password_hash, current):
        return False
    now = _now()
    user.password_hash = await hash_password(new)
    user.password_changed_at = now
    user.must_change_password = False
    revoke_tokens(user, now)
    await RefreshTokenRepository(session).revoke_user(user.id, now)
    await AuthEventRepository(session).record("password_changed", subject=str(user.id), actor=str(user.id))
    return True
