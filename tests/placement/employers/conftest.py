"""Helpers for employer, designation and site tests: request bodies, callers by department, the test's database
session (to read the outbox) and shortcuts that register an employer or record a designation step."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from placement.events import outbox
from tests.calls import bearer

EMPLOYERS = "/api/v1/employers"
SITES = "/api/v1/placement-sites"
PROBLEM = "application/problem+json"
# Real-looking codes with a correct check character (computed with GB 32100-2015's weights).
PENGXINYUAN_CODE = "91450222MA5KX0PQ3H"
INDIVIDUAL_BUSINESS_CODE = "92450222MA5L1B2C34"
PUBLIC_INSTITUTION_CODE = "124502224985971249"


def employer_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "name": "柳城县鹏鑫源茧丝绸公司",
        "kind": "enterprise",
        "unified_social_credit_code": PENGXINYUAN_CODE,
        "jurisdiction_code": "dapu",
        "address": "柳城县大埔镇",
        "sector_code": "C",
        "contacts": [{"name": "韦经理", "role": "人事主管", "phone": "0772-7612345"}],
    }
    body.update(overrides)
    return body


@pytest.fixture
def county(make_token):
    """A member of the county narcotics control office (县禁毒办): writes everything, county-wide."""
    return make_token(roles=["staff"], department="nco")


@pytest.fixture
def new_employer(placement, county):
    """new_employer(**overrides) -> the registered employer's JSON (by the county NCO, no credit code unless given)."""

    async def make(**overrides: Any) -> dict[str, Any]:
        overrides.setdefault("unified_social_credit_code", None)
        response = await placement.post(EMPLOYERS, json=employer_body(**overrides), headers=bearer(county))
        assert response.status_code == 201, response.text
        return response.json()

    return make


@pytest.fixture
def step(placement, county):
    """step(employer_id, action, effective_on, headers=None, **fields) -> the response to recording that step."""

    async def record(employer_id: str, action: str, effective_on: str, headers=None, **fields: Any):
        if action == "designate":
            fields.setdefault("document_number", "柳城政办〔2012〕84号")
        if action in ("suspend", "revoke"):
            fields.setdefault("reason", "停产整顿")
        body = {"action": action, "effective_on": effective_on, **fields}
        return await placement.post(
            f"{EMPLOYERS}/{employer_id}/designations", json=body, headers=headers or bearer(county)
        )

    return record


@pytest.fixture
def events(db):
    """events(aggregate_id) -> [(kind, data)] written to the outbox in this test's transaction, in order."""

    async def read(aggregate_id: str) -> list[tuple[str, dict[str, Any]]]:
        t = outbox.table
        rows = await db.execute(select(t.c.kind, t.c.data).where(t.c.aggregate_id == aggregate_id).order_by(t.c.id))
        return [(kind, data) for kind, data in rows.all()]

    return read


def site_body(employer_id: str, **overrides: Any) -> dict[str, Any]:
    return {
        "employer_id": employer_id,
        "kind": "point",
        "mode": "centralised",
        "name": "鹏鑫源茧丝绸启航工程安置点",
        "address": "柳城县大埔镇龙江路88号",
        "designated_on": "2012-05-15",
        "capacity": 30,
        **overrides,
    }


@pytest.fixture
def new_site(placement, county):
    """new_site(employer_id, headers=None, **overrides) -> the designated site's JSON."""

    async def make(employer_id: str, headers=None, **overrides: Any) -> dict[str, Any]:
        response = await placement.post(
            SITES, json=site_body(employer_id, **overrides), headers=headers or bearer(county)
        )
        assert response.status_code == 201, response.text
        return response.json()

    return make


@pytest.fixture
def close(placement, county):
    """close(site, closed_on, headers=None) -> the response to closing it (with its current ETag)."""

    async def do(site: dict[str, Any], closed_on: str, headers=None, reason: str = "企业搬迁"):
        return await placement.post(
            f"{SITES}/{site['id']}/close",
            json={"closed_on": closed_on, "reason": reason},
            headers={**(headers or bearer(county)), "If-Match": f'"{site["version"]}"'},
        )

    return do
