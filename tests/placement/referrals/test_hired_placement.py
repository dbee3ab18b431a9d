"""A referral marked hired records the placement when the hiring step carries it (route and contract), checked as a
single create is, in the same transaction; without it, the hired referral offers the request that records it."""

from datetime import date

from sqlalchemy import text

from tests.placement.placements.conftest import PLACEMENTS, PROBLEM, REFERRALS, contract


async def offered(api, nco, post_id: str, person_id: str) -> dict:
    created = await api.post(REFERRALS, json={"person_id": person_id, "post_id": post_id}, headers=nco)
    assert created.status_code == 201, created.text
    url = f"{REFERRALS}/{created.json()['id']}/moves"
    for step, version in (("interview", 1), ("offer", 2)):
        moved = await api.post(url, json={"to": step}, headers=nco | {"If-Match": f'"{version}"'})
        assert moved.status_code == 200, moved.text
    return moved.json()


async def test_a_hire_carrying_the_contract_records_the_placement(api, auth, new_employer, new_post, fake_registry, db):
    employer_id = await new_employer()
    post = await new_post(employer_id, headcount=1)
    person_id = fake_registry.add()
    nco = auth()
    referral = await offered(api, nco, post["id"], person_id)
    start = str(date.today())

    hired = await api.post(
        f"{REFERRALS}/{referral['id']}/moves",
        json={"to": "hired", "placement": {"route": "centralised", "contract": contract(start, None)}},
        headers=nco | {"If-Match": '"3"'},
    )

    assert hired.status_code == 200, hired.text
    body = hired.json()
    assert body["status"] == "hired" and body["placement_id"] is not None and body["create_placement"] is None
    placement = (await api.get(f"{PLACEMENTS}/{body['placement_id']}", headers=nco)).json()
    assert (placement["person_id"], placement["post_id"], placement["employer_id"]) == (
        person_id,
        post["id"],
        employer_id,
    )
    assert (placement["start_on"], placement["eligibility_checked_on"]) == (start, start)
    event = (await db.execute(text("SELECT data FROM outbox_event WHERE kind = 'referral.hired'"))).scalar_one()
    assert event["placement_id"] == body["placement_id"]
    filled = await db.scalar(text("SELECT filled FROM job_post WHERE id = CAST(:id AS uuid)"), {"id": post["id"]})
    assert filled == 1


async def test_a_refused_placement_leaves_the_referral_where_it_was(
    api, auth, new_employer, new_post, fake_registry, db
):
    employer_id = await new_employer()
    post = await new_post(employer_id)
    person_id = fake_registry.add(current_measure=None, measures=[("community_detox", date(2026, 3, 1), None, None)])
    nco = auth()
    referral = await offered(api, nco, post["id"], person_id)

    refused = await api.post(
        f"{REFERRALS}/{referral['id']}/moves",
        # The contract starts before the detox order: not placeable on its start date.
        json={"to": "hired", "placement": {"route": "centralised", "contract": contract("2026-02-01", None)}},
        headers=nco | {"If-Match": '"3"'},
    )

    assert refused.status_code == 409 and refused.headers["content-type"] == PROBLEM
    assert refused.json()["code"] == "person_not_placeable"
    assert "community_detox from 2026-03-01, open" in refused.json()["detail"]
    again = (await api.get(f"{REFERRALS}/{referral['id']}", headers=nco)).json()
    assert (again["status"], again["version"]) == ("offer", 3)
    assert await db.scalar(text("SELECT count(*) FROM placement")) == 0


async def test_a_hire_without_the_contract_offers_the_placement_request(
    api, auth, new_employer, new_post, fake_registry
):
    employer_id = await new_employer()
    post = await new_post(employer_id)
    person_id = fake_registry.add()
    nco = auth()
    referral = await offered(api, nco, post["id"], person_id)
    url = f"{REFERRALS}/{referral['id']}/moves"

    wrong = await api.post(
        url,
        json={"to": "declined", "reason": "other", "placement": {"route": "centralised", "contract": contract()}},
        headers=nco | {"If-Match": '"3"'},
    )
    hired = await api.post(url, json={"to": "hired"}, headers=nco | {"If-Match": '"3"'})

    assert wrong.status_code == 422
    assert hired.status_code == 200, hired.text
    offer = hired.json()["create_placement"]
    assert offer == {
        "method": "POST",
        "href": PLACEMENTS,
        "body": {"person_id": person_id, "post_id": post["id"], "employer_id": employer_id},
    }
    placed = await api.post(
        offer["href"],
        json=offer["body"] | {"route": "centralised", "contract": contract(str(date.today()), None)},
        headers=nco,
    )
    assert placed.status_code == 201, placed.text
    linked = (await api.get(f"{REFERRALS}/{referral['id']}", headers=nco)).json()
    assert (linked["placement_id"], linked["create_placement"]) == (placed.json()["id"], None)
