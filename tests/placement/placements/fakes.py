"""A fake registry for placement's tests, reached through an httpx MockTransport handed to create_app: it answers
POST /api/v1/persons/lookup from a table of people, honours the caller's jurisdiction (the `jur` claim of the token
it is sent), records every call and can be taken down, made to time out or to fail."""

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
    ) -> str:
        person_id = str(uuid.uuid4())
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
        self.calls.append({"authorization": request.headers.get("authorization"), "url": str(request.url)})
        if self.mode == "down":
            raise httpx.ConnectError("connection refused", request=request)
        if self.mode == "slow":
            raise httpx.ReadTimeout("timed out", request=request)
        if self.mode == "error":
            return httpx.Response(500, json={"code": "internal_error"})
        if self.mode == "refuse":
            return httpx.Response(403, json={"code": "no_person_access"})
        jurisdiction = claims_of(request.headers.get("authorization")).get("jur")
        ids = json.loads(request.content)["ids"]
        items = [
            self.people[i]
            for i in ids
            if i in self.people and (jurisdiction is None or self.people[i]["jurisdiction_code"] == jurisdiction)
        ]
        missing = [i for i in ids if i not in {item["id"] for item in items}]
        return httpx.Response(200, json={"items": items, "missing": missing, "eligibility_definition": "fake registry"})
