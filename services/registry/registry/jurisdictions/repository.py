from sqlalchemy import select
from sqlalchemy.orm import aliased

from registry.jurisdictions.models import Jurisdiction
from shared.query import Repository


class JurisdictionRepository(Repository):
    async def list_with_parent_codes(self, *, code: str | None = None) -> list[tuple[Jurisdiction, str | None]]:
        parent = aliased(Jurisdiction)
        stmt = (
            select(Jurisdiction, parent.code)
            .outerjoin(parent, Jurisdiction.parent_id == parent.id)
            .order_by(Jurisdiction.parent_id.is_not(None), Jurisdiction.code)
        )
        if code is not None:
            stmt = stmt.where(Jurisdiction.code == code)
        return [(row[0], row[1]) for row in (await self.session.execute(stmt)).all()]
