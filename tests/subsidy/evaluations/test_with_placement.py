"""The subsidy service evaluating against the real placement app (in process, its own database, the batch endpoint
and the rule of issue 13): a designation lapsing mid-year, the leap-day contract and the edges of the year counted as
placement judges them, and a decision's evidence unchanged by a later change in placement until a re-evaluation
writes a new version saying what differs."""

from __future__ import annotations

import httpx
import pytest

from tests.placement.placements.conftest import PLACEMENTS, contract, placement_body
from tests.placement.projection import project_person
from tests.subsidy.conftest import DECISIONS, decisions_of, evaluate, publish, subsidy_env

TIERS = [
    {"min_headcount": 1, "max_headcount": 2, "amount": "5000.00"},
    {"min_headcount": 3, "max_headcount": None, "amount": "8000.00"},
]


class ToPlacement(httpx.AsyncBaseTransport):
    """The gateway as the subsidy service sees it: a client token for svc-subsidy, and every other call passed on
    to the placement app; `down` stands for placement stopped."""

    def __init__(self, placement: httpx.AsyncClient, token_factory) -> None:
        self.placement = placement
        self.token_factory = token_factory
        self.down = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/auth/token":
            return httpx.Response(200, json={"access_token": self.token_factory(), "expires_in": 300})
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        answer = await self.placement.request(
            request.method,
            request.url.path,
            params=request.url.params,
            headers={"Authorization": request.headers["authorization"]},
        )
        return httpx.Response(answer.status_code, content=answer.content, headers={"content-type": "application/json"})


@pytest.fixture
async def linked(database_url, jwks_fetcher, api, service_token):
    transport = ToPlacement(api, service_token)
    async with subsidy_env(database_url, jwks_fetcher, transport, transport) as env:
        yield env


@pytest.fixture
def placed(api, auth, fake_registry, db):
    async def make(employer_id, start, end, *, programme=("community_rehabilitation", "2010-01-01", None)):
        person = fake_registry.add()
        await project_person(db, person, [programme])
        body = placement_body(person, employer_id, contract=contract(start, end))
        response = await api.post(PLACEMENTS, json=body, headers=auth())
        assert response.status_code == 201, response.text
        return person, response.json()

    return make


async def designate(api, headers, employer_id, action, on):
    body = {"action": action, "effective_on": on}
    body |= {"document_number": "柳城政办〔2012〕84号"} if action == "designate" else {"reason": "停产整顿"}
    response = await api.post(f"/api/v1/employers/{employer_id}/designations", json=body, headers=headers)
    assert response.status_code == 201, response.text


async def test_a_designation_lapsing_mid_year_and_the_contracts_at_the_edges(
    linked,
    auth,
    api,
    new_employer,
    placed,
):
    nco = auth(department="nco")
    await publish(linked.client, nco, rules=[{"type": "enterprise_placement", "tiers": TIERS}])
    await publish(linked.client, nco, year=2014, rules=[{"type": "enterprise_placement", "tiers": TIERS}])
    lapsing = await new_employer()
    await designate(api, auth(), lapsing, "designate", "2012-05-15")
    await designate(api, auth(), lapsing, "revoke", "2013-06-30")
    leap_day, _ = await placed(lapsing, "2012-02-29", "2013-02-28")
    twelve, _ = await placed(lapsing, "2013-01-01", "2013-12-31")
    new_years_eve, _ = await placed(lapsing, "2013-12-31", "2014-12-30")
    eleven, _ = await placed(lapsing, "2013-01-01", "2013-11-30")
    ended_before, _ = await placed(lapsing, "2012-01-01", "2012-12-31")
    outsider, _ = await placed(lapsing, "2013-01-01", "2013-12-31", programme=("community_detox", "2014-01-01", None))

    job = await evaluate(linked, nco)

    assert job["status"] == "succeeded", job
    (decision,) = await decisions_of(linked.client, nco, year=2013)
    assert (decision["beneficiary_id"], decision["qualifying_count"], decision["amount"]) == (lapsing, 3, "8000.00")
    evidence = (await linked.client.get(f"{DECISIONS}/{decision['id']}", headers=nco)).json()["evidence"]
    assert evidence["eligibility"]["qihang"] == {
        "held_in_year": True,
        "days_in_year": 180,
        "periods": [{"from_on": "2013-01-01", "to_on": "2013-06-29"}],
    }
    assert {c["person_id"] for c in evidence["counted"]} == {leap_day, twelve, new_years_eve}
    excluded = {c["person_id"]: c["reasons"] for c in evidence["excluded"]}
    assert excluded == {eleven: ["term_under_minimum"], outsider: ["not_in_programme_at_start"]}
    assert ended_before not in excluded
    assert evidence["source"]["definition_version"] == "v2"

    # 2014: the contracts run on, but the employer held no designation that year.
    job_2014 = await evaluate(linked, nco, year=2014)
    assert job_2014["summary"]["enterprise_placement"]["not_decided"] == 1
    assert await decisions_of(linked.client, nco, year=2014) == []


