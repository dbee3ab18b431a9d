import uuid

from fastapi import APIRouter

from registry.history import service
from registry.history.schemas import (
    RegisterChangeCreate,
    RegisterChangeRead,
    StayCreate,
    StayEnd,
    StayRead,
    Withdrawal,
    WorkAbilityChangeCreate,
    WorkAbilityChangeRead,
)
from registry.persons.routes import PersonRecords
from shared.pagination import Page, PageParamsDep
from shared.routes import new_values

router = APIRouter(prefix="/api/v1/persons/{person_id}")
register = PersonRecords(
    router, "/register-changes", "register_change", located=True, dated=True, tags=["register-changes"]
)
ability = PersonRecords(
    router, "/work-ability-changes", "work_ability_change", located=True, dated=True, tags=["work-ability-changes"]
)
stays = PersonRecords(router, "/stays", "stay", located=True, dated=True, tags=["stays"])


def _withdrawn(field: str):
    """The entry's changes of a withdrawal: the record named, now withdrawn."""
    return lambda item, _: {field: {"old": str(item.id), "new": "withdrawn"}}


@register.listing(service.list_register_changes)
def list_register_changes(params: PageParamsDep) -> Page[RegisterChangeRead]:
    """A person's off-register changes and returns, by effective day (withdrawn ones included, marked)."""


@register.create(
    service.record_register_change,
    changes=lambda item, body: new_values(register_change=str(item.id), kind=body.kind, effective_on=body.effective_on),
)
def record_register_change(body: RegisterChangeCreate) -> RegisterChangeRead:
    """Record that a person left the register (died, moved out of the county, entered in error, other) or returned.

    Changes follow each other in time: a departure needs the person on the register and is dated after the last
    return (else 409 overlapping_off_register), never before registration or in the future (422); stays and
    transfers must not fall after it (409 outside_register). A return follows a departure other than a death
    (409 death_is_final). Leaving archives the record; returning makes it active again."""


@register.change(
    "/{change_id}/withdrawal", "withdraw", service.withdraw_register_change, changes=_withdrawn("register_change")
)
def withdraw_register_change(change_id: uuid.UUID, body: Withdrawal) -> RegisterChangeRead:
    """Withdraw the latest standing change, recorded in error (it stays in the history, marked withdrawn)."""


@ability.listing(service.list_ability_changes)
def list_work_ability_changes(params: PageParamsDep) -> Page[WorkAbilityChangeRead]:
    """A person's work ability as dated changes, by effective day."""


@ability.create(
    service.record_ability_change,
    changes=lambda _, body: new_values(work_ability=body.work_ability, effective_on=body.effective_on),
)
def record_work_ability_change(body: WorkAbilityChangeCreate) -> WorkAbilityChangeRead:
    """Record work ability from a day on (back-dated allowed; not before birth, not in the future).

    The record's `work_ability` follows the latest change in force today; a later entry for the same day
    supersedes an earlier one (that is how a wrong entry is corrected)."""


@stays.listing(service.list_stays)
def list_stays(params: PageParamsDep) -> Page[StayRead]:
    """A person's custody and facility stays, by start day (withdrawn ones included, marked)."""


@stays.create(service.record_stay, changes=lambda item, body: new_values(stay=str(item.id), kind=body.kind))
def record_stay(body: StayCreate) -> StayRead:
    """Record a custody or facility stay (拘留, 刑事羁押, 住院 ...); it may overlap a community measure.

    The stay must lie within the person's time on the register (409 outside_register) and not overlap another
    standing stay of the same kind (409 overlapping_stay). It does not end a community measure: the person is
    still under it, only not eligible for placement while in custody or the facility."""


@stays.change(
    "/{stay_id}/end", "end", service.end_stay, changes=lambda stay, _: new_values(end_on=stay.end_on), dated=True
)
def end_stay(stay_id: uuid.UUID, body: StayEnd) -> StayRead:
    """End an open stay on the day of release (once)."""


@stays.change("/{stay_id}/withdrawal", "withdraw", service.withdraw_stay, changes=_withdrawn("stay"))
def withdraw_stay(stay_id: uuid.UUID, body: Withdrawal) -> StayRead:
    """Withdraw a stay recorded in error (it stays in the history, marked withdrawn)."""
