from typing import Annotated

from fastapi import APIRouter, Depends, Path

from registry.jurisdictions import service
from registry.jurisdictions.schemas import JurisdictionRead
from shared.auth import require_scopes
from shared.db import SessionDep

router = APIRouter(prefix="/api/v1/jurisdictions", tags=["jurisdictions"])
ReadAccess = Depends(require_scopes("registry:read"))


@router.get("", dependencies=[ReadAccess])
async def list_jurisdictions(session: SessionDep) -> list[JurisdictionRead]:
    """List the county and its 14 jurisdictions (reference data, not personal)."""
    return await service.list_jurisdictions(session)


@router.get("/{code}", dependencies=[ReadAccess])
async def get_jurisdiction(
    session: SessionDep, code: Annotated[str, Path(max_length=40, pattern=r"^[a-z_]+$", examples=["dapu"])]
) -> JurisdictionRead:
    """Get one jurisdiction by its code."""
    return await service.get_jurisdiction(session, code=code)
