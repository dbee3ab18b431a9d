import base64
import binascii
import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import JSONResponse

from gateway.auth import service
from gateway.auth.exceptions import InvalidClient, UnsupportedGrantType, WrongPassword
from gateway.auth.repository import AuthEventRepository, SubjectRepository
from gateway.auth.schemas import (
    AuthEventKind,
    AuthEventRead,
    Me,
    PasswordChange,
    ReferenceData,
    RevocationList,
    RevokedSubject,
    RevokeRequest,
    TokenResponse,
)
from gateway.auth.status import commit_account_change
from gateway.dependencies import ActivePrincipal, AuditPrincipal, PasswordChanger, ServicePrincipal, client_ip
from shared.db import SessionDep
from shared.errors import AppError, Forbidden, app_error_response, problem_responses
from shared.pagination import Page, PageParamsDep
from shared.reference import DEPARTMENTS, JURISDICTIONS, ROLES, SCOPES

public_router = APIRouter(tags=["auth"])
router = APIRouter(prefix="/api/v1/auth", tags=["auth"])
password_router = APIRouter(prefix="/api/v1/auth", tags=["auth"])
"""Included without the default token check: its own dependency also admits a token that may only change the
password (shared.auth.PASSWORD_CHANGE_CLAIM)."""

REVOCATION_WINDOW = timedelta(seconds=3600 + 2 * 30)
"""The longest an access token can live (GATEWAY_ACCESS_TOKEN_TTL_SECONDS is at most 3600) plus the largest
leeway on both sides: a revocation older than this has outlived every token it revoked."""
events_router = APIRouter(prefix="/api/v1/admin/auth-events", tags=["admin"])

Field64 = Annotated[str | None, Form(max_length=256)]


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidClient("The Basic credentials cannot be read.") from exc
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise InvalidClient("The Basic credentials cannot be read.")
    return client_id, secret


@public_router.post(
    "/api/v1/auth/token",
    response_model=TokenResponse,
    responses=problem_responses(400, 401, 422, 429),
    summary="Get an access token (OAuth 2.0 password, client_credentials or refresh_token grant).",
)
async def issue_token(
    request: Request,
    session: SessionDep,
    grant_type: Annotated[Literal["password", "client_credentials", "refresh_token"] | str, Form()],
    username: Field64 = None,
    password: Field64 = None,
    refresh_token: Field64 = None,
    client_id: Field64 = None,
    client_secret: Field64 = None,
    scope: Field64 = None,
) -> TokenResponse | JSONResponse:
    """Get an access token (OAuth 2.0 password, client_credentials or refresh_token grant).

    Staff log in with `grant_type=password` and get a short-lived RS256 access token and a single-use
    refresh token. Other departments' systems use `grant_type=client_credentials` with HTTP Basic or
    `client_id`/`client_secret` form fields. Every failure is logged and answered 401 problem+json; repeated
    wrong passwords lock the account for a while.
    """
    settings = request.app.state.settings
    keys = request.app.state.keys
    ip = client_ip(request)
    limiter = request.app.state.login_limiter
    wait = limiter.hit(f"login:{ip}")
    if wait is not None:
        raise AppError(
            "Too many log-in attempts from this address.",
            status=429,
            code="rate_limited",
            title="Too many requests",
            headers={"Retry-After": str(wait)},
        )
    if grant_type == "password":
        if not username or not password:
            raise AppError("username and password are required.", status=400, code="invalid_request")
        outcome = await service.password_grant(
            session, settings=settings, keys=keys, username=username, password=password, client_ip=ip
        )
    elif grant_type == "client_credentials":
        creds = _basic_credentials(request) or ((client_id, client_secret) if client_id and client_secret else None)
        if creds is None:
            raise InvalidClient("Send the client id and secret (HTTP Basic or form fields).")
        outcome = await service.client_credentials_grant(
            session, settings=settings, keys=keys, client_id=creds[0], client_secret=creds[1], client_ip=ip
        )
    elif grant_type == "refresh_token":
        if not refresh_token:
            raise AppError("refresh_token is required.", status=400, code="invalid_request")
        outcome = await service.refresh_grant(
            session, settings=settings, keys=keys, refresh_token=refresh_token, client_ip=ip
        )
    else:
        raise UnsupportedGrantType("grant_type must be password, client_credentials or refresh_token.")
    if isinstance(outcome, service.Failure):
        return app_error_response(request, outcome.error)
    return outcome