async def test_frozen_evidence_survives_a_later_placement_change(
    linked,
    auth,
    api,
    new_employer,
    placed,
):
    nco = auth(department="nco")
    await publish(linked.client, nco, rules=[{"type": "enterprise_placement", "tiers": TIERS}])
    employer = await new_employer()
    await designate(api, auth(), employer, "designate", "2012-05-15")
    first, first_placement = await placed(employer, "2013-01-01", "2013-12-31")
    second, _ = await placed(employer, "2013-03-01", "2014-02-28")
    await evaluate(linked, nco)
    (v1,) = await decisions_of(linked.client, nco, year=2013)
    frozen = (await linked.client.get(f"{DECISIONS}/{v1['id']}", headers=nco)).json()
    assert (frozen["qualifying_count"], frozen["amount"]) == (2, "5000.00")

    # Placement changes: the first person leaves early, a third is placed.
    ended = await api.post(
        f"{PLACEMENTS}/{first_placement['id']}/end",
        json={"ended_on": "2013-04-30", "reason": "resigned"},
        headers=auth() | {"If-Match": '"1"'},
    )
    assert ended.status_code == 200, ended.text
    third, _ = await placed(employer, "2013-06-01", None)

    # The decision made stays as it was decided until someone re-evaluates.
    assert (await linked.client.get(f"{DECISIONS}/{v1['id']}", headers=nco)).json() == frozen
    job = await evaluate(linked, nco)
    assert job["decisions_written"] == 1
    (v2,) = await decisions_of(linked.client, nco, year=2013)
    assert (v2["version"], v2["qualifying_count"], v2["tier"], v2["amount"]) == (2, 3, "3+", "8000.00")
    assert v2["difference"]["added"] == [third] and v2["difference"]["removed"] == []
    assert v2["difference"]["amount"] == {"before": "5000.00", "after": "8000.00"}
    later = (await linked.client.get(f"{DECISIONS}/{v2['id']}", headers=nco)).json()["evidence"]
    days = {c["person_id"]: c["days_in_force_in_year"] for c in later["counted"]}
    assert days[first] == 120  # the contract ended early still counts; it ran 1 January to 30 April
    old = (await linked.client.get(f"{DECISIONS}/{v1['id']}", headers=nco)).json()
    assert old == frozen | {"is_current": False}
    assert {c["person_id"]: c["days_in_force_in_year"] for c in old["evidence"]["counted"]}[first] == 365
    assert second in days

    # Placement stopped: the evaluation fails and writes nothing.
    linked.placement.down = True
    failed = await evaluate(linked, nco)
    assert (failed["status"], failed["error_code"]) == ("failed", "placement_unavailable")
    assert [d["id"] for d in await decisions_of(linked.client, nco, year=2013)] == [v2["id"]]
