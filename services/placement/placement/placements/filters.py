"""The placement list's filters as one dependency, shared by the list and its export."""

import uuid
from typing import Annotated

from fastapi import Depends, Query

from placement.employers.schemas import JurisdictionCode
from placement.placements.repository import PlacementFilter
from placement.placements.schemas import Route


def placement_filter(
    person_id: Annotated[uuid.UUID | None, Query(description="Only this person's placements.")] = None,
    employer_id: Annotated[uuid.UUID | None, Query(description="Only placements at this employer.")] = None,
    post_id: Annotated[uuid.UUID | None, Query(description="Only placements on this job post.")] = None,
    route: Annotated[Route | None, Query(description="Only this placement route.")] = None,
    jurisdiction_code: Annotated[JurisdictionCode | None, Query(description="Only this jurisdiction's people.")] = None,
    active: Annotated[bool | None, Query(description="Only running placements, or only ended ones.")] = None,
) -> PlacementFilter:
    return PlacementFilter(
        person_id=person_id,
        employer_id=employer_id,
        post_id=post_id,
        route=route,
        jurisdiction_code=jurisdiction_code,
        active=active,
    )


PlacementFilterDep = Annotated[PlacementFilter, Depends(placement_filter)]
