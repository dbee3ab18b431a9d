"""The query parameters that filter a list of people, shared by the list and its exports."""

from datetime import date
from typing import Annotated, Literal

from fastapi import Depends, Query

from registry.persons.repository import PersonFilter
from registry.persons.schemas import Status, WorkAbility
from shared.reference import JurisdictionCode

MeasureFilter = Literal[
    "community_detox", "community_rehabilitation", "compulsory_isolation", "facility_rehabilitation", "custody", "none"
]


def _years_before(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def person_filters(
    jurisdiction_code: Annotated[JurisdictionCode | None, Query(examples=["dapu"])] = None,
    status: Annotated[Status | None, Query(description="Default: active records only.")] = "active",
    work_ability: WorkAbility | None = None,
    q: Annotated[str | None, Query(min_length=1, max_length=50, description="Part of the name.")] = None,
    age_min: Annotated[int | None, Query(ge=0, le=120)] = None,
    age_max: Annotated[int | None, Query(ge=0, le=120)] = None,
    measure: Annotated[
        MeasureFilter | None,
        Query(
            description="Kind of the control measure in force today (管控措施, corrections applied), as the "
            "person's status reports it; `none`: under no control measure today.",
            examples=["community_detox"],
        ),
    ] = None,
    support_worker: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=50,
            description="Part of the name of someone on the person's support team (帮扶小组) today: a "
            "community drug-control worker, police officer, guardian or volunteer.",
            examples=["覃"],
        ),
    ] = None,
) -> PersonFilter:
    today = date.today()
    return PersonFilter(
        jurisdiction_code=jurisdiction_code,
        status=status,
        work_ability=work_ability,
        name_contains=q,
        born_on_or_before=_years_before(today, age_min) if age_min is not None else None,
        born_after=_years_before(today, age_max + 1) if age_max is not None else None,
        measure=measure,
        support_worker=support_worker,
        as_of=today,
    )


PersonFilterDep = Annotated[PersonFilter, Depends(person_filters)]
