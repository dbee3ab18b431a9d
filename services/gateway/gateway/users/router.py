import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from gateway.auth.status import commit_account_change
from gateway.dependencies import AdminPrincipal
from gateway.users import service
from gateway.users.schemas import PasswordReset, PasswordResetResult, UserCreate, UserCreated, UserRead, UserUpdate
from shared.concurrency import IfMatch, set_etag
from shared.db import SessionDep
from shared.errors import problem_responses
from shared.pagination import Page, PageParamsDep
from shared.reference import DepartmentCode, JurisdictionCode
from shared.routes import creates, versioned

router = APIRouter(prefix="/api/v1/admin/users", tags=["admin"])


@router.get("", responses=problem_responses(401, 403))
async def list_users(
    session: SessionDep,
    params: PageParamsDep,
    _: AdminPrincipal,
    department: Annotated[DepartmentCode | None, Query(description="Only this department's users.")] = None,
    jurisdiction: Annotated[JurisdictionCode | None, Query(description="Only this jurisdiction's users.")] = None,
    q: Annotated[str | None, Query(max_length=64, description="Part of the username.")] = None,
) -> Page[UserRead]:
    """List staff users, by username."""
    return Page.of(
        await service.list_users(session, params=params, department=department, jurisdiction=jurisdiction, q=q), params
    )


@router.post("", **creates(401, 403, 409, 422, etag=True))
async def create_user(
    session: SessionDep, body: UserCreate, principal: AdminPrincipal, response: Response
) -> UserCreated:
    """Create a staff user with role, department and jurisdiction; they must change the password on first use."""
    created = await service.create_user(session, data=body, actor=principal.subject)
    set_etag(response, created.version)
    response.headers["Location"] = f"/api/v1/admin/users/{created.id}"
    return created


@router.get("/{user_id}", **versioned(401, 403, 404))
async def get_user(session: SessionDep, user_id: uuid.UUID, _: AdminPrincipal, response: Response) -> UserRead:
    """Get one staff user; the ETag header is what If-Match wants on updates."""
    user = await service.get_user(session, user_id=user_id)
    set_etag(response, user.version)
    return service.to_read(user)


@router.patch("/{user_id}", **versioned(401, 403, 404, 409, 412, 422, 428))
async def update_user(
    request: Request,
    session: SessionDep,
    user_id: uuid.UUID,
    body: UserUpdate,
    principal: AdminPrincipal,
    response: Response,
    if_match: IfMatch = None,
) -> UserRead:
    """Change a user's name, roles, department or jurisdiction (If-Match required).

    A change of roles, department or jurisdiction revokes the user's live tokens (their claims are stale); the
    last active administrator cannot lose the admin role (409 last_admin).
    """
    user = await service.update_user(session, user_id=user_id, data=body, if_match=if_match, actor=principal.subject)
    await commit_account_change(request, session, str(user.id))
    set_etag(response, user.version)
    return service.to_read(user)


@router.post("/{user_id}/disable", responses=problem_responses(401, 403, 404, 409))
async def disable_user(
    request: Request, session: SessionDep, user_id: uuid.UUID, principal: AdminPrincipal
) -> UserRead:
    """Disable a user: log-ins and refreshes stop, and live tokens are refused at once.

    At the gateway at once, at every service within seconds (they poll GET /api/v1/auth/revocations). Neither your
    own account nor the last active administrator can be disabled (409).
    """
    user = await service.set_disabled(session, user_id=user_id, disabled=True, actor=principal.subject)
    await commit_account_change(request, session, str(user.id))
    return service.to_read(user)


@router.post("/{user_id}/enable", responses=problem_responses(401, 403, 404))
async def enable_user(request: Request, session: SessionDep, user_id: uuid.UUID, principal: AdminPrincipal) -> UserRead:
    """Enable a disabled user and clear any lock-out."""
    user = await service.set_disabled(session, user_id=user_id, disabled=False, actor=principal.subject)
    await commit_account_change(request, session, str(user.id))
    return service.to_read(user)


@router.post("/{user_id}/reset-password", responses=problem_responses(401, 403, 404, 422))
async def reset_password(
    request: Request, session: SessionDep, user_id: uuid.UUID, body: PasswordReset, principal: AdminPrincipal
) -> PasswordResetResult:
    """Set a new password (or generate one, shown once); the user must change it and their tokens end."""
    result = await service.reset_password(session, user_id=user_id, data=body, actor=principal.subject)
    await commit_account_change(request, session, str(user_id))
    return result
