"""Reporting's read model and the registry agree on shared cases: people recorded through the registry's API, their
events read from the registry's own feed and applied by reporting's follower; for each case and day, reporting's
"on record", "controlled" and "consolidated" equal what the registry answers at `/persons/{id}/status?as_of=`
(consolidation rule v2 on both sides: the anniversary, a positive test, rehabilitation after isolation, a second
detox order, lost contact, a custody stay for drug use, death, a relapse 2 years 364 days before D)."""

import uuid
from datetime import date, timedelta

import pytest

from registry.main import create_app as registry_app
from registry.persons.national_id import check_char
from reporting.readmodel import rules
from reporting.readmodel.events import FeedPage
from reporting.readmodel.repository import ReadModelRepository
from reporting.readmodel.rules import RuleConfig
from reporting.readmodel.service import derive_people, step
from tests.reporting.feeds import transaction_in

REGISTERED = date(2008, 6, 1)
D = date(2013, 12, 31)

# name -> (measures, positive tests, stays, register changes, days to compare)
CASES = {
    "anniversary": (
        [{"kind": "community_detox", "start_on": "2009-03-01"}],
        [],
        [],
        [],
        [date(2012, 2, 29), date(2012, 3, 1)],
    ),
    "positive_test": (
        [{"kind": "community_detox", "start_on": "2009-03-01"}],
        ["2011-05-10"],
        [],
        [],
        [date(2014, 5, 9), date(2014, 5, 10), date(2011, 5, 10)],
    ),
    "rehabilitation_after_isolation": (
        [
            {
                "kind": "compulsory_isolation",
                "start_on": "2009-01-10",
                "actual_end_on": "2011-01-10",
                "end_reason": "completed",
            },
            {"kind": "community_rehabilitation", "start_on": "2011-01-10"},
        ],
        [],
        [],
        [],
        [date(2012, 1, 9), date(2012, 1, 10), D],
    ),
    "second_detox_order": (
        [
            {
                "kind": "community_detox",
                "start_on": "2009-01-01",
                "actual_end_on": "2012-01-01",
                "end_reason": "completed",
            },
            {"kind": "community_detox", "start_on": "2012-06-01"},
        ],
        [],
        [],
        [],
        [date(2012, 5, 31), date(2012, 6, 1), date(2015, 6, 1)],
    ),
    "lost_contact": (
        [
            {
                "kind": "community_detox",
                "start_on": "2009-01-01",
                "actual_end_on": "2011-06-01",
                "end_reason": "lost_contact",
            }
        ],
        [],
        [],
        [],
        [date(2011, 5, 31), date(2011, 6, 1), D],
    ),
    "custody_for_drug_use": (
        [{"kind": "community_detox", "start_on": "2008-06-01"}],
        [],
        [{"kind": "detention", "start_on": "2011-02-01", "end_on": "2011-02-20", "for_drug_use": True}],
        [],
        [date(2011, 1, 31), date(2011, 2, 1), date(2014, 2, 1)],
    ),
    "died": (
        [{"kind": "community_detox", "start_on": "2008-06-01"}],
        [],
        [],
        [{"kind": "left", "effective_on": "2013-01-01", "reason_code": "died"}],
        [date(2012, 12, 31), date(2013, 1, 1), D],
    ),
    "relapse_2y364d_before_d": (
        [{"kind": "community_detox", "start_on": "2008-06-01"}],
        [str(D - timedelta(days=365 * 2 + 364))],
        [],
        [],
        [D, date(2014, 1, 2)],
    ),
}


def id_number(seq: int) -> str:
    first17 = f"450222{date(1980, 1, 1) + timedelta(days=seq):%Y%m%d}{seq % 1000:03d}"
    return first17 + check_char(first17)


@pytest.fixture
async def registry_pair(service_client):
    async with service_client("registry", registry_app) as pair:
        yield pair


async def test_reporting_and_the_registry_agree_on_every_case(registry_pair, reporting_session, make_token):
    registry, _ = registry_pair
    nco = {"Authorization": f"Bearer {make_token(roles=['staff'], department='nco')}"}
    people = {}
    for seq, (name, (measures, tests, stays, changes, _days)) in enumerate(CASES.items()):
        created = await registry.post(
            "/api/v1/persons",
            json={
                "name": "覃某某",
                "id_number": id_number(700 + seq),
                "work_ability": "able",
                "jurisdiction_code": "dapu",
                "registered_on": str(REGISTERED),
            },
            headers=nco,
        )
        assert created.status_code == 201, created.text
        pid = created.json()["id"]
        people[name] = uuid.UUID(pid)
        for m in measures:
            r = await registry.post(f"/api/v1/persons/{pid}/measures", json=m, headers=nco)
            assert r.status_code == 201, (name, r.text)
        for tested_on in tests:
            r = await registry.post(
                f"/api/v1/persons/{pid}/drug-tests",
                json={"tested_on": tested_on, "kind": "urine", "result": "positive", "tested_by": "县公安局"},
                headers=nco,
            )
            assert r.status_code == 201, (name, r.text)
        for s in stays:
            r = await registry.post(f"/api/v1/persons/{pid}/stays", json=s, headers=nco)
            assert r.status_code == 201, (name, r.text)
        for c in changes:
            r = await registry.post(f"/api/v1/persons/{pid}/register-changes", json=c, headers=nco)
            assert r.status_code == 201, (name, r.text)

    service = {
        "Authorization": "Bearer "
        + make_token(roles=["service"], kind="client", department="it", scopes=["registry:read"])
    }

    async def fetch(after, limit):
        params = {"limit": limit} | ({"after": after} if after else {})
        response = await registry.get("/api/v1/registry-events", params=params, headers=service)
        assert response.status_code == 200, response.text
        return FeedPage.model_validate_json(response.content)

    tx = transaction_in(reporting_session)
    more = True
    while more:
        more = (await step(tx, "registry", fetch, batch_size=200)).has_more
    derived = await derive_people(ReadModelRepository(reporting_session), list(people.values()), RuleConfig())

    for name, (_m, _t, _s, _c, days) in CASES.items():
        pid = people[name]
        for day in days:
            status = await registry.get(f"/api/v1/persons/{pid}/status", params={"as_of": str(day)}, headers=nco)
            assert status.status_code == 200, status.text
            theirs = status.json()
            state = rules.state_on(derived[pid], day)
            flags = state.flags if state else 0
            ours = {
                "on_record": bool(flags & rules.ON_RECORD),
                "under_control": bool(flags & rules.CONTROLLED),
                "consolidated": bool(flags & rules.CONSOLIDATED),
            }
            assert ours == {k: theirs[k] for k in ours}, (name, day, theirs.get("consolidation_clock"))
