import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from gateway.auth.repository import AuthEventRepository, RefreshTokenRepository
from gateway.auth.status import revoke_tokens
from gateway.passwords import generate_password, hash_password
from gateway.users.exceptions import CannotDisableSelf, InvalidUserPlacement, LastAdmin, UsernameTaken, UserNotFound
from gateway.users.models import User
from gateway.users.repository import UserRepository
from gateway.users.schemas import (
    PasswordReset,
    PasswordResetResult,
    UserCreate,
    UserCreated,
    UserRead,
    UserUpdate,
    check_placement,
)
from shared.concurrency import require_version
from shared.db import refused_as
from shared.pagination import PageParams
from shared.query import or_raise
from shared.reads import read_of


def to_read(user: User) -> UserRead:
    now = datetime.now(UTC)
    return read_of(
        UserRead,
        user,
        roles=list(user.roles),
        disabled=user.disabled_at is not None,
        locked=user.locked_until is not None and user.locked_until > now,
    )


async def create_user(
    session: AsyncSession, *, data: UserCreate, actor: str, force_password_change: bool = True
) -> UserCreated:
    repo = UserRepository(session)
    if await repo.by_username(data.username) is not None:
        raise UsernameTaken(f"The username {data.username!r} is taken.")
    generated = None if data.password else generate_password()
    user = User(
        username=data.username,
        display_name=data.display_name,
        password_hash=await hash_password(data.password or generated),
        roles=sorted(set(data.roles)),
        department=data.department,
        jurisdiction=data.jurisdiction,
        must_change_password=force_password_change,
        failed_logins=0,
    )
    async with refused_as(session, UsernameTaken(f"The username {data.username!r} is taken.")):
        await repo.add(user)
    await session.refresh(user)
    await AuthEventRepository(session).record("user_created", subject=str(user.id), username=user.username, actor=actor)
    return UserCreated(**to_read(user).model_dump(), generated_password=generated)


async def get_user(session: AsyncSession, *, user_id: uuid.UUID, for_update: bool = False) -> User:
    return or_raise(await UserRepository(session).get(user_id, for_update=for_update), UserNotFound, "No such user.")


async def list_users(
    session: AsyncSession, *, params: PageParams, department: str | None, jurisdiction: str | None, q: str | None
):
    rows, cursor = await UserRepository(session).page(params, department=department, jurisdiction=jurisdiction, q=q)
    return [to_read(u) for u in rows], cursor


CLAIMED_FIELDS = frozenset({"roles", "department", "jurisdiction"})
"""What a token says about its user: changing one revokes the user's live tokens."""


async def _lock_admins_then_user(session: AsyncSession, user_id: uuid.UUID) -> tuple[User, set[uuid.UUID]]:
    """The user, locked after every enabled administrator (always in that order, so no two changes deadlock)."""
    admins = await UserRepository(session).active_admins_for_update()
    user = await get_user(session, user_id=user_id, for_update=True)
    return user, {admin.id for admin in admins}


def _keep_an_admin(user: User, admins: set[uuid.UUID]) -> None:
    if admins == {user.id}:
        raise LastAdmin("This is the last active administrator: make another one first.")


async def update_user(
    session: AsyncSession, *, user_id: uuid.UUID, data: UserUpdate, if_match: str | None, actor: str
) -> User:
    changes = data.model_dump(exclude_unset=True)
    if changes.get("roles") is not None:
        user, admins = await _lock_admins_then_user(session, user_id)
    else:
        user, admins = await get_user(session, user_id=user_id, for_update=True), set()
    require_version(if_match, user.version)
    department = changes.get("department", user.department)
    jurisdiction = changes.get("jurisdiction", user.jurisdiction)
    try:
        check_placement(department, jurisdiction)
    except ValueError as exc:
        raise InvalidUserPlacement(str(exc)) from exc
    if "roles" in changes and changes["roles"] is not None:
        changes["roles"] = sorted(set(changes["roles"]))
        if "admin" not in changes["roles"] and user.id in admins:
            _keep_an_admin(user, admins)
    claims_before = (list(user.roles), user.department, user.jurisdiction)
    for field, value in changes.items():
        if value is not None or field == "jurisdiction":
            setattr(user, field, value)
    if (list(user.roles), user.department, user.jurisdiction) != claims_before:
        revoke_tokens(user, datetime.now(UTC))
    await session.flush()
    await session.refresh(user)
    await AuthEventRepository(session).record(
        "user_updated", subject=str(user.id), username=user.username, actor=actor, detail=",".join(sorted(changes))
    )
    return user


async def set_disabled(session: AsyncSession, *, user_id: uuid.UUID, disabled: bool, actor: str) -> User:
    if disabled and str(user_id) == actor:
        raise CannotDisableSelf("Ask another administrator to disable your account.")
    if disabled:
        user, admins = await _lock_admins_then_user(session, user_id)
    else:
        user = await get_user(session, user_id=user_id, for_update=True)
    now = datetime.now(UTC)
    if disabled and user.disabled_at is None:
        _keep_an_admin(user, admins)
        user.disabled_at = now
        revoke_tokens(user, now)
        await RefreshTokenRepository(session).revoke_user(user.id, now)
    elif not disabled:
        user.disabled_at = None
        user.locked_until = None
        user.failed_logins = 0
    await session.flush()
    await session.refresh(user)
    await AuthEventRepository(session).record(
        "user_disabled" if disabled else "user_enabled", subject=str(user.id), username=user.username, actor=actor
    )
    return user


async def reset_password(
    session: AsyncSession, *, user_id: uuid.UUID, data: PasswordReset, actor: str
) -> PasswordResetResult:
    user = await get_user(session, user_id=user_id, for_update=True)
    generated = None if data.new_password else generate_password()
    now = datetime.now(UTC)
    user.password_hash = await hash_password(data.new_password or generated)
    user.password_changed_at = now
    user.must_change_password = True
    user.locked_until = None
    user.failed_logins = 0
    revoke_tokens(user, now)
    await RefreshTokenRepository(session).revoke_user(user.id, now)
    await AuthEventRepository(session).record(
        "password_reset", subject=str(user.id), username=user.username, actor=actor
    )
    return PasswordResetResult(generated_password=generated)
