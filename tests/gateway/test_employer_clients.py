"""An employer's own system: the admin registers it with the employer's id, the gateway puts that id in its tokens
as the claim `emp`, and the placement service (trusting the gateway's keys here) shows it that employer alone."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import pytest

from placement.main import create_app as create_placement
from tests.calls import bearer
from tests.gateway.conftest import client_token

CLIENTS = "/api/v1/admin/clients"
EMPLOYERS = "/api/v1/employers"
SITES = "/api/v1/placement-sites"
PROBLEM = "application/problem+json"


def claims_of(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


async def register(gateway, admin_headers, **fields: Any):
    body = {"name": "鹏鑫源用工系统", "scopes": ["placement:read", "placement:write"], **fields}
    return await gateway.post(CLIENTS, json=body, headers=admin_headers)


@pytest.fixture
def jwks_fetcher(gateway):
    """Placement verifies tokens with the keys this test's gateway publishes."""

    async def fetch() -> dict[str, Any]:
        return (await gateway.get("/.well-known/jwks.json")).json()

    return fetch


async def test_an_employer_client_gets_the_employer_id_in_its_tokens(gateway, admin_headers):
    employer_id = str(uuid.uuid4())
    created = await register(gateway, admin_headers, employer_id=employer_id)
    assert created.status_code == 201, created.text
    client = created.json()
    assert (client["employer_id"], client["department"], client["jurisdiction"]) == (employer_id, None, None)
    listed = (await gateway.get(f"{CLIENTS}/{client['id']}", headers=admin_headers)).json()
    assert listed["employer_id"] == employer_id

    token = await client_token(gateway, client)
    claims = claims_of(token)
    assert (claims["emp"], claims["typ"], claims["roles"]) == (employer_id, "client", ["integration"])
    assert claims["scope"] == "placement:read placement:write"
    assert (await gateway.get("/api/v1/auth/me", headers=bearer(token))).status_code == 200


async def test_other_clients_and_users_get_no_employer_claim(gateway, admin_headers, admin_token):
    created = await register(gateway, admin_headers, name="人社局就业系统", department="human_resources")
    assert created.status_code == 201, created.text
    assert created.json()["employer_id"] is None
    assert "emp" not in claims_of(await client_token(gateway, created.json()))
    assert "emp" not in claims_of(admin_token)


@pytest.mark.parametrize(
    "fields",
    [
        {"employer_id": "not-a-uuid"},
        {"employer_id": str(uuid.uuid4()), "department": "industry_commerce"},
        {"employer_id": str(uuid.uuid4()), "department": "township", "jurisdiction": "dapu"},
        # Only placement and subsidy know what `emp` limits: the registry would read such a token as unlimited.
        {"employer_id": str(uuid.uuid4()), "scopes": ["placement:read", "registry:read"]},
        {"employer_id": str(uuid.uuid4()), "scopes": ["subsidy:read", "reporting:read"]},
    ],
)
async def test_refuses_an_employer_client_that_could_see_beyond_its_employer(gateway, admin_headers, fields):
    before = await gateway.get(CLIENTS, params={"limit": 200}, headers=admin_headers)
    response = await register(gateway, admin_headers, **fields)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    after = await gateway.get(CLIENTS, params={"limit": 200}, headers=admin_headers)
    assert len(after.json()["items"]) == len(before.json()["items"])


async def test_placement_shows_a_gateway_issued_employer_client_its_employer_alone(
    gateway, admin_headers, admin_token, service_client
):
    async with service_client("placement", create_placement) as (placement, _session):
        county = bearer(admin_token)  # the first administrator works in the narcotics control office

        async def employer(name: str, jurisdiction: str) -> str:
            body = {"name": name, "kind": "enterprise", "jurisdiction_code": jurisdiction}
            response = await placement.post(EMPLOYERS, json=body, headers=county)
            assert response.status_code == 201, response.text
            return response.json()["id"]

        own, other = await employer("鹏鑫源", "dapu"), await employer("沙埔木业", "shapu")
        for employer_id in (own, other):
            site = {"employer_id": employer_id, "kind": "point", "mode": "centralised", "name": "安置点"}
            response = await placement.post(SITES, json=site | {"designated_on": "2012-05-15"}, headers=county)
            assert response.status_code == 201, response.text

        client = (await register(gateway, admin_headers, employer_id=own)).json()
        headers = bearer(await client_token(gateway, client))

        assert [e["id"] for e in (await placement.get(EMPLOYERS, headers=headers)).json()["items"]] == [own]
        assert (await placement.get(f"{EMPLOYERS}/{own}", headers=headers)).status_code == 200
        hidden = await placement.get(f"{EMPLOYERS}/{other}", headers=headers)
        assert (hidden.status_code, hidden.json()["code"]) == (404, "employer_not_found")
        assert {s["employer_id"] for s in (await placement.get(SITES, headers=headers)).json()["items"]} == {own}
        counted = await placement.get(f"{SITES}/count", params={"on": "2014-12-31"}, headers=headers)
        assert counted.json()["count"] == 1
        body = {"name": "冒名企业", "kind": "enterprise", "jurisdiction_code": "dapu"}
        refused = await placement.post(EMPLOYERS, json=body, headers=headers)
        assert (refused.status_code, refused.json()["code"]) == (403, "no_placement_access")