@router.post("/revoke", status_code=204, responses=problem_responses(401, 422))
async def revoke(session: SessionDep, body: RevokeRequest, principal: ActivePrincipal) -> None:
    """Log out: revoke a refresh token and every token rotated from it."""
    await service.revoke_refresh_token(session, refresh_token=body.refresh_token, actor=principal.subject)


@router.get("/me", responses=problem_responses(401))
async def me(principal: ActivePrincipal) -> Me:
    """Who the token belongs to: roles, department, jurisdiction and scopes."""
    return Me(
        subject=principal.subject,
        kind=principal.kind,
        name=principal.name,
        roles=sorted(principal.roles),
        department=principal.department,
        jurisdiction=principal.jurisdiction,
        scopes=sorted(principal.scopes),
    )


@password_router.post("/password", status_code=204, responses=problem_responses(400, 401, 403, 422, 503))
async def change_password(
    request: Request, session: SessionDep, body: PasswordChange, principal: PasswordChanger
) -> None:
    """Change your own password; every token you hold is revoked, so log in again.

    This is the one call a token issued with `password_change_required` may make.
    """
    if principal.kind != "user":
        raise Forbidden("Only staff users have passwords.")
    ok = await service.change_own_password(
        session, user_id=uuid.UUID(principal.subject), current=body.current_password, new=body.new_password
    )
    if not ok:
        raise WrongPassword("The current password is wrong.")
    await commit_account_change(request, session, principal.subject)


@router.get("/revocations", responses=problem_responses(401, 403))
async def list_revocations(session: SessionDep, _: ServicePrincipal) -> RevocationList:
    """Revoked tokens, for the platform's own services (they poll it every few seconds).

    Every user or client whose token version was raised (disabled, password changed or reset, roles, department or
    jurisdiction changed, client secret rotated) within the longest lifetime of an access token. A service refuses
    a token of a listed subject whose claim `tv` is below `token_version`, and every token of a disabled one.
    """
    now = datetime.now(UTC)
    rows = await SubjectRepository(session).revoked_since(now - REVOCATION_WINDOW)
    return RevocationList(
        as_of=now,
        window_seconds=int(REVOCATION_WINDOW.total_seconds()),
        subjects=[
            RevokedSubject(subject=subject, token_version=version, disabled=disabled, revoked_at=at)
            for subject, version, disabled, at in rows
        ],
    )


@router.get("/reference")
async def reference(_: ActivePrincipal) -> ReferenceData:
    """Codes for departments, roles, jurisdictions and scopes, with Chinese labels."""
    return ReferenceData(
        departments=dict(DEPARTMENTS),
        roles=dict(ROLES),
        jurisdictions={code: names[0] for code, names in JURISDICTIONS.items()},
        scopes=dict(SCOPES),
    )


@public_router.get("/.well-known/jwks.json", tags=["auth"])
async def jwks(request: Request) -> JSONResponse:
    """The public keys that verify access tokens (JWKS), by kid."""
    return JSONResponse(await request.app.state.keys.jwks(), headers={"Cache-Control": "public, max-age=60"})


@events_router.get("", responses=problem_responses(401, 403))
async def list_auth_events(
    session: SessionDep,
    params: PageParamsDep,
    _: AuditPrincipal,
    kind: Annotated[AuthEventKind | None, Query(examples=["login_failed"])] = None,
    subject: Annotated[str | None, Query(max_length=80)] = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Page[AuthEventRead]:
    """Log-ins, failures, lock-outs and account changes, newest first (auditors and admins)."""
    rows, cursor = await AuthEventRepository(session).page(params, kind=kind, subject=subject, since=since, until=until)
    items = [AuthEventRead.model_validate(r) for r in rows]
    return Page(items=items, next_cursor=cursor, limit=params.limit)
