"""What placement asks of the registry: a batch lookup of people (POST /api/v1/persons/lookup, through the gateway)
made with the CALLER's token, so the registry applies the caller's own rights and jurisdiction. Failures become
clear problems: registry unreachable or answering 5xx -> 503, too slow -> 504, the caller refused -> 403."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated

from fastapi import Depends, Request
from pydantic import BaseModel, ValidationError

from shared.auth import Principal
from shared.errors import Forbidden, ServiceUnavailable, UpstreamError, UpstreamTimeout
from shared.http import ServiceClient

LOOKUP_PATH = "/api/v1/persons/lookup"
MAX_BATCH = 200


class RegistryUnavailable(ServiceUnavailable):
    code, title = "registry_unavailable", "Registry unavailable"


class RegistryTimeout(UpstreamTimeout):
    code, title = "registry_timeout", "Registry timed out"


class RegistryBadAnswer(UpstreamError):
    code, title = "registry_bad_answer", "Registry answered unexpectedly"


class RegistryRefused(Forbidden):
    code, title = "registry_refused", "Registry refused the lookup"


class MeasureSpan(BaseModel):
    """One control-measure episode (corrections applied): kind and dates only."""

    kind: str
    start_on: date
    end_on: date | None = None
    end_reason: str | None = None
    planned_end_on: date | None = None


class PersonFacts(BaseModel):
    """The registry lookup's item, as of `as_of` (the day asked for; today when not asked): no name, no ID number,
    no contact details. The dated keys came with the registry's as-of lookup; a registry (or a test double) that
    does not send them is read as before: on the record when active, in the programme when the measure in force is a
    community one, in no custody."""

    id: uuid.UUID
    as_of: date | None = None
    jurisdiction_code: str
    status: str
    on_record: bool | None = None
    age: int
    work_ability: str
    current_measure: str | None
    community_measure_in_force: bool | None = None
    in_custody_or_facility: bool = False
    measures: list[MeasureSpan] = []
    eligible_for_placement: bool
    skills: list[str] = []
    released_from_isolation_on: date | None = None

    @property
    def is_on_record(self) -> bool:
        return self.status == "active" if self.on_record is None else self.on_record

    @property
    def in_community_measure(self) -> bool:
        if self.community_measure_in_force is None:
            return self.current_measure in ("community_detox", "community_rehabilitation")
        return self.community_measure_in_force


class _LookupAnswer(BaseModel):
    items: list[PersonFacts]
    missing: list[uuid.UUID]


@dataclass(frozen=True)
class Lookup:
    found: dict[uuid.UUID, PersonFacts] = field(default_factory=dict)
    missing: list[uuid.UUID] = field(default_factory=list)


class RegistryClient:
    def __init__(self, service: ServiceClient) -> None:
        self.service = service

    async def lookup(self, principal: Principal, ids: list[uuid.UUID], as_of: date | None = None) -> Lookup:
        """The people's facts today, or on `as_of` (never after today: the registry refuses a future day)."""
        wanted = list(dict.fromkeys(ids))
        found: dict[uuid.UUID, PersonFacts] = {}
        missing: list[uuid.UUID] = []
        for start in range(0, len(wanted), MAX_BATCH):
            batch = wanted[start : start + MAX_BATCH]
            answer = await self._lookup_batch(principal, batch, as_of)
            found.update({item.id: item for item in answer.items})
            missing += answer.missing
        return Lookup(found=found, missing=missing)

    async def _lookup_batch(self, principal: Principal, ids: list[uuid.UUID], as_of: date | None) -> _LookupAnswer:
        body: dict[str, object] = {"ids": [str(i) for i in ids]}
        if as_of is not None:
            body["as_of"] = as_of.isoformat()
        try:
            response = await self.service.request("POST", LOOKUP_PATH, principal=principal, json=body)
        except UpstreamTimeout as exc:
            raise RegistryTimeout("The registry did not answer in time; nothing was changed. Try again.") from exc
        except (ServiceUnavailable, UpstreamError) as exc:
            raise RegistryUnavailable("The registry is unavailable; nothing was changed. Try again.") from exc
        if response.status_code >= 500:
            raise RegistryUnavailable(
                f"The registry answered {response.status_code}; nothing was changed. Try again.",
                headers={"Retry-After": "5"},
            )
        if response.status_code in (401, 403):
            raise RegistryRefused("The registry does not let you look these people up.")
        if response.status_code != 200:
            raise RegistryBadAnswer(f"The registry answered {response.status_code} to the lookup.")
        try:
            return _LookupAnswer.model_validate_json(response.content)
        except ValidationError as exc:
            raise RegistryBadAnswer("The registry's answer was not understood.") from exc


def get_registry(request: Request) -> RegistryClient:
    return request.app.state.registry_client


RegistryDep = Annotated[RegistryClient, Depends(get_registry)]
