"""A fake gateway-and-placement for the subsidy tests, reached through an httpx MockTransport handed to create_app:
it gives the service its client token (POST /api/v1/auth/token), answers the batch subsidy evidence, the
self-employment records and the loans of a year from tables the test fills, records every call, and can be taken
down, made to time out or to fail (also only after a number of pages)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx

from placement.placements.contracts import term_months

TOKEN = "/api/v1/auth/token"
EVIDENCE = "/api/v1/subsidy-evidence"
SELF_EMPLOYMENTS = "/api/v1/self-employments"
LOANS = "/api/v1/self-employments/loans"


def contract(
    start_on: str,
    end_on: str | None,
    *,
    year: int,
    person_id: str | None = None,
    route: str = "centralised",
    jurisdiction: str = "dapu",
    ended_on: str | None = None,
    reasons: list[str] | None = None,
) -> dict[str, Any]:
    """A contract as placement's batch evidence states it, with the days it was in force in `year` and placement's
    reasons computed the way placement does (tests of placement hold placement to them)."""
    start, end = date.fromisoformat(start_on), date.fromisoformat(end_on) if end_on else None
    stop = date.fromisoformat(ended_on) if ended_on else None
    lasts = [d for d in (end, stop) if d is not None]
    last_day = min(lasts) if lasts else None
    first, last = date(year, 1, 1), date(year, 12, 31)
    from_day, to_day = max(start, first), min(last_day, last) if last_day else last
    in_force = from_day <= to_day
    months = term_months(start, end) if end else None
    computed = []
    if end is not None and months < 12:
        computed.append("term_under_12_months")
    if not in_force:
        computed.append("not_in_force_in_year")
    return {
        "placement_id": str(uuid.uuid4()),
        "person_id": person_id or str(uuid.uuid4()),
        "person_jurisdiction_code": jurisdiction,
        "route": route,
        "contract_number": "PXY-1",
        "signed_on": start_on,
        "start_on": start_on,
        "end_on": end_on,
        "open_ended": end is None,
        "term_months": months,
        "ended_on": ended_on,
        "end_reason": "resigned" if ended_on else None,
        "in_force_from": from_day.isoformat() if in_force else None,
        "in_force_to": to_day.isoformat() if in_force else None,
        "days_in_force_in_year": (to_day - from_day).days + 1 if in_force else 0,
        "programme_at_start": "community_rehabilitation",
        "qualifies": not (computed if reasons is None else reasons),
        "reasons": computed if reasons is None else reasons,
    }


def employer(
    contracts: list[dict[str, Any]],
    *,
    employer_id: str | None = None,
    kind: str = "enterprise",
    jurisdiction: str = "dapu",
    qihang_days: int = 365,
    periods: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    return {
        "employer_id": employer_id or str(uuid.uuid4()),
        "kind": kind,
        "jurisdiction_code": jurisdiction,
        "qihang": {
            "held_in_year": qihang_days > 0,
            "days_in_year": qihang_days,
            "periods": periods
            if periods is not None
            else ([{"from_on": "2013-01-01", "to_on": "2013-12-31"}] if qihang_days else []),
        },
        "headcount": len({c["person_id"] for c in contracts if c["qualifies"]}),
        "tier": "under_50",
        "contracts": contracts,
    }


@dataclass
class FakePlacement:
    token_factory: Callable[[], str]
    employers: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    """year -> the employers' evidence (EmployerEvidence dicts)."""
    self_employments: list[dict[str, Any]] = field(default_factory=list)
    loans: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    calls: list[httpx.Request] = field(default_factory=list)
    mode: str = "up"
    """up, down (connection refused), slow (read timeout), error (500), refuse (403)."""
    fail_after_pages: int | None = None
    """With a mode other than up: answer this many evidence pages first, then fail."""

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request)
        if request.url.path == TOKEN:
            return httpx.Response(200, json={"access_token": self.token_factory(), "expires_in": 300})
        if self.mode != "up":
            answered = sum(1 for c in self.calls if c.url.path == EVIDENCE) - 1
            if self.fail_after_pages is None or answered >= self.fail_after_pages:
                self._fail(request)
                if self.mode == "error":
                    return httpx.Response(500, json={"code": "internal_error"})
                if self.mode == "refuse":
                    return httpx.Response(403, json={"code": "no_evidence_access"})
        params = request.url.params
        if request.url.path == EVIDENCE:
            return self._evidence(
                int(params["year"]), params.get_list("employer_id"), params.get("cursor"), int(params.get("limit", 50))
            )
        if request.url.path == LOANS:
            return httpx.Response(
                200, json={"items": self.loans.get(int(params["year"]), []), "next_cursor": None, "limit": 200}
            )
        if request.url.path == SELF_EMPLOYMENTS:
            return httpx.Response(200, json={"items": self.self_employments, "next_cursor": None, "limit": 200})
        return httpx.Response(404, json={"code": "not_found"})

    def _fail(self, request: httpx.Request) -> None:
        if self.mode == "down":
            raise httpx.ConnectError("connection refused", request=request)
        if self.mode == "slow":
            raise httpx.ReadTimeout("timed out", request=request)

    def _evidence(self, year: int, asked: list[str], cursor: str | None, limit: int) -> httpx.Response:
        items = sorted(self.employers.get(year, []), key=lambda e: e["employer_id"])
        missing: list[str] = []
        if asked:
            known = {e["employer_id"] for e in items}
            missing = [i for i in sorted(set(asked)) if i not in known]
            items = [e for e in items if e["employer_id"] in set(asked)]
        start = int(cursor) if cursor else 0
        page = items[start : start + limit]
        more = start + limit < len(items)
        body = {
            "year": year,
            "definition_version": "v2",
            "definition": "fake placement: qualifying contract (v2)",
            "registry_facts_as_of": "2026-12-06T08:00:00Z",
            "total_employers": len(items) if cursor is None else None,
            "items": page,
            "missing": missing,
            "next_cursor": str(start + limit) if more else None,
            "limit": limit,
        }
        return httpx.Response(200, content=json.dumps(body))
