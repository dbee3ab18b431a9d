import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from registry.persons.routes import PersonRecords
from registry.support import service
from registry.support.schemas import SupportMemberCreate, SupportMemberLeave, SupportMemberRead, VisitCreate, VisitRead
from shared.pagination import Page, PageParamsDep
from shared.routes import new_values

router = APIRouter(prefix="/api/v1/persons/{person_id}", tags=["support"])
team = PersonRecords(router, "/support-team", "support.member", listed="list")
visits = PersonRecords(router, "/visits", "support.visit", listed="list")


@team.listing(service.list_members, to_read=service.member_to_read)
def list_support_team(
    params: PageParamsDep,
    current_only: Annotated[bool, Query(description="Only members on the team today.")] = False,
) -> Page[SupportMemberRead]:
    """The person's support team (帮扶小组), past members included, earliest first."""


@team.create(service.add_member)
def add_support_member(body: SupportMemberCreate) -> SupportMemberRead:
    """Add a community drug-control worker, police officer, guardian or other member to the support team."""


@team.change(
    "/{member_id}/leave",
    "leave",
    service.member_leaves,
    changes=lambda member, body: new_values(member_id=member.id, to_on=body.to_on),
    to_read=service.member_to_read,
)
def support_member_leaves(member_id: uuid.UUID, body: SupportMemberLeave) -> SupportMemberRead:
    """A member leaves the team on the given day; the membership stays in the team's history."""


@visits.listing(service.list_visits, to_read=service.visit_to_read)
def list_visits(params: PageParamsDep) -> Page[VisitRead]:
    """Visits and talks (走访 / 谈话) with the person, newest first, a page at a time."""


@visits.create(service.record_visit)
def record_visit(body: VisitCreate) -> VisitRead:
    """Record a visit or talk by a support team member; send Idempotency-Key so a retry records it once."""
