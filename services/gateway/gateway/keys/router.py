from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from gateway.auth.repository import AuthEventRepository
from gateway.dependencies import AdminPrincipal
from gateway.keys import service
from gateway.keys.repository import SigningKeyRepository
from shared.db import SessionDep
from shared.errors import problem_responses

router = APIRouter(prefix="/api/v1/admin/keys", tags=["admin"])


class KeyRead(BaseModel):
    kid: str = Field(examples=["k20261129-1a2b3c4d"])
    created_at: datetime
    retired_at: datetime | None
    signing: bool = Field(description="This key signs new tokens.")
    verifies_until: datetime | None = Field(description="For a retired key: when it leaves the JWKS.")


@router.get("", responses=problem_responses(401, 403))
async def list_keys(request: Request, session: SessionDep, _: AdminPrincipal) -> list[KeyRead]:
    """Signing keys still published in the JWKS (the signing one and retired ones within the overlap)."""
    overlap = timedelta(seconds=request.app.state.settings.key_overlap_seconds)
    keys = await SigningKeyRepository(session).published(datetime.now(UTC) - overlap)
    return [
        KeyRead(
            kid=k.kid,
            created_at=k.created_at,
            retired_at=k.retired_at,
            signing=k.retired_at is None,
            verifies_until=k.retired_at + overlap if k.retired_at else None,
        )
        for k in keys
    ]


@router.post("/rotate", status_code=201, responses=problem_responses(401, 403))
async def rotate_key(request: Request, session: SessionDep, principal: AdminPrincipal) -> KeyRead:
    """Start signing with a new key; the old one keeps verifying for the configured overlap."""
    kid = await service.rotate(session, request.app.state.keys.wrapper)
    await AuthEventRepository(session).record("key_rotated", actor=principal.subject, detail=kid)
    await session.commit()
    await request.app.state.keys.reload()
    return KeyRead(kid=kid, created_at=datetime.now(UTC), retired_at=None, signing=True, verifies_until=None)
