from sqlalchemy.ext.asyncio import AsyncSession

from registry.jurisdictions.exceptions import JurisdictionNotFound
from registry.jurisdictions.repository import JurisdictionRepository
from registry.jurisdictions.schemas import KIND_LABELS_ZH, JurisdictionRead
from shared.reads import read_of


def _read(row, parent_code: str | None) -> JurisdictionRead:
    return read_of(JurisdictionRead, row, kind_label_zh=KIND_LABELS_ZH[row.kind], parent_code=parent_code)


async def list_jurisdictions(session: AsyncSession) -> list[JurisdictionRead]:
    return [_read(j, p) for j, p in await JurisdictionRepository(session).list_with_parent_codes()]


async def get_jurisdiction(session: AsyncSession, *, code: str) -> JurisdictionRead:
    rows = await JurisdictionRepository(session).list_with_parent_codes(code=code)
    if not rows:
        raise JurisdictionNotFound(f"No jurisdiction has the code {code!r}.")
    return _read(*rows[0])
