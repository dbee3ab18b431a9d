"""A fake registry for placement's tests, reached through an httpx MockTransport handed to create_app: it answers
POST /api/v1/persons/lookup from a table of people, honours the caller's jurisdiction (the `jur` claim of the token
it is sent), records every call and can be taken down, made to time out or to fail. A person added with `measures`
(and optionally `off_register_on`, `stays`) is answered as of the lookup's `as_of` (default today), as the registry
does: the measure in force that day, community measure or not, on the register or not, in custody or not."""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx

LOOKUP = "/api/v1/persons/lookup"


def claims_of(authorization: str | None) -> dict[str, Any]:
    """The token's payload, unverified: the fake only needs to know whose token came (the app verified it)."""
    token = (authorization or "").removeprefix("Bearer ")
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


@dataclass
class FakeRegistry:
    people: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[dict[str, Any]] = field(default_factory=list)
    mode: str = "up"
    """up, down (connection refused), slow (read timeout), error (500), refuse (403)."""
    dated: dict[str, dict[str, Any]] = field(default_factory=dict)

    def _on(self, item: dict[str, Any], on: date) -> dict[str, Any]:
        dated = self.dated.get(item["id"])
        if dated is None:
            return item | {"as_of": str(on)}
        off = dated["off_register_on"]
        before = dated.get("jurisdiction_before")  # (code, until): transferred on `until` to today's jurisdiction
        on_record = off is None or on < off
        in_force = [m for m in dated["measures"] if m[1] <= on and (m[2] is None or on < m[2])]
        kind = in_force[-1][0] if in_force and on_record else None
        community = kind in ("community_detox", "community_rehabilitation")
        return item | {
            "as_of": str(on),
            "jurisdiction_code": before[0] if before and on < before[1] else item["jurisdiction_code"],
            "status": "active" if on_record else "archived",
            "on_record": on_record,
            "current_measure": kind,
            "measure_in_force": kind,
            "community_measure_in_force": community,
            "in_custody_or_facility": any(s <= on and (e is None or on < e) for s, e in dated["stays"]),
            "measures": [
                {"kind": k, "start_on": str(s), "end_on": e and str(e), "end_reason": r, "planned_end_on": None}
                for k, s, e, r in dated["measures"]
            ],
            "eligible_for_placement": on_record and community and item["work_ability"] != "unable",
        }

    def add(
        self,
        *,
        jurisdiction_code: str = "dapu",
        work_ability: str = "able",
        current_measure: str | None = "community_rehabilitation",
        status: str = "active",
        skills: list[str] | None = None,
        released_from_isolation_on: date | None = None,
        age: int = 35,
        measures: list[tuple[str, date, date | None, str | None]] | None = None,
        off_register_on: date | None = None,
        stays: list[tuple[date, date | None]] | None = None,
    ) -> str:
        """`measures`: (kind, start_on, end_on, end_reason) episodes, making the answer depend on the day asked."""
        person_id = str(uuid.uuid4())
        if measures is not None:
            self.dated[person_id] = {"measures": measures, "off_register_on": off_register_on, "stays": stays or []}
        self.people[person_id] = {
            "id": person_id,
            "jurisdiction_code": jurisdiction_code,
            "status": status,
            "age": age,
            "work_ability": work_ability,
            "current_measure": current_measure,
            "eligible_for_placement": status == "active"
            and work_ability != "unable"
            and current_measure in ("community_detox", "community_rehabilitation"),
            "skills": skills or [],
            "released_from_isolation_on": str(released_from_isolation_on) if released_from_isolation_on else None,
        }
        return person_id

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.path != LOOKUP or request.method != "POST":
            return httpx.Response(404, json={"code": "not_found"})
        body = json.loads(request.content)
        self.calls.append(
            {
                "authorization": request.headers.get("authorization"),
                "url": str(request.url),
                "ids": body["ids"],
                "as_of": body.get("as_of"),
            }
        )
        if self.mode == "down":
            raise httpx.ConnectError("connection refused", request=request)
        if self.mode == "slow":
            raise httpx.ReadTimeout("timed out", request=request)
        if self.mode == "error":
            return httpx.Response(500, json={"code": "internal_error"})
        if self.mode == "refuse":
            return httpx.Response(403, json={"code": "no_person_access"})
        jurisdiction = claims_of(request.headers.get("authorization")).get("jur")
        ids = body["ids"]
        on = date.fromisoformat(body["as_of"]) if body.get("as_of") else date.today()
        items = [
            self._on(self.people[i], on)
            for i in ids
            if i in self.people and (jurisdiction is None or self.people[i]["jurisdiction_code"] == jurisdiction)
        ]
        missing = [i for i in ids if i not in {item["id"] for item in items}]
        return httpx.Response(200, json={"items": items, "missing": missing, "eligibility_definition": "fake registry"})
