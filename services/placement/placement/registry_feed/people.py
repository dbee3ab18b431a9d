"""The people placement records are about, as the registry's feed describes them (placement.registry_feed)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from placement.registry_feed.models import ProjectedPerson
from shared.auth import Principal
from shared.errors import AppError, NotFound


class PersonNotFound(NotFound):
    code = "person_not_found"


class PersonArchived(AppError):
    status, code, title = 409, "person_archived", "Record archived"


async def known_person(
    session: AsyncSession, principal: Principal, person_id: uuid.UUID, *, for_write: bool = False
) -> ProjectedPerson:
    """The person if the registry has them and the caller's jurisdiction covers them, else 404 (people outside it do
    not exist for the caller). New records may reach placement a few seconds after the registry stored them."""
    stmt = select(ProjectedPerson).where(ProjectedPerson.person_id == person_id)
    if principal.jurisdiction is not None:
        stmt = stmt.where(ProjectedPerson.jurisdiction_code == principal.jurisdiction)
    person = await session.scalar(stmt)
    if person is None:
        raise PersonNotFound(
            "No such person in the registry for you (a person registered just now may take a few seconds to appear)."
        )
    if for_write and person.status == "archived":
        raise PersonArchived("The person's registry record is archived; nothing new can be recorded for them.")
    return person
